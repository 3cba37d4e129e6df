/**
 * Try a decision's domains: the route of each and an example request body to
 * start from (the tests post every example to the real sidecar). No DOM here.
 */
export interface Domain {
  path: string;
  example: unknown;
}

export const DOMAINS: Record<string, Domain> = {
  admission: {
    path: '/policy/evaluate',
    example: { input: { target_type: 'skill', target_name: 'web-search', path: '/skills/web-search', scan_result: { max_severity: 'MEDIUM', total_findings: 2 } } },
  },
  guardrail: {
    path: '/v1/guardrail/evaluate',
    example: {
      evaluation_id: 'console-try-1',
      direction: 'prompt',
      mode: 'action',
      scanner_mode: 'local',
      model: 'gpt-4o',
      local_result: { action: 'block', severity: 'HIGH', findings: ['prompt-injection'], reason: 'asks to ignore previous instructions' },
      content_length: 120,
    },
  },
  firewall: { path: '/policy/evaluate/firewall', example: { target_type: 'skill', destination: 'api.github.com', port: 443, protocol: 'https' } },
  sandbox: { path: '/policy/evaluate/sandbox', example: { skill_name: 'web-search', requested_endpoints: ['api.github.com', 'evil.example'], requested_permissions: ['network', 'filesystem.read'] } },
  audit: { path: '/policy/evaluate/audit', example: { event_type: 'policy-reload', severity: 'HIGH', age_days: 45, export_targets: ['splunk'] } },
  'skill-actions': { path: '/policy/evaluate/skill-actions', example: { severity: 'HIGH', target_type: 'skill' } },
};

