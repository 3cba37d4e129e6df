import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerPolicyLocal } from '../../src/cli/commands/policy-local.js';

const POLICIES = join(import.meta.dirname, '..', '..', 'policies');

async function cli(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  let stdout = '';
  let stderr = '';
  const program = new Command('defenseclaw').exitOverride();
  program.configureOutput({ writeOut: (t) => (stdout += t), writeErr: (t) => (stderr += t) });
  const policy = program.command('policy');
  registerPolicyLocal(policy, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  for (const c of policy.commands) c.exitOverride().configureOutput({ writeOut: (t) => (stdout += t), writeErr: (t) => (stderr += t) });
  const before = process.exitCode;
  process.exitCode = undefined;
  let code = 0;
  try {
    await program.parseAsync(['policy', ...args], { from: 'user' });
    code = Number(process.exitCode ?? 0);
  } catch (e) {
    code = (e as { exitCode?: number }).exitCode ?? 1;
  } finally {
    process.exitCode = before;
  }
  return { stdout, stderr, code };
}

test('evaluate: pre-scan decision with the default path', async () => {
  const r = await cli('evaluate', '--target-name', 'foo', '--rego-dir', POLICIES);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { verdict: 'scan', reason: 'awaiting scan', file_action: 'none', install_action: 'none', runtime_action: 'allow' });
  assert.match(r.stdout, /^\{\n {2}"verdict"/);
});

test('evaluate: with a scan result', async () => {
  const r = await cli('evaluate', '--target-type', 'mcp', '--target-name', 'srv', '--severity', 'MEDIUM', '--findings', '3', '--rego-dir', POLICIES);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).verdict, 'rejected');
  const clean = await cli('evaluate', '--target-name', 'x', '--severity', 'HIGH', '--rego-dir', POLICIES);
  assert.equal(JSON.parse(clean.stdout).verdict, 'clean', 'findings default to 0');
});

test('evaluate: --path feeds provenance', async () => {
  const r = await cli('evaluate', '--target-name', 'codeguard', '--path', '/home/u/.openclaw/skills/codeguard', '--rego-dir', POLICIES);
  assert.equal(JSON.parse(r.stdout).verdict, 'allowed');
});

test('evaluate: bad target type and missing name are usage errors', async () => {
  const bad = await cli('evaluate', '--target-type', 'widget', '--target-name', 'x', '--rego-dir', POLICIES);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /widget/);
  const missing = await cli('evaluate', '--rego-dir', POLICIES);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /--target-name/);
});

test('evaluate-firewall', async () => {
  const allow = await cli('evaluate-firewall', '--destination', 'github.com', '--rego-dir', POLICIES);
  assert.equal(allow.code, 0, allow.stderr);
  assert.deepEqual(JSON.parse(allow.stdout), { action: 'allow', rule_name: 'domain-allowlist' });
  const port = await cli('evaluate-firewall', '--destination', 'github.com', '--port', '80', '--rego-dir', POLICIES);
  assert.deepEqual(JSON.parse(port.stdout), { action: 'deny', rule_name: 'port-restricted' });
  const bad = await cli('evaluate-firewall', '--destination', 'x', '--port', 'eighty', '--rego-dir', POLICIES);
  assert.notEqual(bad.code, 0);
});

test('show prints the merged data with 2-space indentation', async () => {
  const r = await cli('show', '--rego-dir', POLICIES);
  assert.equal(r.code, 0, r.stderr);
  const data = JSON.parse(r.stdout);
  assert.equal(data.config.policy_name, 'default');
  assert.equal(data.firewall.default_action, 'deny');
  assert.match(r.stdout, /^\{\n {2}"/);
});

test('domains prints the firewall lists in the original layout', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dc-cli-'));
  writeFileSync(join(dir, 'a.rego'), 'package a\n');
  writeFileSync(join(dir, 'data.json'), JSON.stringify({ firewall: { default_action: 'deny', allowed_ports: [443, 8443], blocked_destinations: ['10.0.0.1'], allowed_domains: ['a.com', 'b.org'] } }));
  const r = await cli('domains', '--rego-dir', dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Default action: deny\nAllowed ports:  [443 8443]\n\nBlocked destinations:\n  - 10.0.0.1\n\nAllowed domains:\n  + a.com\n  + b.org\n');
});

test('a bad directory is one error line and exit 1', async () => {
  const missing = join(tmpdir(), 'dc-cli-missing-' + process.pid);
  for (const args of [['evaluate', '--target-name', 'x'], ['evaluate-firewall', '--destination', 'x'], ['show'], ['domains']]) {
    const r = await cli(...args, '--rego-dir', missing);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: policy: directory .* does not exist\n$/);
  }
  const broken = mkdtempSync(join(tmpdir(), 'dc-cli-broken-'));
  mkdirSync(join(broken, 'rego'));
  writeFileSync(join(broken, 'rego', 'a.rego'), 'package a\n\nthis is not rego {');
  writeFileSync(join(broken, 'rego', 'data.json'), '{}');
  const r = await cli('evaluate', '--target-name', 'x', '--rego-dir', broken);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.split('\n').filter(Boolean).length, 1);
  assert.match(r.stderr, /^error: policy: compile: .*a\.rego/);
});

test('--rego-dir defaults to $DEFENSECLAW_HOME/policies', async () => {
  const home = mkdtempSync(join(tmpdir(), 'dc-home-'));
  const saved = process.env['DEFENSECLAW_HOME'];
  process.env['DEFENSECLAW_HOME'] = home;
  try {
    const r = await cli('show');
    assert.equal(r.code, 1);
    assert.ok(r.stderr.includes(join(home, 'policies')), r.stderr);
  } finally {
    if (saved === undefined) delete process.env['DEFENSECLAW_HOME'];
    else process.env['DEFENSECLAW_HOME'] = saved;
  }
});

test('every command has --help', async () => {
  for (const name of ['evaluate', 'evaluate-firewall', 'show', 'domains']) {
    const r = await cli(name, '--help');
    assert.match(r.stdout, /--rego-dir/, name);
  }
});
