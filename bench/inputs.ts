/** Realistic inputs for each decision domain of the default policies (shared by the benchmarks). */
export const DOMAIN_INPUTS = {
  admission: {
    target_type: 'skill',
    target_name: 'web-search',
    path: '/home/dev/.claude/skills/web-search',
    block_list: [
      { target_type: 'skill', target_name: 'evil-skill', reason: 'known malicious' },
      { target_type: 'mcp', target_name: 'shady-mcp', reason: 'exfiltration' },
    ],
    allow_list: [{ target_type: 'plugin', target_name: 'trusted-plugin', reason: 'vetted' }],
    scan_result: { max_severity: 'HIGH', total_findings: 3, scanner_name: 'skill-scanner', exit_code: 0, scan_error: '' },
  },
  guardrail: {
    direction: 'prompt',
    model: 'gpt-4o',
    mode: 'action',
    scanner_mode: 'both',
    local_result: { action: 'alert', severity: 'MEDIUM', findings: ['possible secret'], reason: 'pattern: api key' },
    cisco_result: { action: 'block', severity: 'HIGH', findings: ['prompt injection'], reason: 'ai defense: injection', is_safe: false },
    content_length: 2048,
  },
  firewall: { target_type: 'skill', destination: 'api.github.com', port: 443, protocol: 'tcp' },
  sandbox: {
    skill_name: 'web-search',
    requested_endpoints: ['api.github.com', '169.254.169.254', 'pypi.org'],
    requested_permissions: ['net', 'fs.read'],
  },
  audit: { event_type: 'scan', severity: 'MEDIUM', age_days: 120, export_targets: ['splunk', 'otel'] },
  skill_actions: { severity: 'HIGH', target_type: 'mcp' },
} as const;

export type BenchDomain = keyof typeof DOMAIN_INPUTS;
