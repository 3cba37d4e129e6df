import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runValidate } from '../../src/cli/commands/validate.js';

function policyDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dc-validate-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

function run(regoDir: string, extra: { v0Compatible?: boolean; format?: 'pretty' | 'json' } = {}): { code: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const code = runValidate({ regoDir, ...extra }, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

test('a good directory: exit 0, counts, shadowed data keys warned, nothing written', () => {
  const dir = policyDir({
    'a.rego': 'package a\nallow if input.x == data.limit\n',
    'a_test.rego': 'package a\ntest_allow if allow with input.x as 1\n',
    'data.json': '{"limit": 1, "other": 2}',
    'data-sandbox.json': '{"limit": 5}',
  });
  try {
    const before = readdirSync(dir).sort();
    const r = run(dir);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.match(r.out.join('\n'), /modules: 2/);
    assert.match(r.out.join('\n'), /rules: 1, tests: 1/);
    assert.match(r.out.join('\n'), /data keys: limit, other/);
    assert.deepEqual(r.err, ['warning: data-sandbox.json replaces data.json key "limit"']);
    assert.deepEqual(readdirSync(dir).sort(), before);
    const j = run(dir, { format: 'json' });
    assert.equal(JSON.parse(j.out.join('\n')).tests, 1);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('a syntax error: exit 1 with file:row:col: code: message', () => {
  const dir = policyDir({ 'bad.rego': 'package a\nallow if {\n  input.x ==\n}\n', 'data.json': '{}' });
  try {
    const r = run(dir);
    assert.equal(r.code, 1);
    assert.equal(r.err.length, 1);
    assert.match(r.err[0]!, new RegExp(`^1 error occurred: ${join(dir, 'bad.rego').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:1: rego_parse_error: unexpected } token`));
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('an unsafe variable: exit 1, JSON errors with locations', () => {
  const dir = policyDir({ 'u.rego': 'package a\nallow if {\n  y == 1\n}\n', 'data.json': '{}' });
  try {
    const r = run(dir, { format: 'json' });
    assert.equal(r.code, 1);
    const errors = JSON.parse(r.out.join('\n')).errors;
    assert.equal(errors[0].code, 'rego_unsafe_var_error');
    assert.deepEqual(errors[0].location, { file: join(dir, 'u.rego'), row: 3, col: 3 });
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("type errors: exit 1 with OPA's details (pretty) and the types as JSON (json)", () => {
  const dir = policyDir({ 't.rego': 'package a\nallow if count(input.x) > "1"\nn := count(1)\n', 'data.json': '{}' });
  try {
    const r = run(dir);
    assert.equal(r.code, 1);
    assert.deepEqual(r.err, [
      [
        '1 error occurred: ' + join(dir, 't.rego') + ':3:6: rego_type_error: count: invalid argument(s)',
        '\thave: (number, ???)',
        '\twant: (collection: any<string, array[any], object[any: any], set[any]>, n: number)',
      ].join('\n'),
    ]);
    const errors = JSON.parse(run(dir, { format: 'json' }).out.join('\n')).errors;
    assert.deepEqual(errors[0], {
      code: 'rego_type_error',
      message: 'count: invalid argument(s)',
      location: { file: join(dir, 't.rego'), row: 3, col: 6 },
      details: {
        have: [{ type: 'number' }, null],
        want: {
          args: [
            {
              type: 'any',
              of: [{ type: 'string' }, { type: 'array', dynamic: { type: 'any' } }, { type: 'object', dynamic: { key: { type: 'any' }, value: { type: 'any' } } }, { type: 'set', of: { type: 'any' } }],
            },
            { type: 'number' },
          ],
        },
      },
    });
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('v0 modules with --v0-compatible', () => {
  const dir = policyDir({ 'v0.rego': 'package a\nallow { input.x == 1 }\n', 'data.json': '{}' });
  try {
    assert.equal(run(dir).code, 1);
    assert.equal(run(dir, { v0Compatible: true }).code, 0);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('a missing directory: one line, exit 1', () => {
  const r = run(join(tmpdir(), 'dc-validate-does-not-exist'));
  assert.equal(r.code, 1);
  assert.equal(r.err.length, 1);
  assert.match(r.err[0]!, /does not exist/);
});
