# Admission: may a skill, MCP server or plugin be installed and run?
#
# Input: {target_type, target_name, path, block_list, allow_list, scan_result?}
# Output: verdict, reason, file_action, install_action, runtime_action.
#
# Rows are tried in order, the first that matches decides (see policies/README.md):
#   1 block list  2 failed scan  3 allow list  4 first-party bypass  5 scan_on_install off
#   6 clean scan  7 blocking findings  8 other findings  default: awaiting scan
package defenseclaw.admission

import rego.v1

default verdict := "scan"

default reason := "awaiting scan"

verdict := _decision.verdict

reason := _decision.reason

file_action := _actions.file

install_action := _actions.install

runtime_action := _actions.runtime

# --- the decision table --------------------------------------------------

_decision := {"verdict": "blocked", "reason": sprintf("%s '%s' is on the block list", [input.target_type, input.target_name])} if {
	_on_block_list
} else := {"verdict": "rejected", "reason": _scan_failure_reason} if {
	_scan_failed
} else := {"verdict": "allowed", "reason": _allow_reason} if {
	_on_allow_list
} else := {"verdict": "allowed", "reason": _allow_reason} if {
	_first_party_bypass
} else := {"verdict": "allowed", "reason": "scan_on_install disabled — allowed without scan"} if {
	not _has_scan
	data.config.scan_on_install == false
} else := {"verdict": "clean", "reason": "scan clean"} if {
	_has_scan
	input.scan_result.total_findings == 0
} else := {"verdict": "rejected", "reason": sprintf("max severity %s triggers block per policy", [input.scan_result.max_severity])} if {
	input.scan_result.total_findings > 0
	_action_blocks
} else := {"verdict": "warning", "reason": sprintf("findings present (max %s) — allowed with warning", [input.scan_result.max_severity])} if {
	input.scan_result.total_findings > 0
}

_allow_reason := sprintf("%s '%s' is on the allow list — scan skipped", [input.target_type, input.target_name])

# Actions: a failed scan is treated as the worst case; otherwise the severity's
# effective action when there is a scan, and none/none/allow before scanning.
_actions := {"file": "quarantine", "install": "block", "runtime": "block"} if {
	_scan_failed
} else := a if {
	_has_scan
	a := _effective_action
} else := {"file": "none", "install": "none", "runtime": "allow"} if {
	not _has_scan
}

# --- scan result -----------------------------------------------------------

# Present unless absent or false (a JSON null counts as present, as in the original).
_has_scan if input.scan_result

_severity := upper(input.scan_result.max_severity) if is_string(input.scan_result.max_severity)

# Per-target-type override first, then the global action for the severity.
_effective_action := a if {
	a := data.scanner_overrides[input.target_type][_severity]
} else := a if {
	a := data.actions[_severity]
}

_action_blocks if _effective_action.runtime == "block"

_action_blocks if _effective_action.install == "block"

# A scan that did not complete cannot vouch for anything: non-zero exit code or
# a non-blank error message rejects (the original's Rego ignored both).
_scan_failed if _exit_code_failed

_scan_failed if _scan_error_present

_exit_code_failed if {
	code := input.scan_result.exit_code
	code != null
	code != 0
}

_scan_error_present if {
	err := input.scan_result.scan_error
	is_string(err)
	trim_space(err) != ""
}

_scan_failure_reason := concat("", ["scanner failed", _scan_error_part, _exit_code_part])

_scan_error_part := sprintf(": %s", [trim_space(input.scan_result.scan_error)]) if _scan_error_present else := ""

_exit_code_part := sprintf(" (exit_code=%v)", [input.scan_result.exit_code]) if _exit_code_failed else := ""

# --- explicit lists ----------------------------------------------------------

_on_block_list if {
	some entry in input.block_list
	entry.target_type == input.target_type
	entry.target_name == input.target_name
}

_on_allow_list if {
	some entry in input.allow_list
	entry.target_type == input.target_type
	entry.target_name == input.target_name
	_allow_entry_path_matches(entry)
}

# An allow entry may pin the install path (F-0941): no pin matches anything,
# otherwise the normalised paths are equal or the pin's components occur in order.
_allow_entry_path_matches(entry) if object.get(entry, "source_path", "") == ""

_allow_entry_path_matches(entry) if {
	pin := entry.source_path
	is_string(pin)
	pin != ""
	_normalize_path(pin) == _normalize_path(input.path)
}

_allow_entry_path_matches(entry) if {
	pin := entry.source_path
	is_string(pin)
	pin != ""
	_provenance_prefix_matches(input.path, pin)
}

# --- first-party bypass --------------------------------------------------------

_first_party_bypass if {
	data.config.allow_list_bypass_scan == true
	some entry in data.first_party_allow_list
	entry.target_type == input.target_type
	entry.target_name == input.target_name
	_provenance_matches(entry)
}

# No prefixes (absent or empty) matches any path (F-0543).
_provenance_matches(entry) if count(object.get(entry, "source_path_contains", [])) == 0

_provenance_matches(entry) if {
	some prefix in entry.source_path_contains
	_provenance_prefix_matches(input.path, prefix)
}

# --- path helpers ------------------------------------------------------------

_normalize_path(p) := replace(lower(p), "\\", "/") if is_string(p)

_path_components(p) := [c | some c in split(_normalize_path(p), "/"); c != ""]

# True when the components of `prefix` occur as a contiguous run inside the
# components of `path`: `.defenseclaw-evil` does not match `.defenseclaw`.
_provenance_prefix_matches(path, prefix) if {
	hay := _path_components(path)
	needle := _path_components(prefix)
	n := count(needle)
	n > 0
	count(hay) >= n
	some i in numbers.range(0, count(hay) - n)
	array.slice(hay, i, i + n) == needle
}
