package defenseclaw.skill_actions_test

import data.defenseclaw.skill_actions
import rego.v1

_actions(d) := [d.runtime_action, d.file_action, d.install_action, d.should_block]

test_critical_blocks if {
	d := skill_actions with input as {"severity": "CRITICAL"}
	_actions(d) == ["block", "quarantine", "block", true]
	d.should_quarantine == true
	d.should_block_install == true
}

test_high_blocks if {
	d := skill_actions with input as {"severity": "HIGH"}
	_actions(d) == ["block", "quarantine", "block", true]
}

test_medium_allows if {
	d := skill_actions with input as {"severity": "MEDIUM"}
	_actions(d) == ["allow", "none", "none", false]
	d.should_quarantine == false
	d.should_block_install == false
}

test_low_allows if {
	d := skill_actions with input as {"severity": "LOW"}
	_actions(d) == ["allow", "none", "none", false]
}

test_info_allows if {
	d := skill_actions with input as {"severity": "INFO"}
	_actions(d) == ["allow", "none", "none", false]
}

test_severity_case_insensitive if {
	d := skill_actions with input as {"severity": "critical"}
	_actions(d) == ["block", "quarantine", "block", true]
}

test_unknown_severity_defaults if {
	d := skill_actions with input as {"severity": "SEVERE"}
	_actions(d) == ["allow", "none", "none", false]
}

test_mcp_medium_override if {
	d := skill_actions with input as {"severity": "MEDIUM", "target_type": "mcp"}
	_actions(d) == ["block", "quarantine", "block", true]
}

test_mcp_low_override if {
	d := skill_actions with input as {"severity": "low", "target_type": "mcp"}
	_actions(d) == ["block", "none", "none", true]
	d.should_quarantine == false
}

test_mcp_high_uses_global if {
	d := skill_actions with input as {"severity": "HIGH", "target_type": "mcp"}
	_actions(d) == ["block", "quarantine", "block", true]
}

test_plugin_medium_override if {
	d := skill_actions with input as {"severity": "MEDIUM", "target_type": "plugin"}
	_actions(d) == ["allow", "none", "none", false]
}

test_unknown_target_type_uses_global if {
	d := skill_actions with input as {"severity": "MEDIUM", "target_type": "widget"}
	_actions(d) == ["allow", "none", "none", false]
}

test_partial_action_keeps_defaults if {
	d := skill_actions with input as {"severity": "HIGH"}
		with data.actions.HIGH as {"runtime": "block"}
	_actions(d) == ["block", "none", "none", true]
}
