/** `defenseclaw policy check`, run as a user runs it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function check(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/defenseclaw.ts', 'policy', 'check', ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'dc-check-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(d, name, '..'), { recursive: true });
    writeFileSync(join(d, name), text);
  }
  return d;
}

const SLOPPY = 'package app\n\nimport data.lib\n\nallow if {\n\tuser := input.user\n\tinput.admin\n}\n';

test('policy check is silent on good policies and fails on compile errors, as opa check', () => {
  const good = dir({ 'a.rego': 'package app\n\nallow if input.admin\n', 'sub/b.rego': 'package app.sub\n\nx := 1\n', 'notes.md': '#' });
  const ok = check(good);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout + ok.stderr, '');

  const bad = dir({ 'a.rego': 'package app\n\nallow if undefined_fn(1)\n\nx := y\n' });
  const r = check(bad);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^2 errors occurred:\n/);
  assert.match(r.stderr, /a\.rego:3: rego_type_error: undefined function undefined_fn\n/);
  assert.match(r.stderr, /a\.rego:5: rego_unsafe_var_error: var y is unsafe\n/);
});

test('policy check --strict adds OPA\'s strict-mode errors', () => {
  const d = dir({ 'a.rego': SLOPPY });
  assert.equal(check(d).code, 0);
  const r = check('--strict', d);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `1 error occurred: ${join(d, 'a.rego')}:3: rego_compile_error: import data.lib unused\n`);
  writeFileSync(join(d, 'a.rego'), SLOPPY.replace('import data.lib\n\n', ''));
  const locals = check('-S', d);
  assert.equal(locals.stderr, `1 error occurred: ${join(d, 'a.rego')}:4: rego_compile_error: assigned var user unused\n`);
});

test('policy check reports parse errors as loading errors, with the line and a caret; --format json', () => {
  const d = dir({ 'bad.rego': 'package p\n\np if {\n\tx := \n}\n' });
  const r = check(d);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `1 error occurred during loading: ${join(d, 'bad.rego')}:5: rego_parse_error: unexpected } token\n\t}\n\t^\n`);
  const j = check('--format', 'json', d);
  assert.equal(j.code, 1);
  assert.deepEqual(JSON.parse(j.stderr), {
    errors: [{ details: { line: '}', idx: 0 }, location: { file: join(d, 'bad.rego'), row: 5, col: 1 }, message: 'unexpected } token', code: 'rego_parse_error' }],
  });
});

test('policy check --v0-compatible, --ignore and --help', () => {
  const d = dir({ 'old.rego': 'package old\n\ndeny[msg] { msg := "no" }\n', 'skip/broken.rego': 'package' });
  assert.equal(check('--v0-compatible', '--ignore', 'skip', d).code, 0);
  assert.equal(check('--ignore', 'skip', d).code, 1);
  const help = check('--help');
  assert.equal(help.code, 0);
  for (const flag of ['--strict', '--format', '--v0-compatible', '--ignore', '--max-errors']) assert.ok(help.stdout.includes(flag), flag);
});
