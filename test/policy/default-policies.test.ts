/**
 * The shipped policies (policies/) through the engine: one check per decision
 * table row of every domain, the documented differences, and the Rego unit
 * tests themselves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { compile } from '../../src/rego/index.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import { runTestCommand } from '../../src/rego/tester/command.js';

const POLICIES = join(import.meta.dirname, '..', '..', 'policies');
const engine = PolicyEngine.open(POLICIES, { compile });

const BLOCK = { file_action: 'quarantine', install_action: 'block', runtime_action: 'block' };
const NONE = { file_action: 'none', install_action: 'none', runtime_action: 'allow' };

test('the shipped policies load', () => {
  assert.equal(engine.lastLoadError(), null);
  const info = engine.current()!;
  assert.equal(info.regoDir, join(POLICIES, 'rego'));
  assert.equal(info.moduleCount, 12);
});

test('the shipped Rego tests pass', async () => {
  let out = '';
  const code = await runTestCommand(compile, { paths: [], regoDir: POLICIES, format: 'json' }, { stdout: (t) => (out += t), stderr: (t) => (out += t) });
  const results = JSON.parse(out) as { name: string; fail?: boolean; error?: unknown }[];
  const failed = results.filter((r) => r.fail || r.error).map((r) => r.name);
  assert.deepEqual(failed, []);
  assert.equal(code, 0);
  assert.ok(results.length >= 120, `expected 120+ tests, got ${results.length}`);
});

function admit(input: Record<string, unknown>) {
  return engine.admission({ target_type: 'skill', target_name: 's', path: '/tmp/s', ...input }).output;
}

test('admission decision table', () => {
  const entry = (t: string, n: string) => ({ target_type: t, target_name: n, reason: 'r' });
  assert.deepEqual(admit({ block_list: [entry('skill', 's')] }), { verdict: 'blocked', reason: "skill 's' is on the block list", ...NONE });
  assert.deepEqual(admit({ scan_result: { max_severity: 'LOW', total_findings: 0, exit_code: 2, scan_error: ' died ' } }), {
    verdict: 'rejected',
    reason: 'scanner failed: died (exit_code=2)',
    ...BLOCK,
  });
  assert.deepEqual(admit({ allow_list: [entry('skill', 's')] }), { verdict: 'allowed', reason: "skill 's' is on the allow list — scan skipped", ...NONE });
  assert.equal(admit({ target_name: 'codeguard', path: '/home/u/.openclaw/skills/codeguard' }).verdict, 'allowed');
  assert.equal(admit({ target_name: 'codeguard', path: '/home/u/.openclaw/skills/codeguard-evil' }).verdict, 'scan');
  assert.deepEqual(admit({}), { verdict: 'scan', reason: 'awaiting scan', ...NONE });
  assert.deepEqual(admit({ scan_result: { max_severity: 'LOW', total_findings: 0 } }), { verdict: 'clean', reason: 'scan clean', ...NONE });
  assert.deepEqual(admit({ scan_result: { max_severity: 'critical', total_findings: 2 } }), {
    verdict: 'rejected',
    reason: 'max severity critical triggers block per policy',
    ...BLOCK,
  });
  assert.deepEqual(admit({ scan_result: { max_severity: 'MEDIUM', total_findings: 2 } }), {
    verdict: 'warning',
    reason: 'findings present (max MEDIUM) — allowed with warning',
    ...NONE,
  });
  assert.equal(admit({ target_type: 'mcp', scan_result: { max_severity: 'MEDIUM', total_findings: 1 } }).verdict, 'rejected');
  assert.equal(admit({ target_type: 'plugin', scan_result: { max_severity: 'MEDIUM', total_findings: 1 } }).verdict, 'warning');
  // Unknown severity: no action, so the action fields are "" (the original's coercion).
  assert.deepEqual(admit({ scan_result: { max_severity: 'BOGUS', total_findings: 1 } }), {
    verdict: 'warning',
    reason: 'findings present (max BOGUS) — allowed with warning',
    file_action: '',
    install_action: '',
    runtime_action: '',
  });
  assert.match(engine.admission({ target_type: 'skill', target_name: 's' }).revision, /^[0-9a-f]{12}$/);
});

function guard(mode: string, local: string | null, cisco: string | null, extra: Record<string, unknown> = {}) {
  const result = (sev: string | null) => (sev === null ? null : { action: '', severity: sev, findings: [], reason: `${sev} found` });
  return engine.guardrail({ direction: 'prompt', mode, local_result: result(local), cisco_result: result(cisco), ...extra }).output;
}

test('guardrail decision table', () => {
  assert.deepEqual(guard('action', null, null), { action: 'allow', severity: 'NONE', reason: '', scanner_sources: [] });
  assert.deepEqual(guard('action', 'CRITICAL', null), {
    action: 'block',
    severity: 'CRITICAL',
    reason: 'CRITICAL found',
    scanner_sources: ['local-pattern', 'opa-policy'],
  });
  assert.equal(guard('observe', 'CRITICAL', null).action, 'alert');
  assert.equal(guard('observe', 'LOW', null).action, 'allow');
  assert.equal(guard('action', 'HIGH', null).action, 'alert');
  assert.equal(guard('action', 'HIGH', null, { hilt: { enabled: true, min_severity: 'high' } }).action, 'confirm');
  assert.deepEqual(guard('action', 'LOW', 'MEDIUM'), {
    action: 'alert',
    severity: 'MEDIUM',
    reason: 'LOW found; MEDIUM found',
    scanner_sources: ['ai-defense', 'local-pattern', 'opa-policy'],
  });
  assert.deepEqual(guard('action', 'info', null), { action: 'allow', severity: 'NONE', reason: 'info found', scanner_sources: ['local-pattern'] });
  assert.equal(guard('action', 'critical', null).action, 'block');
});

test('firewall decision table', () => {
  const fw = (destination: string, port = 443) => engine.firewall({ destination, port, protocol: 'tcp', target_type: 'skill' }).output;
  assert.deepEqual(fw('169.254.169.254'), { action: 'deny', rule_name: 'block-explicit' });
  assert.deepEqual(fw('github.com'), { action: 'allow', rule_name: 'domain-allowlist' });
  assert.deepEqual(fw('github.com', 22), { action: 'deny', rule_name: 'port-restricted' });
  assert.deepEqual(fw('example.com'), { action: 'deny', rule_name: 'default-policy' });
});

test('sandbox, audit and skill_actions', () => {
  assert.deepEqual(engine.sandbox({ skill_name: 'k', requested_endpoints: ['pypi.org', '169.254.169.254'], requested_permissions: ['net'] }).output, {
    allowed_endpoints: ['pypi.org'],
    denied_endpoints: ['169.254.169.254', 'fd00:ec2::254'],
    denied_from_request: ['169.254.169.254'],
    permissions: ['net'],
    allowed_skills: ['k'],
  });
  assert.deepEqual(engine.audit({ event_type: 'block', severity: 'HIGH', age_days: 400, export_targets: ['s'] }).output, {
    retain: true,
    retain_reason: 'high severity events are retained indefinitely',
    export_to: ['s'],
  });
  assert.deepEqual(engine.audit({ event_type: 'block', severity: 'LOW', age_days: 400 }).output, {
    retain: false,
    retain_reason: 'exceeded retention period',
    export_to: [],
  });
  assert.deepEqual(engine.skillActions({ severity: 'critical' }).output, {
    runtime_action: 'block',
    file_action: 'quarantine',
    install_action: 'block',
    should_block: true,
  });
  assert.deepEqual(engine.skillActions({ severity: 'LOW', target_type: 'mcp' }).output, {
    runtime_action: 'block',
    file_action: 'none',
    install_action: 'none',
    should_block: true,
  });
});

test('query reads any data path, rules and base data alike', () => {
  assert.equal(engine.query(['config', 'policy_name'], {}).output, 'default');
  assert.equal(engine.query(['defenseclaw', 'firewall', 'action'], { destination: 'github.com', port: 443 }).output, 'allow');
  assert.equal(engine.query(['nothing', 'here'], {}).output, undefined);
});

test('a policy calling a refused built-in does not compile', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'dc-refused-'));
  writeFileSync(join(dir, 'data.json'), '{}');
  writeFileSync(join(dir, 'x.rego'), 'package x\n\nimport rego.v1\n\nr := http.send({"method": "GET", "url": "http://x"})\n');
  const e = PolicyEngine.open(dir, { compile });
  assert.equal(e.current(), null);
  assert.match(e.lastLoadError()!, /http\.send/);
});
