/** `defenseclaw policy fmt`, run as a user runs it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function fmt(args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/defenseclaw.ts', 'policy', 'fmt', ...args], { encoding: 'utf8', input });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const UGLY = 'package demo\nimport data.b\nimport data.a\nallow if { input.x == 1; input.y }\n';
const CLEAN = 'package demo\n\nimport data.a\nimport data.b\n\nallow if {\n\tinput.x == 1\n\tinput.y\n}\n';

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dc-fmt-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'ugly.rego'), UGLY);
  writeFileSync(join(dir, 'sub', 'clean.rego'), CLEAN);
  writeFileSync(join(dir, 'notes.txt'), 'not rego');
  return dir;
}

test('policy fmt prints the formatted file; stdin when no path is given', () => {
  const dir = workspace();
  const r = fmt([join(dir, 'ugly.rego')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, CLEAN);
  const stdin = fmt([], UGLY);
  assert.equal(stdin.code, 0, stdin.stderr);
  assert.equal(stdin.stdout, CLEAN);
});

test('policy fmt --list names the files that would change; --check also exits 1; --fail exits 2', () => {
  const dir = workspace();
  const list = fmt(['--list', dir]);
  assert.equal(list.code, 0, list.stderr);
  assert.equal(list.stdout, `${join(dir, 'ugly.rego')}\n`);
  const check = fmt(['--check', dir]);
  assert.equal(check.code, 1);
  assert.equal(check.stdout, `${join(dir, 'ugly.rego')}\n`);
  const clean = fmt(['--check', join(dir, 'sub')]);
  assert.equal(clean.code, 0, clean.stderr);
  assert.equal(clean.stdout, '');
  const fail = fmt(['--fail', dir]);
  assert.equal(fail.code, 2);
  assert.match(fail.stderr, /unexpected diff/);
});

test('policy fmt --diff shows a unified diff; --write rewrites only the files that change', () => {
  const dir = workspace();
  const diff = fmt(['--diff', dir]);
  assert.equal(diff.code, 0, diff.stderr);
  assert.match(diff.stdout, /^--- .*ugly\.rego\toriginal$/m);
  assert.match(diff.stdout, /^-allow if \{ input\.x == 1; input\.y \}$/m);
  assert.match(diff.stdout, /^\+\tinput\.x == 1$/m);
  const write = fmt(['--write', dir]);
  assert.equal(write.code, 0, write.stderr);
  assert.equal(write.stdout, '');
  assert.equal(readFileSync(join(dir, 'ugly.rego'), 'utf8'), CLEAN);
  assert.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'not rego');
  assert.equal(fmt(['--check', dir]).code, 0);
});

test('policy fmt --v0-compatible and --rego-v1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dc-fmt-'));
  const file = join(dir, 'old.rego');
  writeFileSync(file, 'package old\n\ndeny[msg] { msg = "no" }\n');
  const v1 = fmt([file]);
  assert.equal(v1.code, 2);
  assert.match(v1.stderr, /^failed to format Rego source file: 2 errors occurred:\n.*old\.rego:3:1: rego_parse_error: `if` keyword is required before rule body\n.*old\.rego:3:1: rego_parse_error: `contains` keyword is required for partial set rules\n$/);
  const v0 = fmt(['--v0-compatible', file]);
  assert.equal(v0.code, 0, v0.stderr);
  assert.equal(v0.stdout, 'package old\n\ndeny[msg] {\n\tmsg = "no"\n}\n');
  const up = fmt(['--rego-v1', file]);
  assert.equal(up.code, 0, up.stderr);
  assert.equal(up.stdout, 'package old\n\nimport rego.v1\n\ndeny contains msg if msg = "no"\n');
});

test('policy fmt --help lists OPA\'s flags', () => {
  const r = fmt(['--help']);
  assert.equal(r.code, 0);
  for (const flag of ['--write', '--list', '--diff', '--fail', '--check', '--v0-compatible', '--rego-v1', '--drop-v0-imports']) assert.ok(r.stdout.includes(flag), flag);
});
