# Audit: how long an audit event is kept and where it is exported.
#
# Input: {event_type, severity, age_days, export_targets}
# Output: retain, retain_reason, export_to.
#
# Severity labels are case-insensitive (`high` ranks as HIGH).
package defenseclaw.audit

import rego.v1

default retain := true

default retain_reason := "within retention period"

_severity_rank := r if {
	label := input.severity
	is_string(label)
	r := data.severity_ranking[upper(label)]
}

_high_severity if _severity_rank >= data.severity_ranking.HIGH

_expired if input.age_days > data.audit.retention_days

# High severity is kept forever; otherwise an event older than the retention period goes.
retain := true if {
	_high_severity
} else := false if {
	_expired
}

retain_reason := "high severity events are retained indefinitely" if {
	_high_severity
	_expired
}

retain_reason := "exceeded retention period" if {
	_expired
	_severity_rank < data.severity_ranking.HIGH
}

export_to contains target if {
	_high_severity
	some target in input.export_targets
}

export_to contains target if {
	input.event_type == "scan"
	data.audit.log_scan_results == true
	some target in input.export_targets
}
