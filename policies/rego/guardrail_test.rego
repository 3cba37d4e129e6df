package defenseclaw.guardrail_test

import data.defenseclaw.guardrail
import rego.v1

# --- helpers ---------------------------------------------------------------------

_result(sev) := {"action": "", "severity": sev, "findings": [], "reason": ""}

_explained(sev, why) := object.union(_result(sev), {"reason": why})

_req(mode, local, cisco) := {
	"direction": "prompt",
	"model": "m",
	"mode": mode,
	"scanner_mode": "both",
	"local_result": local,
	"cisco_result": cisco,
	"content_length": 10,
}

_with_hilt(req, enabled, min) := object.union(req, {"hilt": {"enabled": enabled, "min_severity": min}})

# --- severity and the action table -------------------------------------------------

test_nothing_found_allows if {
	d := guardrail with input as _req("action", null, null)
	d.action == "allow"
	d.severity == "NONE"
	d.reason == ""
	d.scanner_sources == set()
}

test_local_low_allows if {
	d := guardrail with input as _req("action", _result("LOW"), null)
	d.action == "allow"
	d.severity == "LOW"
	d.scanner_sources == {"local-pattern", "opa-policy"}
}

test_local_medium_alerts if {
	d := guardrail with input as _req("action", _result("MEDIUM"), null)
	d.action == "alert"
	d.severity == "MEDIUM"
}

test_local_high_alerts_below_block_threshold if {
	d := guardrail with input as _req("action", _result("HIGH"), null)
	d.action == "alert"
	d.severity == "HIGH"
}

test_local_critical_blocks if {
	d := guardrail with input as _req("action", _result("CRITICAL"), null)
	d.action == "block"
	d.severity == "CRITICAL"
}

test_cisco_critical_blocks_with_full_trust if {
	d := guardrail with input as _req("action", null, _result("CRITICAL"))
	d.action == "block"
	d.scanner_sources == {"ai-defense", "opa-policy"}
}

test_highest_of_both_scanners if {
	d := guardrail with input as _req("action", _result("LOW"), _result("HIGH"))
	d.severity == "HIGH"
	d.scanner_sources == {"local-pattern", "ai-defense", "opa-policy"}
}

test_observe_never_blocks if {
	d := guardrail with input as _req("observe", _result("CRITICAL"), null)
	d.action == "alert"
	d.severity == "CRITICAL"
}

test_observe_medium_alerts if {
	d := guardrail with input as _req("observe", _result("MEDIUM"), null)
	d.action == "alert"
}

test_observe_low_allows if {
	d := guardrail with input as _req("observe", _result("LOW"), null)
	d.action == "allow"
}

# Kept from the original: observe below the alert threshold falls through to the
# block row, so block_threshold < alert_threshold can block in observe mode.
test_observe_misconfigured_thresholds_can_block if {
	d := guardrail with input as _req("observe", _result("LOW"), null)
		with data.guardrail.block_threshold as 1
		with data.guardrail.alert_threshold as 3
	d.action == "block"
}

test_advisory_cisco_alone_alerts if {
	d := guardrail with input as _req("action", null, _result("CRITICAL"))
		with data.guardrail.cisco_trust_level as "advisory"
	d.action == "alert"
	d.severity == "CRITICAL"
}

test_advisory_with_local_agreement_blocks if {
	d := guardrail with input as _req("action", _result("MEDIUM"), _result("CRITICAL"))
		with data.guardrail.cisco_trust_level as "advisory"
	d.action == "block"
}

test_trust_none_ignores_cisco if {
	d := guardrail with input as _req("action", null, _result("CRITICAL"))
		with data.guardrail.cisco_trust_level as "none"
	d.action == "allow"
	d.severity == "NONE"
	d.scanner_sources == {"ai-defense"}
}

test_missing_alert_threshold_never_alerts if {
	d := guardrail with input as _req("action", _result("HIGH"), null)
		with data.guardrail as {"severity_rank": data.guardrail.severity_rank, "block_threshold": 4, "cisco_trust_level": "full"}
	d.action == "allow"
}

# --- human in the loop -------------------------------------------------------------------

test_hilt_confirms_in_action_mode if {
	d := guardrail with input as _with_hilt(_req("action", _result("HIGH"), null), true, "HIGH")
	d.action == "confirm"
}

test_hilt_not_in_observe_mode if {
	d := guardrail with input as _with_hilt(_req("observe", _result("HIGH"), null), true, "HIGH")
	d.action == "alert"
}

test_hilt_below_min_severity_alerts if {
	d := guardrail with input as _with_hilt(_req("action", _result("MEDIUM"), null), true, "HIGH")
	d.action == "alert"
}

test_hilt_lower_min_severity if {
	d := guardrail with input as _with_hilt(_req("action", _result("MEDIUM"), null), true, "MEDIUM")
	d.action == "confirm"
}

test_hilt_min_severity_case_insensitive if {
	d := guardrail with input as _with_hilt(_req("action", _result("MEDIUM"), null), true, "medium")
	d.action == "confirm"
}

test_hilt_block_wins_over_confirm if {
	d := guardrail with input as _with_hilt(_req("action", _result("CRITICAL"), null), true, "LOW")
	d.action == "block"
}

test_hilt_disabled if {
	d := guardrail with input as _with_hilt(_req("action", _result("HIGH"), null), false, "LOW")
	d.action == "alert"
}

test_hilt_from_data_when_input_has_none if {
	d := guardrail with input as _req("action", _result("HIGH"), null)
		with data.guardrail.hilt as {"enabled": true, "min_severity": "HIGH"}
	d.action == "confirm"
}

test_hilt_input_overrides_data if {
	d := guardrail with input as _with_hilt(_req("action", _result("HIGH"), null), false, "HIGH")
		with data.guardrail.hilt as {"enabled": true, "min_severity": "LOW"}
	d.action == "alert"
}

test_hilt_min_severity_defaults_to_high if {
	req := object.union(_req("action", _result("HIGH"), null), {"hilt": {"enabled": true}})
	guardrail.action == "confirm" with input as req
	req2 := object.union(_req("action", _result("MEDIUM"), null), {"hilt": {"enabled": true}})
	guardrail.action == "alert" with input as req2
}

# --- reason and sources ---------------------------------------------------------------------

test_reason_joins_both if {
	d := guardrail with input as _req("action", _explained("HIGH", "secret found"), _explained("MEDIUM", "injection"))
	d.reason == "secret found; injection"
}

test_reason_local_only if {
	d := guardrail with input as _req("action", _explained("HIGH", "secret found"), _result("NONE"))
	d.reason == "secret found"
}

test_reason_cisco_only if {
	d := guardrail with input as _req("action", null, _explained("LOW", "pii"))
	d.reason == "pii"
}

test_none_severity_is_no_source if {
	d := guardrail with input as _req("action", _result("NONE"), _result("none"))
	d.scanner_sources == set()
}

# --- our differences: case-insensitive severities and INFO --------------------------------------

test_severity_case_insensitive if {
	d := guardrail with input as _req("action", _result("critical"), null)
	d.action == "block"
	d.severity == "CRITICAL"
}

test_info_ranks_like_none if {
	d := guardrail with input as _req("action", _result("INFO"), null)
	d.action == "allow"
	d.severity == "NONE"
	d.scanner_sources == {"local-pattern"}
}

test_info_does_not_lower_the_other_scanner if {
	d := guardrail with input as _req("action", _result("info"), _result("MEDIUM"))
	d.severity == "MEDIUM"
	d.action == "alert"
}

test_unknown_label_ranks_zero if {
	d := guardrail with input as _req("action", _result("SEVERE"), null)
	d.action == "allow"
	d.severity == "NONE"
}

# --- shipped data ---------------------------------------------------------------------------

test_production_thresholds if {
	data.guardrail.block_threshold == 4
	data.guardrail.alert_threshold == 2
	data.guardrail.cisco_trust_level == "full"
	data.guardrail.hilt == {"enabled": false, "min_severity": "HIGH"}
}

test_production_ranks if {
	data.guardrail.severity_rank == {"NONE": 0, "INFO": 0, "LOW": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}
}
