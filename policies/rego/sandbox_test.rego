package defenseclaw.sandbox_test

import data.defenseclaw.sandbox
import rego.v1

_req(skill, endpoints, permissions) := {"skill_name": skill, "requested_endpoints": endpoints, "requested_permissions": permissions}

test_requested_endpoints_split_into_allowed_and_denied if {
	d := sandbox with input as _req("s", ["api.github.com", "169.254.169.254"], [])
	d.allowed_endpoints == {"api.github.com"}
	d.denied_from_request == {"169.254.169.254"}
}

test_denied_endpoints_are_global_and_firewall_blocks if {
	d := sandbox with input as _req("s", [], [])
		with data.sandbox.denied_endpoints_global as ["evil.example"]
	d.denied_endpoints == {"evil.example", "169.254.169.254", "fd00:ec2::254"}
}

test_global_denial_applies_to_requests if {
	d := sandbox with input as _req("s", ["evil.example", "ok.example"], [])
		with data.sandbox.denied_endpoints_global as ["evil.example"]
	d.allowed_endpoints == {"ok.example"}
	d.denied_from_request == {"evil.example"}
}

test_permissions_are_defaults_plus_requested if {
	d := sandbox with input as _req("s", [], ["net", "fs.read"])
		with data.sandbox.default_permissions as ["fs.read", "env"]
	d.permissions == {"net", "fs.read", "env"}
}

test_allowed_skills_is_the_skill if {
	d := sandbox with input as _req("codeguard", [], [])
	d.allowed_skills == {"codeguard"}
}

test_version_and_denied_skills if {
	d := sandbox with input as _req("s", [], [])
	d.version == "1"
	d.denied_skills == set()
}

test_empty_request if {
	d := sandbox with input as _req("s", [], [])
	d.allowed_endpoints == set()
	d.denied_from_request == set()
	d.permissions == set()
}

test_production_sandbox_data if {
	data.sandbox.default_permissions == []
	data.sandbox.denied_endpoints_global == []
	not data.sandbox.update_policy
}
