# Guardrail: the verdict for one prompt or completion, from the results the
# local pattern scanner and Cisco AI Defense already produced.
#
# Input: {direction, model, mode, scanner_mode, local_result, cisco_result, content_length, hilt?}
# Output: action (allow|alert|block|confirm), severity (NONE..CRITICAL), reason, scanner_sources.
#
# Severity labels are case-insensitive. INFO ranks like NONE (0): it never raises
# the verdict, but a scanner that reported INFO is still listed as a source.
package defenseclaw.guardrail

import rego.v1

default action := "allow"

default severity := "NONE"

default reason := ""

# --- ranks ---------------------------------------------------------------------

_rank_of(label) := data.guardrail.severity_rank[upper(label)] if is_string(label)

_local_rank := r if {
	r := _rank_of(input.local_result.severity)
} else := 0

# Cisco's opinion counts unless the operator distrusts it entirely.
_cisco_rank := r if {
	data.guardrail.cisco_trust_level != "none"
	r := _rank_of(input.cisco_result.severity)
} else := 0

_highest := max({_local_rank, _cisco_rank, 0})

severity := "CRITICAL" if {
	_highest == 4
} else := "HIGH" if {
	_highest == 3
} else := "MEDIUM" if {
	_highest == 2
} else := "LOW" if {
	_highest == 1
}

# --- action (first match wins) ---------------------------------------------------

action := "alert" if {
	input.mode == "observe"
	_highest >= data.guardrail.alert_threshold
} else := "alert" if {
	# Advisory trust: Cisco alone may alert but never block.
	data.guardrail.cisco_trust_level == "advisory"
	_cisco_rank >= data.guardrail.block_threshold
	_local_rank < data.guardrail.alert_threshold
} else := "block" if {
	_highest >= data.guardrail.block_threshold
} else := "confirm" if {
	input.mode == "action"
	_hilt_enabled
	_highest >= _hilt_min_rank
} else := "alert" if {
	_highest >= data.guardrail.alert_threshold
}

# --- human-in-the-loop --------------------------------------------------------------

# The caller's HILT settings win over the data document's.
_hilt := h if {
	h := input.hilt
} else := h if {
	h := data.guardrail.hilt
} else := {}

_hilt_enabled if _hilt.enabled == true

_hilt_min_rank := r if {
	r := _rank_of(_hilt.min_severity)
} else := r if {
	r := data.guardrail.severity_rank.HIGH
} else := 3

# --- reason and sources ---------------------------------------------------------------

_local_reason := r if {
	r := input.local_result.reason
	is_string(r)
} else := ""

_cisco_reason := r if {
	r := input.cisco_result.reason
	is_string(r)
} else := ""

reason := concat("; ", [_local_reason, _cisco_reason]) if {
	_local_reason != ""
	_cisco_reason != ""
} else := _local_reason if {
	_local_reason != ""
} else := _cisco_reason if {
	_cisco_reason != ""
}

_reports_none(label) if upper(label) == "NONE"

scanner_sources contains "local-pattern" if {
	label := input.local_result.severity
	is_string(label)
	not _reports_none(label)
}

# Listed whatever the trust level: the verdict came from it even when it did not count.
scanner_sources contains "ai-defense" if {
	label := input.cisco_result.severity
	is_string(label)
	not _reports_none(label)
}

scanner_sources contains "opa-policy" if _highest > 0
