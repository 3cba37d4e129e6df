package defenseclaw.firewall_test

import data.defenseclaw.firewall
import rego.v1

_req(dest, port) := {"target_type": "skill", "destination": dest, "port": port, "protocol": "tcp"}

_decision(d) := [d.action, d.rule_name]

test_metadata_endpoint_blocked if {
	d := firewall with input as _req("169.254.169.254", 80)
	_decision(d) == ["deny", "block-explicit"]
}

test_ipv6_metadata_endpoint_blocked if {
	d := firewall with input as _req("fd00:ec2::254", 443)
	_decision(d) == ["deny", "block-explicit"]
}

test_allowed_domain_on_allowed_port if {
	d := firewall with input as _req("github.com", 443)
	_decision(d) == ["allow", "domain-allowlist"]
}

test_every_shipped_domain_allowed_on_443 if {
	every dest in data.firewall.allowed_domains {
		firewall.action == "allow" with input as _req(dest, 443)
	}
}

test_allowed_domain_on_other_port if {
	d := firewall with input as _req("pypi.org", 80)
	_decision(d) == ["deny", "port-restricted"]
}

test_unknown_domain_gets_default if {
	d := firewall with input as _req("example.com", 443)
	_decision(d) == ["deny", "default-policy"]
}

test_default_action_from_data if {
	d := firewall with input as _req("example.com", 443)
		with data.firewall.default_action as "allow"
	_decision(d) == ["allow", "default-policy"]
}

test_no_default_action_denies if {
	d := firewall with input as _req("example.com", 443)
		with data.firewall as {"blocked_destinations": [], "allowed_domains": []}
	_decision(d) == ["deny", "default-deny"]
}

test_empty_port_list_allows_every_port if {
	d := firewall with input as _req("github.com", 8080)
		with data.firewall.allowed_ports as []
	_decision(d) == ["allow", "domain-allowlist"]
}

test_missing_port_list_allows_every_port if {
	d := firewall with input as _req("github.com", 22)
		with data.firewall as {"default_action": "deny", "allowed_domains": ["github.com"]}
	_decision(d) == ["allow", "domain-allowlist"]
}

test_matching_is_case_sensitive if {
	d := firewall with input as _req("GitHub.com", 443)
	_decision(d) == ["deny", "default-policy"]
}

test_no_suffix_matching if {
	d := firewall with input as _req("evil.github.com", 443)
	_decision(d) == ["deny", "default-policy"]
}

test_block_wins_over_allow if {
	d := firewall with input as _req("github.com", 443)
		with data.firewall.blocked_destinations as ["github.com"]
	_decision(d) == ["deny", "block-explicit"]
}

test_production_firewall_data if {
	data.firewall.default_action == "deny"
	data.firewall.allowed_ports == [443]
	count(data.firewall.allowed_domains) == 7
	data.firewall.blocked_destinations == ["169.254.169.254", "fd00:ec2::254"]
}
