/**
 * Snapshot, reload and fail-closed behaviour of the engine, independent of Rego
 * (a fake compiler stands in; the default policies are tested in
 * default-policies.test.ts with the real one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicyEngine } from '../../src/policy/engine.js';
import { loadPolicyDirectory, type PolicyDirectory } from '../../src/policy/directory.js';
import { PolicyEvaluationError, PolicyInputError, PolicyUnavailableError } from '../../src/policy/types.js';
import { fakeCompiler, type FakeCompilerStats } from './fake-compiler.js';

function module(domain: string, doc: unknown): string {
  return `package defenseclaw.${domain}\n${JSON.stringify(doc)}\n`;
}

function policyDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'dc-engine-'));
  mkdirSync(join(dir, 'rego'));
  writeFiles(dir, {
    'data.json': '{}',
    'admission.rego': module('admission', { verdict: 'clean', reason: 'scan clean', file_action: 'none', install_action: 'none', runtime_action: 'allow' }),
    'guardrail.rego': module('guardrail', { action: 'allow', severity: 'NONE', reason: '', scanner_sources: { $set: [] } }),
    'firewall.rego': module('firewall', { action: 'allow', rule_name: 'v1' }),
    ...files,
  });
  return dir;
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, 'rego', name), content);
}

function open(dir: string, stats?: FakeCompilerStats, extra: Partial<Parameters<typeof PolicyEngine.open>[1]> = {}): PolicyEngine<false> {
  return PolicyEngine.open(dir, { compile: fakeCompiler(stats), ...extra });
}

const admissionInput = { target_type: 'skill', target_name: 'x' };
const guardrailInput = (mode: string) => ({ direction: 'prompt', mode, local_result: null, cisco_result: null });

test('open loads a snapshot with a 12-digit revision of the full SHA-256', () => {
  const stats: FakeCompilerStats = { compiles: 0 };
  const engine = open(policyDir(), stats);
  const info = engine.current();
  assert.ok(info);
  assert.match(info.fullRevision, /^[0-9a-f]{64}$/);
  assert.equal(info.revision, info.fullRevision.slice(0, 12));
  assert.equal(info.moduleCount, 3);
  assert.deepEqual(info.files.map((f) => f.name), ['admission.rego', 'data.json', 'firewall.rego', 'guardrail.rego']);
  assert.equal(engine.lastLoadError(), null);
  assert.deepEqual(stats.lastOptions?.refusedBuiltins, ['http.send', 'net.lookup_ip_addr', 'opa.runtime']);
  assert.deepEqual(engine.firewall({ destination: 'a' }), { revision: info.revision, output: { action: 'allow', rule_name: 'v1' } });
});

test('the revision depends on file names and contents only', () => {
  const a = open(policyDir()).current()!;
  const b = open(policyDir()).current()!;
  assert.equal(a.fullRevision, b.fullRevision);
  const c = open(policyDir({ 'data.json': '{"x":1}' })).current()!;
  assert.notEqual(a.fullRevision, c.fullRevision);
  const d = open(policyDir({ 'extra.rego': module('extra', {}) })).current()!;
  assert.notEqual(a.fullRevision, d.fullRevision);
});

test('start-up with a bad directory: no snapshot, every domain fails closed', () => {
  const engine = open(join(tmpdir(), 'dc-does-not-exist-' + process.pid));
  assert.equal(engine.current(), null);
  assert.match(engine.lastLoadError()!, /does not exist/);
  const adm = engine.admission(admissionInput);
  assert.deepEqual(adm.output, {
    verdict: 'rejected',
    reason: 'policy evaluation failed — denied by default',
    file_action: 'quarantine',
    install_action: 'block',
    runtime_action: 'block',
  });
  assert.equal(adm.revision, '');
  const observe = engine.guardrail(guardrailInput('observe'));
  assert.equal(observe.output.action, 'alert');
  assert.equal(observe.output.severity, 'HIGH');
  assert.deepEqual(observe.output.scanner_sources, ['policy-outage']);
  assert.match(observe.output.reason, /^guardrail failing closed: policy engine load failed: .*does not exist/);
  assert.equal(engine.guardrail(guardrailInput('action')).output.action, 'block');
  assert.throws(() => engine.firewall({ destination: 'x' }), PolicyUnavailableError);
  assert.throws(() => engine.sandbox({}), PolicyUnavailableError);
  assert.throws(() => engine.audit({}), PolicyUnavailableError);
  assert.throws(() => engine.skillActions({ severity: 'HIGH' }), PolicyUnavailableError);
  assert.throws(() => engine.query(['defenseclaw'], {}), PolicyUnavailableError);
});

test('start-up with a compile error, then a reload that fixes it', async () => {
  const dir = policyDir({ 'bad.rego': 'package bad\nSYNTAX ERROR' });
  const engine = open(dir);
  assert.equal(engine.current(), null);
  assert.match(engine.lastLoadError()!, /rego_parse_error/);
  writeFiles(dir, { 'bad.rego': module('bad', {}) });
  const outcome = await engine.reload();
  assert.ok(outcome.ok);
  assert.equal(outcome.changed, true);
  assert.equal(outcome.previousRevision, null);
  assert.equal(engine.lastLoadError(), null);
  assert.equal(engine.current()?.revision, outcome.revision);
  assert.equal(engine.admission(admissionInput).output.verdict, 'clean');
});

test('a failed reload changes nothing and reports the Rego errors', async () => {
  const dir = policyDir();
  const engine = open(dir);
  const before = engine.current()!;
  writeFiles(dir, { 'firewall.rego': module('firewall', { action: 'deny', rule_name: 'v2' }), 'bad.rego': 'package bad\nSYNTAX ERROR' });
  const outcome = await engine.reload();
  assert.equal(outcome.ok, false);
  assert.ok(!outcome.ok);
  assert.equal(outcome.kind, 'compile');
  assert.equal(outcome.errors.length, 1);
  assert.deepEqual(outcome.errors[0]!.location, { file: join(dir, 'rego', 'bad.rego'), row: 2, col: 1 });
  assert.match(outcome.message, /^policy: compile: /);
  assert.equal(engine.current(), before);
  assert.equal(engine.firewall({ destination: 'a' }).output.rule_name, 'v1');
  assert.match(engine.lastLoadError()!, /rego_parse_error/);

  writeFiles(dir, { 'data.json': '{"a": }' });
  const load = await engine.reload();
  assert.ok(!load.ok);
  assert.equal(load.kind, 'load');
  assert.deepEqual(load.errors, []);
  assert.match(load.message, /data\.json:1:7: invalid JSON/);
  assert.equal(engine.current(), before);
});

test('loading never writes to the policy directory, even when a module is broken', async () => {
  const dir = policyDir({ 'bad.rego': 'package bad\nSYNTAX ERROR' });
  const before = readdirSync(join(dir, 'rego')).sort();
  const engine = open(dir);
  await engine.reload();
  engine.admission(admissionInput);
  assert.deepEqual(readdirSync(join(dir, 'rego')).sort(), before);
  assert.deepEqual(readdirSync(dir), ['rego']);
});

test('an unchanged directory reloads as the same revision without compiling', async () => {
  const stats: FakeCompilerStats = { compiles: 0 };
  const dir = policyDir();
  const engine = open(dir, stats);
  const before = engine.current();
  const outcome = await engine.reload();
  assert.ok(outcome.ok);
  assert.equal(outcome.changed, false);
  assert.equal(outcome.revision, before!.revision);
  assert.equal(outcome.previousRevision, before!.revision);
  assert.deepEqual(outcome.diff, { added: [], removed: [], changed: [] });
  assert.equal(stats.compiles, 1);
  assert.equal(engine.current(), before);
});

test('a dry run compiles and reports the diff without swapping', async () => {
  const dir = policyDir();
  const engine = open(dir);
  const before = engine.current()!;
  writeFiles(dir, { 'firewall.rego': module('firewall', { action: 'deny', rule_name: 'v2' }), 'new.rego': module('new', {}) });
  const outcome = await engine.reload({ dryRun: true });
  assert.ok(outcome.ok);
  assert.equal(outcome.dryRun, true);
  assert.equal(outcome.changed, true);
  assert.notEqual(outcome.revision, before.revision);
  assert.deepEqual(outcome.diff, { added: ['new.rego'], removed: [], changed: ['firewall.rego'] });
  assert.equal(engine.current(), before);
  assert.equal(engine.firewall({ destination: 'a' }).output.rule_name, 'v1');

  writeFiles(dir, { 'bad.rego': 'package bad\nSYNTAX ERROR' });
  const failed = await engine.reload({ dryRun: true });
  assert.equal(failed.ok, false);
  assert.equal(engine.lastLoadError(), null, 'a failed dry run does not mark the engine as failing');
});

test('a reload reports removed and changed files', async () => {
  const dir = policyDir({ 'old.rego': module('old', {}) });
  const engine = open(dir);
  const { rmSync } = await import('node:fs');
  rmSync(join(dir, 'rego', 'old.rego'));
  writeFiles(dir, { 'data.json': '{"k":1}' });
  const outcome = await engine.reload();
  assert.ok(outcome.ok);
  assert.deepEqual(outcome.diff, { added: [], removed: ['old.rego'], changed: ['data.json'] });
  assert.equal(outcome.modules, 3);
});

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

test('concurrent reloads are coalesced: one in flight, later callers share the next load', async () => {
  const dir = policyDir();
  const gates: { resolve: () => void }[] = [];
  let loads = 0;
  const engine = open(dir, undefined, {
    loadDirectory: (d: string) => {
      loads++;
      const loaded = loadPolicyDirectory(d); // reads when the load starts
      const gate = deferred<PolicyDirectory>();
      gates.push({ resolve: () => gate.resolve(loaded) });
      return gate.promise;
    },
  });
  const a = engine.reload();
  const a2 = engine.reload(); // before the first load started: joins it
  assert.equal(a, a2);
  await new Promise((r) => setImmediate(r));
  assert.equal(loads, 1);
  // While load 1 runs, these arrive: they share load 2.
  writeFiles(dir, { 'firewall.rego': module('firewall', { action: 'deny', rule_name: 'v2' }) });
  const b = engine.reload();
  const c = engine.reload();
  assert.equal(b, c);
  assert.notEqual(a, b);
  gates[0]!.resolve();
  const first = await a;
  await new Promise((r) => setImmediate(r));
  assert.equal(loads, 2, 'the next load starts once the first finished');
  gates[1]!.resolve();
  const second = await b;
  assert.ok(first.ok && second.ok);
  assert.equal(first.changed, false, 'load 1 read the directory before the edit');
  assert.equal(second.changed, true, 'callers that arrived during load 1 see the edit');
  assert.equal(engine.current()?.revision, second.revision);
  assert.equal(engine.firewall({ destination: 'a' }).output.rule_name, 'v2');
  assert.equal(loads, 2);
});

test('evaluations during a reload each see one whole revision', async () => {
  const dir = policyDir({
    'firewall.rego': module('firewall', { action: 'allow', rule_name: 'gen-1' }),
    'guardrail.rego': module('guardrail', { action: 'allow', severity: 'NONE', reason: 'gen-1', scanner_sources: [] }),
  });
  const gate = deferred<void>();
  const engine = open(dir, undefined, {
    loadDirectory: async (d: string) => {
      const loaded = loadPolicyDirectory(d);
      await gate.promise;
      return loaded;
    },
  });
  const gen1 = engine.current()!.revision;
  writeFiles(dir, {
    'firewall.rego': module('firewall', { action: 'deny', rule_name: 'gen-2' }),
    'guardrail.rego': module('guardrail', { action: 'block', severity: 'HIGH', reason: 'gen-2', scanner_sources: [] }),
  });
  const pending = engine.reload();
  await new Promise((r) => setImmediate(r));
  // Files on disk are already gen-2, but nothing changes until the swap.
  const during = engine.firewall({ destination: 'a' });
  assert.deepEqual(during, { revision: gen1, output: { action: 'allow', rule_name: 'gen-1' } });
  assert.equal(engine.guardrail(guardrailInput('action')).output.reason, 'gen-1');
  gate.resolve();
  const outcome = await pending;
  assert.ok(outcome.ok);
  const after = engine.firewall({ destination: 'a' });
  assert.deepEqual(after, { revision: outcome.revision, output: { action: 'deny', rule_name: 'gen-2' } });
  const g = engine.guardrail(guardrailInput('action'));
  assert.equal(g.revision, outcome.revision);
  assert.equal(g.output.reason, 'gen-2');
});

test('an evaluation error fails closed per domain', () => {
  const dir = policyDir({
    'admission.rego': module('admission', 'EVAL ERROR'),
    'guardrail.rego': module('guardrail', 'EVAL ERROR'),
    'firewall.rego': module('firewall', 'EVAL ERROR'),
  });
  const engine = open(dir);
  const revision = engine.current()!.revision;
  const adm = engine.admission(admissionInput);
  assert.equal(adm.revision, revision);
  assert.equal(adm.output.verdict, 'rejected');
  assert.equal(adm.output.reason, 'policy evaluation failed — denied by default');
  assert.match(adm.failure!, /eval_conflict_error/);
  const g = engine.guardrail(guardrailInput('observe'));
  assert.equal(g.output.action, 'alert');
  assert.match(g.output.reason, /^guardrail failing closed: policy evaluation failed: .*eval_conflict_error/);
  assert.throws(() => engine.firewall({ destination: 'a' }), (e: unknown) => e instanceof PolicyEvaluationError && /eval_conflict_error/.test(e.message));
});

test('a domain the policy does not define answers its fail-closed default, and the snapshot names it', () => {
  const engine = open(policyDir({ 'data.json': '{"defenseclaw": {"audit": {"retain": false}}}' }));
  assert.deepEqual(engine.current()!.missingDomains, ['sandbox', 'skill_actions']);
  assert.equal(engine.admission(admissionInput).output.verdict, 'clean');
  assert.deepEqual(engine.sandbox({ skill_name: 's', requested_endpoints: ['a.example', 'b.example'] }).output, {
    allowed_endpoints: [],
    denied_endpoints: ['a.example', 'b.example'],
    denied_from_request: ['a.example', 'b.example'],
    permissions: [],
    allowed_skills: [],
  });
  assert.deepEqual(engine.skillActions({ severity: 'LOW' }).output, { runtime_action: 'block', file_action: 'quarantine', install_action: 'block', should_block: true });
  // Data under the domain's path defines it (evaluated, not defaulted): audit is not listed.

  const bare = open(policyDir({ 'admission.rego': 'package defenseclaw.admission_test\n{}', 'firewall.rego': 'package other\n{}', 'guardrail.rego': 'package x\n{}' }));
  assert.deepEqual(bare.current()!.missingDomains, ['admission', 'guardrail', 'firewall', 'sandbox', 'audit', 'skill_actions']);
  assert.equal(bare.admission(admissionInput).output.verdict, 'rejected');
  assert.deepEqual(bare.firewall({ destination: 'x' }).output, { action: 'deny', rule_name: 'default-deny' });
  assert.deepEqual(bare.audit({}).output, { retain: true, retain_reason: 'retained by default: the policy does not define data.defenseclaw.audit', export_to: [] });
  const g = bare.guardrail(guardrailInput('action')).output;
  assert.deepEqual([g.action, g.severity, g.scanner_sources], ['block', 'HIGH', ['policy-outage']]);
  assert.match(g.reason, /does not define data\.defenseclaw\.guardrail/);
  assert.equal(bare.guardrail(guardrailInput('observe')).output.action, 'alert');
});

test('a package above the domains may define them by rules: none reported missing', () => {
  const engine = open(policyDir({ 'lib.rego': 'package defenseclaw\n{"sandbox": {"permissions": ["net"]}}' }));
  assert.deepEqual(engine.current()!.missingDomains, []);
});

test('a non-object package document is an evaluation error', () => {
  const engine = open(policyDir({ 'firewall.rego': 'package defenseclaw.firewall\n"just a string"' }));
  assert.throws(() => engine.firewall({ destination: 'a' }), /unexpected result type string/);
});

test('outputs are coerced as the original: missing string "", missing list [], sets sorted, booleans false', () => {
  const engine = open(
    policyDir({
      'guardrail.rego': module('guardrail', { action: 'alert', severity: 3, scanner_sources: { $set: ['opa-policy', 'ai-defense', 7] } }),
      'sandbox.rego': module('sandbox', { allowed_endpoints: { $set: ['b', 'a'] }, permissions: ['x', 1, 'y'] }),
      'audit.rego': module('audit', { retain: 'yes' }),
      'skill_actions.rego': module('skill_actions', { runtime_action: 'block', should_block: true }),
    }),
  );
  assert.deepEqual(engine.guardrail(guardrailInput('action')).output, {
    action: 'alert',
    severity: '3',
    reason: '',
    scanner_sources: ['ai-defense', 'opa-policy'],
  });
  assert.deepEqual(engine.sandbox({}).output, {
    allowed_endpoints: ['a', 'b'],
    denied_endpoints: [],
    denied_from_request: [],
    permissions: ['x', 'y'],
    allowed_skills: [],
  });
  assert.deepEqual(engine.audit({}).output, { retain: false, retain_reason: '', export_to: [] });
  assert.deepEqual(engine.skillActions({ severity: 'HIGH' }).output, {
    runtime_action: 'block',
    file_action: '',
    install_action: '',
    should_block: true,
  });
});

test('the policy sees exactly the validated input', () => {
  const engine = open(policyDir({ 'firewall.rego': module('firewall', { action: { $input: 'port' }, rule_name: { $input: 'extra' } }) }));
  assert.deepEqual(engine.firewall({ destination: 'a', extra: 'dropped' }).output, { action: '0', rule_name: '' });
});

test('query reads data.<path> of the current snapshot', () => {
  const engine = open(policyDir());
  const revision = engine.current()!.revision;
  assert.deepEqual(engine.query(['defenseclaw', 'firewall'], {}), { revision, output: { action: 'allow', rule_name: 'v1' } });
  assert.deepEqual(engine.query(['defenseclaw', 'nothing'], {}), { revision, output: undefined });
});

test('input validation errors are PolicyInputError with the original messages', () => {
  const engine = open(policyDir());
  const inputError = (fn: () => unknown, message: RegExp | string): void => {
    assert.throws(fn, (e: unknown) => e instanceof PolicyInputError && (typeof message === 'string' ? e.message === message : message.test(e.message)));
  };
  inputError(() => engine.admission({ target_type: 'skill' }), 'input.target_type and input.target_name are required');
  inputError(() => engine.admission({ target_type: ' ', target_name: 'x' }), 'input.target_type and input.target_name are required');
  inputError(() => engine.admission(null), 'input must be a JSON object');
  inputError(() => engine.admission({ ...admissionInput, scan_result: { total_findings: 'many' } }), 'input.scan_result.total_findings must be an integer');
  inputError(() => engine.admission({ ...admissionInput, block_list: [{ target_name: 3 }] }), 'input.block_list[0].target_name must be a string');
  inputError(() => engine.admission({ ...admissionInput, allow_list: {} }), 'input.allow_list must be an array');
  inputError(() => engine.firewall({}), 'destination is required');
  inputError(() => engine.firewall({ destination: 'a', port: 1.5 }), 'input.port must be an integer');
  inputError(() => engine.skillActions({}), 'severity is required');
  inputError(() => engine.skillActions({ severity: 4 }), 'input.severity must be a string');
  inputError(() => engine.guardrail({ mode: 'sometimes' }), 'input.mode must be observe or action');
  inputError(() => engine.guardrail({ mode: 'action', local_result: 'bad' }), 'input.local_result must be a JSON object');
  inputError(() => engine.guardrail({ mode: 'action', content_length: -1 }), 'input.content_length must not be negative');
  inputError(() => engine.sandbox({ requested_endpoints: [1] }), 'input.requested_endpoints must be an array of strings');
  inputError(() => engine.audit({ age_days: '3' }), 'input.age_days must be an integer');
  inputError(() => engine.audit([]), 'input must be a JSON object');
});

test('input validation happens before the snapshot check, even with no snapshot', () => {
  const engine = open(join(tmpdir(), 'dc-missing-' + process.pid));
  assert.throws(() => engine.admission({}), PolicyInputError);
  assert.throws(() => engine.guardrail({}), PolicyInputError);
  assert.throws(() => engine.firewall({}), PolicyInputError);
});
