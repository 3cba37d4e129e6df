import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicyDirectory, resolveRegoDir, PolicyLoadError } from '../../src/policy/directory.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'dc-dir-'));
}

function write(dir: string, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
}

const MODULE = 'package x\n\nallow := true\n';

test('nested rego/ wins when it holds modules', () => {
  const root = tempDir();
  write(root, { 'a.rego': MODULE, 'data.json': '{}' });
  write(join(root, 'rego'), { 'b.rego': MODULE, 'data.json': '{"n":1}' });
  assert.equal(resolveRegoDir(root), join(root, 'rego'));
  const d = loadPolicyDirectory(root);
  assert.deepEqual(d.modules.map((m) => m.file), [join(root, 'rego', 'b.rego')]);
  assert.deepEqual(d.data, { n: 1 });
});

test('flat layout when rego/ is absent or has no modules', () => {
  const root = tempDir();
  write(root, { 'a.rego': MODULE, 'data.json': '{}' });
  assert.equal(resolveRegoDir(root), root);
  mkdirSync(join(root, 'rego'));
  assert.equal(resolveRegoDir(root), root);
  assert.equal(loadPolicyDirectory(root).regoDir, root);
});

test('a rego/ that is not a directory is selected and the load fails', () => {
  const root = tempDir();
  write(root, { 'a.rego': MODULE, 'data.json': '{}', rego: 'not a dir' });
  assert.equal(resolveRegoDir(root), join(root, 'rego'));
  assert.throws(() => loadPolicyDirectory(root), PolicyLoadError);
});

test('glob characters in the directory are literal', () => {
  const root = join(tempDir(), 'p*[x]');
  write(root, { 'a.rego': MODULE, 'data.json': '{}' });
  assert.equal(loadPolicyDirectory(root).modules.length, 1);
});

test('modules: non-recursive, sorted, tests included, file = dir as given + name', () => {
  const root = tempDir();
  write(root, { 'z.rego': MODULE, 'a_test.rego': MODULE, 'm.rego': MODULE, 'notes.txt': 'x', 'data.json': '{}' });
  write(join(root, 'sub'), { 'deep.rego': MODULE });
  const d = loadPolicyDirectory(root);
  assert.deepEqual(d.modules.map((m) => m.file), ['a_test.rego', 'm.rego', 'z.rego'].map((n) => join(root, n)));
  assert.equal(d.modules[0]!.source, MODULE);
  assert.deepEqual(d.files.map((f) => f.name), ['a_test.rego', 'data.json', 'm.rego', 'z.rego']);
});

test('the file path keeps a relative directory relative', () => {
  const root = tempDir();
  write(join(root, 'pol'), { 'a.rego': MODULE, 'data.json': '{}' });
  const cwd = process.cwd();
  process.chdir(root);
  try {
    const d = loadPolicyDirectory('pol');
    assert.equal(d.modules[0]!.file, join('pol', 'a.rego'));
  } finally {
    process.chdir(cwd);
  }
});

test('data-sandbox.json overrides data.json top-level keys (shallow) and reports shadowed keys', () => {
  const root = tempDir();
  write(root, {
    'a.rego': MODULE,
    'data.json': '{"firewall":{"default_action":"allow","x":1},"config":{"a":1}}',
    'data-sandbox.json': '{"firewall":{"default_action":"deny"},"sandbox":{}}',
  });
  const d = loadPolicyDirectory(root);
  assert.deepEqual(d.data, { firewall: { default_action: 'deny' }, config: { a: 1 }, sandbox: {} });
  assert.deepEqual(d.dataKeys, ['config', 'firewall', 'sandbox']);
  assert.deepEqual(d.shadowedKeys, ['firewall']);
  assert.deepEqual(d.files.map((f) => f.name), ['a.rego', 'data-sandbox.json', 'data.json']);
});

function loadError(root: string): string {
  try {
    loadPolicyDirectory(root);
  } catch (e) {
    assert.ok(e instanceof PolicyLoadError, `expected PolicyLoadError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), 'one-line message');
    return e.message;
  }
  assert.fail('expected a load error');
}

test('errors: missing directory, no modules, missing data.json', () => {
  const root = tempDir();
  assert.match(loadError(join(root, 'nope')), /does not exist/);
  write(root, { 'data.json': '{}' });
  assert.equal(loadError(root), `policy: no .rego files found in ${root}`);
  const r2 = tempDir();
  write(r2, { 'a.rego': MODULE });
  assert.match(loadError(r2), /data\.json not found/);
});

test('errors: a .rego entry that is not a regular file', () => {
  const root = tempDir();
  write(root, { 'a.rego': MODULE, 'data.json': '{}' });
  mkdirSync(join(root, 'dir.rego'));
  assert.match(loadError(root), /dir\.rego is not a regular file/);
  assert.match(loadError(root), /dir\.rego is not a regular file \(a directory\)/);
});

test('a FIFO (data.json, data-sandbox.json or a module) is refused at once, naming the file; nothing blocks', () => {
  for (const name of ['data-sandbox.json', 'data.json', 'fifo.rego']) {
    const root = tempDir();
    write(root, { 'a.rego': MODULE });
    if (name !== 'data.json') write(root, { 'data.json': '{}' });
    // No writer ever opens it: a blocking read would hang this test.
    execFileSync('mkfifo', [join(root, name)]);
    assert.equal(loadError(root), `policy: ${join(root, name)} is not a regular file (a FIFO)`);
  }
});

test('symbolic links, modules and data alike: followed to a regular file inside the policy directory, refused otherwise', () => {
  // Inside: a Kubernetes ConfigMap mount's layout (every file a link into ..data/).
  const root = tempDir();
  write(join(root, '..2024_01_01', 'rego'), { 'a.rego': MODULE, 'data.json': '{"n":1}', 'data-sandbox.json': '{"s":2}' });
  symlinkSync('..2024_01_01', join(root, '..data'));
  mkdirSync(join(root, 'rego'));
  for (const name of ['a.rego', 'data.json', 'data-sandbox.json']) symlinkSync(join('..', '..data', 'rego', name), join(root, 'rego', name));
  const d = loadPolicyDirectory(root);
  assert.deepEqual(d.modules.map((m) => m.source), [MODULE]);
  assert.deepEqual(d.data, { n: 1, s: 2 });
  assert.deepEqual(d.files.map((f) => f.name), ['a.rego', 'data-sandbox.json', 'data.json']);

  // Outside: refused for every kind of policy file.
  const outside = tempDir();
  write(outside, { 'x.rego': MODULE, 'secret.json': '{"k":1}' });
  for (const [name, target] of [['link.rego', 'x.rego'], ['data.json', 'secret.json'], ['data-sandbox.json', 'secret.json']] as const) {
    const r = tempDir();
    write(r, { 'a.rego': MODULE });
    if (name !== 'data.json') write(r, { 'data.json': '{}' });
    const link = join(r, name);
    symlinkSync(join(outside, target), link);
    assert.equal(loadError(r), `policy: ${link} is a symbolic link to ${join(outside, target)}, outside the policy directory ${r}`);
  }

  // Inside, but to something that is not a regular file: refused.
  const r3 = tempDir();
  write(r3, { 'a.rego': MODULE, 'data.json': '{}' });
  execFileSync('mkfifo', [join(r3, 'pipe')]);
  symlinkSync(join(r3, 'pipe'), join(r3, 'data-sandbox.json'));
  assert.match(loadError(r3), /data-sandbox\.json is not a regular file \(a FIFO\)/);
  // A dangling link is a missing optional file, as before.
  const r4 = tempDir();
  write(r4, { 'a.rego': MODULE, 'data.json': '{}' });
  symlinkSync(join(r4, 'nowhere.json'), join(r4, 'data-sandbox.json'));
  assert.deepEqual(loadPolicyDirectory(r4).data, {});
});

test('errors: invalid JSON names line and column', () => {
  const root = tempDir();
  write(root, { 'a.rego': MODULE, 'data.json': '{\n  "a": 1,\n  "b": tru\n}' });
  assert.match(loadError(root), /data\.json:3:11: invalid JSON: invalid literal/);
  write(root, { 'data.json': '{"a": 1,}' });
  assert.match(loadError(root), /data\.json:1:9: invalid JSON/);
  write(root, { 'data.json': '' });
  assert.match(loadError(root), /data\.json:1:1: invalid JSON: unexpected end/);
});

test('errors: data must be objects', () => {
  const root = tempDir();
  write(root, { 'a.rego': MODULE, 'data.json': '[1]' });
  assert.match(loadError(root), /data\.json must hold a JSON object, not an array/);
  write(root, { 'data.json': 'null' });
  assert.match(loadError(root), /not null/);
  write(root, { 'data.json': '{}', 'data-sandbox.json': '"x"' });
  assert.match(loadError(root), /data-sandbox\.json must hold a JSON object/);
  write(root, { 'data-sandbox.json': '{oops' });
  assert.match(loadError(root), /data-sandbox\.json:1:2: invalid JSON/);
});

test('loading never writes to the directory', () => {
  const root = tempDir();
  write(root, { 'a.rego': 'package broken\n\nthis is not rego', 'data.json': '{}' });
  const before = readdirSync(root).sort();
  loadPolicyDirectory(root);
  assert.deepEqual(readdirSync(root).sort(), before);
});

test('errors: each kind of invalid JSON is named where it happens', () => {
  const root = tempDir();
  const cases: [string, RegExp][] = [
    ['{"a": "x\ny"}', /data\.json:1:9: invalid JSON: control character in string/],
    ['{"a": "\\q"}', /data\.json:1:9: invalid JSON: invalid escape in string/],
    ['{"a": -}', /data\.json:1:8: invalid JSON: invalid number/],
    ['{"a" 1}', /data\.json:1:6: invalid JSON: expected ':' after property name/],
    ['{"a": 1 "b": 2}', /data\.json:1:9: invalid JSON: expected ',' or '}' in object/],
    ['{"a": [1 2]}', /data\.json:1:10: invalid JSON: expected ',' or '\]' in array/],
    ['{}\n x', /data\.json:2:2: invalid JSON: unexpected text after the JSON value/],
    ['{"a": "x', /data\.json:1:9: invalid JSON: unexpected end/],
  ];
  for (const [text, want] of cases) {
    write(root, { 'a.rego': MODULE, 'data.json': text });
    assert.match(loadError(root), want);
  }
});
