package defenseclaw.audit_test

import data.defenseclaw.audit
import rego.v1

_event(kind, sev, age) := {"event_type": kind, "severity": sev, "age_days": age, "export_targets": ["splunk", "otlp"]}

test_high_and_old_retained if {
	d := audit with input as _event("block", "HIGH", 400)
	d.retain == true
	d.retain_reason == "high severity events are retained indefinitely"
	d.export_to == {"splunk", "otlp"}
}

test_critical_recent_retained if {
	d := audit with input as _event("block", "CRITICAL", 1)
	d.retain == true
	d.retain_reason == "within retention period"
	d.export_to == {"splunk", "otlp"}
}

test_medium_old_expires if {
	d := audit with input as _event("block", "MEDIUM", 91)
	d.retain == false
	d.retain_reason == "exceeded retention period"
	d.export_to == set()
}

test_medium_recent_retained if {
	d := audit with input as _event("block", "MEDIUM", 30)
	d.retain == true
	d.retain_reason == "within retention period"
}

test_retention_boundary_is_inclusive if {
	d := audit with input as _event("block", "LOW", 90)
	d.retain == true
}

test_info_old_expires if {
	d := audit with input as _event("block", "INFO", 100)
	d.retain == false
}

test_unknown_severity_old_expires_with_default_reason if {
	d := audit with input as _event("block", "BOGUS", 100)
	d.retain == false
	d.retain_reason == "within retention period"
}

test_severity_case_insensitive if {
	d := audit with input as _event("block", "high", 400)
	d.retain == true
	d.export_to == {"splunk", "otlp"}
}

test_scan_events_exported if {
	d := audit with input as _event("scan", "LOW", 1)
	d.export_to == {"splunk", "otlp"}
}

test_scan_events_not_exported_when_disabled if {
	d := audit with input as _event("scan", "LOW", 1)
		with data.audit.log_scan_results as false
	d.export_to == set()
}

test_low_non_scan_not_exported if {
	d := audit with input as _event("install", "LOW", 1)
	d.export_to == set()
}

test_retention_days_from_data if {
	d := audit with input as _event("block", "LOW", 10)
		with data.audit.retention_days as 7
	d.retain == false
}

test_production_audit_data if {
	data.audit.retention_days == 90
	data.audit.log_scan_results == true
	data.severity_ranking == {"CRITICAL": 5, "HIGH": 4, "MEDIUM": 3, "LOW": 2, "INFO": 1}
}
