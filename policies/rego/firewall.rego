# Firewall: may an agent open a connection to this destination and port?
#
# Input: {target_type, destination, port, protocol} (only destination and port are used).
# Output: action (allow|deny|data.firewall.default_action), rule_name.
#
# Matching is exact string equality (no wildcards, suffixes or CIDR), as the original.
package defenseclaw.firewall

import rego.v1

default action := "deny"

default rule_name := "default-deny"

action := _decision.action

rule_name := _decision.rule_name

_decision := {"action": "deny", "rule_name": "block-explicit"} if {
	_blocked
} else := {"action": "allow", "rule_name": "domain-allowlist"} if {
	_domain_allowed
	_port_allowed
} else := {"action": "deny", "rule_name": "port-restricted"} if {
	_domain_allowed
} else := {"action": fallback, "rule_name": "default-policy"} if {
	fallback := data.firewall.default_action
}

_blocked if input.destination in data.firewall.blocked_destinations

_domain_allowed if input.destination in data.firewall.allowed_domains

_allowed_ports := p if {
	p := data.firewall.allowed_ports
} else := []

# An empty port list allows every port.
_port_allowed if count(_allowed_ports) == 0

_port_allowed if input.port in _allowed_ports
