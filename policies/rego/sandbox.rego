# Sandbox: which endpoints and permissions a skill's sandbox gets.
#
# Input: {skill_name, requested_endpoints, requested_permissions}
# Output: allowed_endpoints, denied_endpoints, denied_from_request, permissions, allowed_skills.
package defenseclaw.sandbox

import rego.v1

default version := "1"

denied_skills := set()

# Globally denied endpoints plus the firewall's blocked destinations.
denied_endpoints contains endpoint if some endpoint in data.sandbox.denied_endpoints_global

denied_endpoints contains endpoint if some endpoint in data.firewall.blocked_destinations

allowed_endpoints contains endpoint if {
	some endpoint in input.requested_endpoints
	not endpoint in denied_endpoints
}

denied_from_request contains endpoint if {
	some endpoint in input.requested_endpoints
	endpoint in denied_endpoints
}

permissions contains permission if some permission in data.sandbox.default_permissions

permissions contains permission if some permission in input.requested_permissions

allowed_skills contains input.skill_name
