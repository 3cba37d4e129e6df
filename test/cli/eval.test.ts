import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/defenseclaw.ts', 'policy', 'eval', ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('policy eval on the default policies prints OPA\'s result set', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dc-eval-'));
  const input = join(dir, 'input.json');
  writeFileSync(input, JSON.stringify({ destination: 'github.com', port: 443 }));
  const r = cli('--rego-dir', 'policies', '--input', input, 'data.defenseclaw.firewall.action');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.result[0].expressions[0].value, 'allow');
  assert.equal(out.result[0].expressions[0].text, 'data.defenseclaw.firewall.action');

  const bound = cli('--rego-dir', 'policies', 'x := data.firewall.allowed_ports[_]');
  assert.equal(bound.code, 0, bound.stderr);
  assert.deepEqual(JSON.parse(bound.stdout).result.map((res: { bindings: { x: number } }) => res.bindings.x), [443]);
});

test('policy eval: undefined is an empty object, extra data files merge, errors are OPA-style', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dc-eval-'));
  writeFileSync(join(dir, 'extra.rego'), 'package extra\n\nlimit := data.settings.limit * 2\n');
  writeFileSync(join(dir, 'settings.json'), JSON.stringify({ settings: { limit: 21 } }));
  const r = cli('--data', join(dir, 'extra.rego'), '--data', join(dir, 'settings.json'), 'data.extra.limit');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).result[0].expressions[0].value, 42);

  const undef = cli('--data', join(dir, 'extra.rego'), 'data.extra.nothing');
  assert.equal(undef.code, 0);
  assert.deepEqual(JSON.parse(undef.stdout), {});

  writeFileSync(join(dir, 'bad.rego'), 'package bad\n\np if {\n  x := 1 / 0\n}\n');
  // As `opa eval`: JSON errors by default, one `file:row:col: code: message` line in pretty format.
  const err = cli('--data', join(dir, 'bad.rego'), '--strict-builtin-errors', 'data.bad.p');
  assert.equal(err.code, 1);
  const e = JSON.parse(err.stdout + err.stderr).errors[0];
  assert.equal(e.code, 'eval_builtin_error');
  assert.equal(e.message, 'div: divide by zero');
  assert.equal(e.location.row, 4);
  const pretty = cli('--data', join(dir, 'bad.rego'), '--strict-builtin-errors', '--format', 'pretty', 'data.bad.p');
  assert.equal(pretty.code, 1);
  assert.match(pretty.stderr + pretty.stdout, /bad\.rego:4:\d+: eval_builtin_error: div: divide by zero/);

  const parse = cli('--data', join(dir, 'extra.rego'), 'data.extra.limit ==');
  assert.equal(parse.code, 1);
  assert.match(parse.stderr, /rego_parse_error/);
});

test('policy eval is bounded: --timeout stops a runaway query, the size budgets an explosion, with OPA-style errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dc-eval-'));
  writeFileSync(
    join(dir, 'hostile.rego'),
    'package hostile\n\nr := numbers.range(1, 20000)\n\nspin if {\n  some i in r\n  some j in r\n  i * j < 0\n}\n\nboom := count([1 | some i in numbers.range(1, 1000); some j in numbers.range(1, 1000); some k in numbers.range(1, 200)])\n',
  );
  const started = Date.now();
  const slow = cli('--data', join(dir, 'hostile.rego'), '--timeout', '200ms', 'data.hostile.spin');
  assert.ok(Date.now() - started < 30_000);
  assert.equal(slow.code, 1);
  const e = JSON.parse(slow.stderr).errors[0];
  assert.deepEqual([e.code, e.message], ['eval_cancel_error', 'evaluation exceeded its time budget of 200 ms']);

  const boom = cli('--data', join(dir, 'hostile.rego'), 'data.hostile.boom');
  assert.equal(boom.code, 1);
  assert.equal(JSON.parse(boom.stderr).errors[0].code, 'eval_budget_error');

  assert.match(cli('--timeout', 'soon', 'true').stderr, /invalid --timeout "soon"/);
});

test('policy eval prints numbers as OPA does: their text kept, past float64 too, never null', () => {
  const r = cli('x := 1e308 * 10; y := json.unmarshal("[1.0, 2.50]"); z := 12345678901234567890');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /"x": 1e\+309,\n {8}"y": \[\n {10}1\.0,\n {10}2\.50\n {8}\],\n {8}"z": 12345678901234567890\n/);
  const pretty = cli('--format', 'pretty', '1e308 * 10');
  assert.equal(pretty.stdout, '1e+309\n');
});
