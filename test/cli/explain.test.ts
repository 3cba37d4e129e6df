/** `--explain` on `policy eval` and `policy test`, run as a user runs them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/defenseclaw.ts', 'policy', ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const POLICY = `package p

allow if {
\tinput.role == "admin"
\ttrace("role checked")
}

test_admin if allow with input as {"role": "admin"}

test_guest if allow with input as {"role": "guest"}
`;

function workspace(): { dir: string; file: string; input: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dc-explain-'));
  const file = join(dir, 'p_test.rego');
  writeFileSync(file, POLICY);
  const input = join(dir, 'input.json');
  writeFileSync(input, JSON.stringify({ role: 'admin' }));
  return { dir, file, input };
}

test('policy eval --explain=full prints OPA\'s trace before the result; --explain=notes only the notes', () => {
  const { file, input } = workspace();
  const full = cli('eval', '--data', file, '--input', input, '--format', 'pretty', '--explain', 'full', 'data.p.allow');
  assert.equal(full.code, 0, full.stderr);
  const lines = full.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^query:1 +Enter data\.p\.allow$/);
  assert.ok(lines.some((l) => /p_test\.rego:3 +\| Enter data\.p\.allow$/.test(l)), full.stdout);
  assert.ok(lines.some((l) => /p_test\.rego:4 +\| \| Eval input\.role == "admin"$/.test(l)), full.stdout);
  assert.ok(lines.some((l) => /p_test\.rego:5 +\| \| Note "role checked"$/.test(l)), full.stdout);
  assert.equal(lines[lines.length - 1], 'true');

  const notes = cli('eval', '--data', file, '--input', input, '--format', 'pretty', '--explain', 'notes', 'data.p.allow');
  assert.deepEqual(
    notes.stdout.trimEnd().split('\n').map((l) => l.replace(/^\S+ +/, '')),
    ['Enter data.p.allow', '| Enter data.p.allow', '| | Note "role checked"', 'true'],
  );
});

test('policy eval --explain with --format json adds the raw events as "explanation"', () => {
  const { file, input } = workspace();
  const r = cli('eval', '--data', file, '--input', input, '--explain', 'fails', 'data.p.allow');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { result: unknown[]; explanation: unknown[] };
  assert.equal(out.result.length, 1);
  assert.deepEqual(out.explanation, []);
  const plain = JSON.parse(cli('eval', '--data', file, '--input', input, 'data.p.allow').stdout) as object;
  assert.ok(!('explanation' in plain));
});

test('policy test -v shows each failing test\'s trace (failures by default, --explain full or notes)', () => {
  const { file } = workspace();
  const r = cli('test', '-v', file);
  assert.equal(r.code, 2);
  const failures = r.stdout.split('SUMMARY')[0]!;
  assert.match(failures, /data\.p\.test_guest: FAIL \(.+\)\n\n {2}query:1 +Enter data\.p\.test_guest\n/);
  assert.match(failures, /p_test\.rego:4 +\| \| \| Fail input\.role == "admin"\n/);
  assert.ok(!failures.includes('test_admin'), 'passing tests have no trace');
  const full = cli('test', '-v', '--explain', 'full', file).stdout.split('SUMMARY')[0]!;
  assert.match(full, /\| Eval data\.p\.allow with input as \{"role": "guest"\}/);
  const quiet = cli('test', file);
  assert.ok(!quiet.stdout.includes('Enter'), 'no trace without -v');
  const json = JSON.parse(cli('test', '-v', '--format', 'json', file).stdout) as { name: string; trace?: { op: string }[] }[];
  assert.ok(json.find((t) => t.name === 'test_guest')!.trace!.some((e) => e.op === 'Fail'));
});
