package defenseclaw.admission_test

import data.defenseclaw.admission
import rego.v1

# --- helpers ---------------------------------------------------------------------

_in(t, n) := {"target_type": t, "target_name": n, "path": "/tmp/installs/x", "block_list": [], "allow_list": []}

_at(t, n, path) := object.union(_in(t, n), {"path": path})

_scanned(t, n, sev, findings) := object.union(_in(t, n), {"scan_result": {"max_severity": sev, "total_findings": findings}})

_failed_scan(t, n, extra) := object.union(_in(t, n), {"scan_result": object.union({"max_severity": "", "total_findings": 0}, extra)})

_entry(t, n) := {"target_type": t, "target_name": n, "reason": "operator said so"}

_actions(d) := [d.file_action, d.install_action, d.runtime_action]

_block := ["quarantine", "block", "block"]

_none := ["none", "none", "allow"]

# --- row 1: block list -----------------------------------------------------------------

test_block_list_blocks if {
	d := admission with input as object.union(_in("skill", "evil"), {"block_list": [_entry("skill", "evil")]})
	d.verdict == "blocked"
	d.reason == "skill 'evil' is on the block list"
}

test_block_list_reason_ignores_entry_reason if {
	d := admission with input as object.union(_in("mcp", "srv"), {"block_list": [_entry("mcp", "srv")]})
	d.reason == "mcp 'srv' is on the block list"
}

test_block_list_needs_same_type if {
	d := admission with input as object.union(_in("skill", "evil"), {"block_list": [_entry("mcp", "evil")]})
	d.verdict == "scan"
}

test_block_list_needs_same_name if {
	d := admission with input as object.union(_in("skill", "evil"), {"block_list": [_entry("skill", "evil2")]})
	d.verdict == "scan"
}

test_block_list_any_entry_matches if {
	d := admission with input as object.union(_in("plugin", "p"), {"block_list": [_entry("skill", "a"), _entry("plugin", "p")]})
	d.verdict == "blocked"
}

test_block_wins_over_allow_list if {
	d := admission with input as object.union(_in("skill", "x"), {"block_list": [_entry("skill", "x")], "allow_list": [_entry("skill", "x")]})
	d.verdict == "blocked"
}

test_block_wins_over_first_party if {
	inp := object.union(_at("skill", "codeguard", "/home/u/.openclaw/skills/codeguard"), {"block_list": [_entry("skill", "codeguard")]})
	d := admission with input as inp
	d.verdict == "blocked"
}

test_blocked_without_scan_has_pre_scan_actions if {
	d := admission with input as object.union(_in("skill", "evil"), {"block_list": [_entry("skill", "evil")]})
	_actions(d) == _none
}

test_blocked_with_scan_has_severity_actions if {
	inp := object.union(_scanned("skill", "evil", "HIGH", 2), {"block_list": [_entry("skill", "evil")]})
	d := admission with input as inp
	d.verdict == "blocked"
	_actions(d) == _block
}

# --- row 2 (ours): a failed scan rejects --------------------------------------------

test_scan_failed_exit_code if {
	d := admission with input as _failed_scan("skill", "s", {"exit_code": 2})
	d.verdict == "rejected"
	d.reason == "scanner failed (exit_code=2)"
	_actions(d) == _block
}

test_scan_failed_error_message if {
	d := admission with input as _failed_scan("skill", "s", {"scan_error": "timeout after 300s"})
	d.verdict == "rejected"
	d.reason == "scanner failed: timeout after 300s"
	_actions(d) == _block
}

test_scan_failed_error_and_exit_code if {
	d := admission with input as _failed_scan("mcp", "s", {"scan_error": "boom", "exit_code": 1})
	d.reason == "scanner failed: boom (exit_code=1)"
}

test_scan_failed_error_is_trimmed if {
	d := admission with input as _failed_scan("skill", "s", {"scan_error": "  crashed \n"})
	d.reason == "scanner failed: crashed"
}

test_scan_failed_negative_exit_code if {
	d := admission with input as _failed_scan("skill", "s", {"exit_code": -9})
	d.reason == "scanner failed (exit_code=-9)"
}

test_scan_blank_error_is_not_a_failure if {
	d := admission with input as _failed_scan("skill", "s", {"scan_error": "   ", "exit_code": 0})
	d.verdict == "clean"
}

test_scan_zero_exit_code_is_not_a_failure if {
	d := admission with input as object.union(_scanned("skill", "s", "MEDIUM", 1), {"scan_result": {"max_severity": "MEDIUM", "total_findings": 1, "exit_code": 0}})
	d.verdict == "warning"
}

test_scan_failure_rejects_despite_zero_findings if {
	d := admission with input as _failed_scan("skill", "s", {"exit_code": 3, "total_findings": 0})
	d.verdict == "rejected"
}

test_scan_failure_beats_allow_list if {
	inp := object.union(_failed_scan("skill", "s", {"exit_code": 1}), {"allow_list": [_entry("skill", "s")]})
	d := admission with input as inp
	d.verdict == "rejected"
}

test_scan_failure_beats_first_party_bypass if {
	inp := object.union(_failed_scan("skill", "codeguard", {"scan_error": "oom"}), {"path": "/home/u/.openclaw/skills/codeguard"})
	d := admission with input as inp
	d.verdict == "rejected"
	d.reason == "scanner failed: oom"
}

test_scan_failure_beats_scan_on_install_off if {
	d := admission with input as _failed_scan("skill", "s", {"exit_code": 1})
		with data.config.scan_on_install as false
	d.verdict == "rejected"
}

test_block_list_beats_scan_failure if {
	inp := object.union(_failed_scan("skill", "s", {"exit_code": 1}), {"block_list": [_entry("skill", "s")]})
	d := admission with input as inp
	d.verdict == "blocked"
	_actions(d) == _block
}

# --- row 3: allow list -------------------------------------------------------------------

test_allow_list_allows if {
	d := admission with input as object.union(_in("skill", "good"), {"allow_list": [_entry("skill", "good")]})
	d.verdict == "allowed"
	d.reason == "skill 'good' is on the allow list — scan skipped"
	_actions(d) == _none
}

test_allow_list_ignores_bypass_setting if {
	d := admission with input as object.union(_in("skill", "good"), {"allow_list": [_entry("skill", "good")]})
		with data.config.allow_list_bypass_scan as false
	d.verdict == "allowed"
}

test_allow_list_beats_critical_scan_but_keeps_its_actions if {
	inp := object.union(_scanned("skill", "good", "CRITICAL", 5), {"allow_list": [_entry("skill", "good")]})
	d := admission with input as inp
	d.verdict == "allowed"
	_actions(d) == _block
}

test_allow_list_needs_same_type if {
	d := admission with input as object.union(_in("skill", "good"), {"allow_list": [_entry("plugin", "good")]})
	d.verdict == "scan"
}

test_allow_list_empty_path_pin_matches if {
	entry := object.union(_entry("skill", "good"), {"source_path": ""})
	d := admission with input as object.union(_in("skill", "good"), {"allow_list": [entry]})
	d.verdict == "allowed"
}

test_allow_list_path_pin_normalised_equality if {
	entry := object.union(_entry("skill", "good"), {"source_path": "C:\\Users\\Me\\Skills\\Good"})
	d := admission with input as object.union(_at("skill", "good", "c:/users/me/skills/good"), {"allow_list": [entry]})
	d.verdict == "allowed"
}

test_allow_list_path_pin_components_contained if {
	entry := object.union(_entry("skill", "good"), {"source_path": "skills/good"})
	d := admission with input as object.union(_at("skill", "good", "/home/u/.openclaw/skills/good/SKILL.md"), {"allow_list": [entry]})
	d.verdict == "allowed"
}

test_allow_list_path_pin_mismatch if {
	entry := object.union(_entry("skill", "good"), {"source_path": "/opt/skills/good"})
	d := admission with input as object.union(_at("skill", "good", "/tmp/evil/good"), {"allow_list": [entry]})
	d.verdict == "scan"
}

test_allow_list_path_pin_needs_whole_components if {
	entry := object.union(_entry("skill", "good"), {"source_path": "skills/goo"})
	d := admission with input as object.union(_at("skill", "good", "/home/u/skills/good"), {"allow_list": [entry]})
	d.verdict == "scan"
}

# --- row 4: first-party bypass ---------------------------------------------------------

test_first_party_codeguard_allowed if {
	d := admission with input as _at("skill", "codeguard", "/home/u/.openclaw/skills/codeguard")
	d.verdict == "allowed"
	d.reason == "skill 'codeguard' is on the allow list — scan skipped"
}

test_first_party_plugin_allowed if {
	d := admission with input as _at("plugin", "defenseclaw", "/home/u/.openclaw/extensions/defenseclaw")
	d.verdict == "allowed"
}

test_first_party_path_below_prefix if {
	d := admission with input as _at("plugin", "defenseclaw", "/home/u/.claude/plugins/defenseclaw/dist/index.js")
	d.verdict == "allowed"
}

test_first_party_windows_path if {
	d := admission with input as _at("plugin", "defenseclaw", "C:\\Users\\u\\.openclaw\\extensions\\defenseclaw")
	d.verdict == "allowed"
}

test_first_party_path_case_insensitive if {
	d := admission with input as _at("skill", "codeguard", "/Users/U/.OpenClaw/Skills/CodeGuard")
	d.verdict == "allowed"
}

test_first_party_lookalike_component_rejected if {
	d := admission with input as _at("plugin", "defenseclaw", "/home/u/.openclaw/extensions/defenseclaw-evil")
	d.verdict == "scan"
}

test_first_party_lookalike_parent_rejected if {
	d := admission with input as _at("skill", "codeguard", "/home/u/.openclaw-evil/skills/codeguard")
	d.verdict == "scan"
}

test_first_party_wrong_place_rejected if {
	d := admission with input as _at("skill", "codeguard", "/tmp/codeguard")
	d.verdict == "scan"
}

test_first_party_needs_bypass_enabled if {
	d := admission with input as _at("skill", "codeguard", "/home/u/.openclaw/skills/codeguard")
		with data.config.allow_list_bypass_scan as false
	d.verdict == "scan"
}

test_first_party_needs_same_type if {
	d := admission with input as _at("mcp", "codeguard", "/home/u/.openclaw/skills/codeguard")
	d.verdict == "scan"
}

test_first_party_without_prefixes_matches_any_path if {
	d := admission with input as _at("skill", "mine", "/anywhere")
		with data.first_party_allow_list as [{"target_type": "skill", "target_name": "mine"}]
	d.verdict == "allowed"
}

test_first_party_with_empty_prefixes_matches_any_path if {
	d := admission with input as _at("skill", "mine", "/anywhere")
		with data.first_party_allow_list as [{"target_type": "skill", "target_name": "mine", "source_path_contains": []}]
	d.verdict == "allowed"
}

test_first_party_prefix_longer_than_path if {
	d := admission with input as _at("skill", "mine", "/a")
		with data.first_party_allow_list as [{"target_type": "skill", "target_name": "mine", "source_path_contains": ["a/b/c"]}]
	d.verdict == "scan"
}

test_first_party_with_scan_keeps_severity_actions if {
	inp := object.union(_scanned("skill", "codeguard", "MEDIUM", 1), {"path": "/home/u/.openclaw/skills/codeguard"})
	d := admission with input as inp
	d.verdict == "allowed"
	_actions(d) == _none
}

# --- row 5: scan_on_install disabled ------------------------------------------------------

test_scan_on_install_disabled_allows_without_scan if {
	d := admission with input as _in("skill", "s")
		with data.config.scan_on_install as false
	d.verdict == "allowed"
	d.reason == "scan_on_install disabled — allowed without scan"
	_actions(d) == _none
}

test_scan_on_install_disabled_still_judges_scans if {
	d := admission with input as _scanned("skill", "s", "HIGH", 1)
		with data.config.scan_on_install as false
	d.verdict == "rejected"
}

# --- default: awaiting scan -----------------------------------------------------------------

test_no_scan_awaits_scan if {
	d := admission with input as _in("skill", "s")
	d.verdict == "scan"
	d.reason == "awaiting scan"
	_actions(d) == _none
}

test_null_scan_result_counts_as_present if {
	d := admission with input as object.union(_in("skill", "s"), {"scan_result": null})
		with data.config.scan_on_install as false
	d.verdict == "scan"
	not d.file_action
}

# --- rows 6-8: scan results ---------------------------------------------------------------

test_clean_scan if {
	d := admission with input as _scanned("skill", "s", "INFO", 0)
	d.verdict == "clean"
	d.reason == "scan clean"
	_actions(d) == _none
}

test_clean_scan_without_severity_has_no_actions if {
	d := admission with input as _scanned("skill", "s", "", 0)
	d.verdict == "clean"
	not d.file_action
	not d.runtime_action
}

test_critical_rejected if {
	d := admission with input as _scanned("skill", "s", "CRITICAL", 3)
	d.verdict == "rejected"
	d.reason == "max severity CRITICAL triggers block per policy"
	_actions(d) == _block
}

test_high_rejected if {
	d := admission with input as _scanned("skill", "s", "HIGH", 1)
	d.verdict == "rejected"
	_actions(d) == _block
}

test_severity_case_insensitive_reason_verbatim if {
	d := admission with input as _scanned("skill", "s", "high", 1)
	d.verdict == "rejected"
	d.reason == "max severity high triggers block per policy"
}

test_mixed_case_severity if {
	d := admission with input as _scanned("skill", "s", "Critical", 1)
	d.verdict == "rejected"
}

test_medium_skill_warning if {
	d := admission with input as _scanned("skill", "s", "MEDIUM", 2)
	d.verdict == "warning"
	d.reason == "findings present (max MEDIUM) — allowed with warning"
	_actions(d) == _none
}

test_low_skill_warning if {
	d := admission with input as _scanned("skill", "s", "LOW", 1)
	d.verdict == "warning"
}

test_info_skill_warning if {
	d := admission with input as _scanned("skill", "s", "INFO", 1)
	d.verdict == "warning"
	_actions(d) == _none
}

test_mcp_medium_rejected_by_override if {
	d := admission with input as _scanned("mcp", "m", "MEDIUM", 1)
	d.verdict == "rejected"
	_actions(d) == _block
}

test_mcp_low_rejected_by_override if {
	d := admission with input as _scanned("mcp", "m", "LOW", 1)
	d.verdict == "rejected"
	_actions(d) == ["none", "none", "block"]
}

test_mcp_high_uses_global_action if {
	d := admission with input as _scanned("mcp", "m", "HIGH", 1)
	d.verdict == "rejected"
	_actions(d) == _block
}

test_mcp_info_warning if {
	d := admission with input as _scanned("mcp", "m", "INFO", 1)
	d.verdict == "warning"
}

test_plugin_high_rejected_by_override if {
	d := admission with input as _scanned("plugin", "p", "HIGH", 1)
	d.verdict == "rejected"
	_actions(d) == _block
}

test_plugin_medium_warning_by_override if {
	d := admission with input as _scanned("plugin", "p", "MEDIUM", 1)
	d.verdict == "warning"
	_actions(d) == _none
}

test_plugin_critical_uses_global_action if {
	d := admission with input as _scanned("plugin", "p", "CRITICAL", 1)
	d.verdict == "rejected"
}

test_unknown_severity_warns_without_actions if {
	d := admission with input as _scanned("skill", "s", "BOGUS", 1)
	d.verdict == "warning"
	d.reason == "findings present (max BOGUS) — allowed with warning"
	not d.file_action
	not d.install_action
	not d.runtime_action
}

test_install_block_alone_rejects if {
	d := admission with input as _scanned("skill", "s", "MEDIUM", 1)
		with data.actions.MEDIUM as {"runtime": "allow", "file": "none", "install": "block"}
	d.verdict == "rejected"
}

test_runtime_block_alone_rejects if {
	d := admission with input as _scanned("skill", "s", "LOW", 1)
		with data.actions.LOW as {"runtime": "block", "file": "none", "install": "none"}
	d.verdict == "rejected"
}

test_override_for_other_type_does_not_apply if {
	d := admission with input as _scanned("skill", "s", "LOW", 1)
	d.verdict == "warning"
}

# --- shipped data ------------------------------------------------------------------------------

test_production_policy_name_is_default if {
	data.config.policy_name == "default"
}

test_production_scan_settings if {
	data.config.scan_on_install == true
	data.config.allow_list_bypass_scan == true
}

test_production_actions if {
	data.actions.CRITICAL == {"runtime": "block", "file": "quarantine", "install": "block"}
	data.actions.HIGH == {"runtime": "block", "file": "quarantine", "install": "block"}
	data.actions.MEDIUM == {"runtime": "allow", "file": "none", "install": "none"}
	data.actions.LOW == {"runtime": "allow", "file": "none", "install": "none"}
	data.actions.INFO == {"runtime": "allow", "file": "none", "install": "none"}
}

test_production_first_party_entries if {
	names := {sprintf("%s/%s", [e.target_type, e.target_name]) | some e in data.first_party_allow_list}
	names == {"plugin/defenseclaw", "skill/codeguard"}
	every e in data.first_party_allow_list {
		count(e.source_path_contains) == 5
	}
}
