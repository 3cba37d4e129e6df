# Skill actions: what to do with a skill (or MCP server, plugin) whose scan
# reached a given severity.
#
# Input: {severity, target_type?}
# Output: runtime_action, file_action, install_action, should_block.
#
# Severity labels are case-insensitive (the original looked `critical` up as is
# and silently fell to the defaults).
package defenseclaw.skill_actions

import rego.v1

default runtime_action := "allow"

default file_action := "none"

default install_action := "none"

default should_block := false

default should_quarantine := false

default should_block_install := false

_severity := upper(input.severity) if is_string(input.severity)

# Per-target-type override first, then the global action for the severity.
_effective := a if {
	a := data.scanner_overrides[input.target_type][_severity]
} else := a if {
	a := data.actions[_severity]
}

runtime_action := _effective.runtime

file_action := _effective.file

install_action := _effective.install

should_block if runtime_action == "block"

should_quarantine if file_action == "quarantine"

should_block_install if install_action == "block"
