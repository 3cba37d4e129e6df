import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTestFiles, mergeDataAt, TestLoadError } from '../../src/rego/tester/loader.js';
import type { JsonObject } from '../../src/rego/value.js';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'dc-tester-'));
  for (const [name, content] of Object.entries(files)) {
    const path = join(root, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
  }
  return root;
}

test('loads modules recursively in lexical order and data at the directory path', (t) => {
  const root = tree({
    'b.rego': 'package b',
    'a/x.rego': 'package a',
    'a/y_test.rego': 'package a_test',
    'data.json': '{"top": {"k": 1}}',
    'a/data.json': '{"v": [1, 2]}',
    'a/b/settings.yaml': 'mode: strict\nlevels: [1, 2]\n',
    'notes.txt': 'not loaded',
  });
  t.after(() => rmSync(root, { recursive: true }));
  const loaded = loadTestFiles([root]);
  assert.deepEqual(
    loaded.modules.map((m) => m.file),
    [join(root, 'a/x.rego'), join(root, 'a/y_test.rego'), join(root, 'b.rego')],
  );
  assert.equal(loaded.modules[2]!.source, 'package b');
  assert.deepEqual(loaded.data, { top: { k: 1 }, a: { v: [1, 2], b: { mode: 'strict', levels: [1, 2] } } });
});

test('data files deep-merge; a leaf set twice is a merge error naming the file', (t) => {
  const ok = tree({ 'one.json': '{"x": {"a": 1}}', 'two.json': '{"x": {"b": 2}}' });
  const clash = tree({ 'one.json': '{"x": {"a": 1}}', 'two.yaml': 'x:\n  a: 1\n' });
  t.after(() => (rmSync(ok, { recursive: true }), rmSync(clash, { recursive: true })));
  assert.deepEqual(loadTestFiles([ok]).data, { x: { a: 1, b: 2 } });
  assert.throws(
    () => loadTestFiles([clash]),
    (e: unknown) => e instanceof TestLoadError && e.message === `${join(clash, 'two.yaml')}: merge error: data.x.a is already defined by another data file`,
  );
});

test('mergeDataAt never mutates the merged document', () => {
  const doc: JsonObject = { a: { b: 1 } };
  const target: JsonObject = {};
  mergeDataAt(target, [], doc, 'one.json');
  mergeDataAt(target, [], { a: { c: 2 } }, 'two.json');
  assert.deepEqual(target, { a: { b: 1, c: 2 } });
  assert.deepEqual(doc, { a: { b: 1 } });
  mergeDataAt(target, ['p', 'q'], [1], 'three.json');
  assert.deepEqual((target as JsonObject)['p'], { q: [1] });
  assert.throws(() => mergeDataAt(target, ['a', 'b', 'c'], 1, 'four.json'), /four\.json: merge error: data\.a\.b/);
});

test('--ignore patterns leave out matching files and whole directories', (t) => {
  const root = tree({ 'p.rego': 'package p', 'p_test.rego': 'package p', 'vendor/v.rego': 'package v', 'vendor/data.json': '{"v":1}' });
  t.after(() => rmSync(root, { recursive: true }));
  const loaded = loadTestFiles([root], { ignore: ['vendor', '*_test.rego'] });
  assert.deepEqual(loaded.modules.map((m) => m.file), [join(root, 'p.rego')]);
  assert.deepEqual(loaded.data, {});
});

test('bad files are load errors with the file name and position', (t) => {
  const root = tree({ 'data.json': '{"a": 1,,}', 'arr/x.json': '[1]' });
  const rootArray = tree({ 'x.json': '[1]' });
  t.after(() => (rmSync(root, { recursive: true }), rmSync(rootArray, { recursive: true })));
  assert.throws(() => loadTestFiles([root]), (e: unknown) => e instanceof TestLoadError && e.message.startsWith(`${join(root, 'data.json')}:1:`));
  assert.throws(() => loadTestFiles([rootArray]), /x\.json: data at the root must be an object/);
  assert.throws(() => loadTestFiles([join(root, 'missing')]), /missing: no such file or directory/);
});

test('a file argument is loaded whatever directory it is in, data at the root', (t) => {
  const root = tree({ 'deep/dir/d.json': '{"k": true}', 'deep/dir/m.rego': 'package m' });
  t.after(() => rmSync(root, { recursive: true }));
  const loaded = loadTestFiles([join(root, 'deep/dir/d.json'), join(root, 'deep/dir/m.rego'), join(root, 'deep')]);
  assert.deepEqual(loaded.data, { k: true, dir: { k: true } });
  assert.equal(loaded.modules.length, 1, 'the same module reached twice is loaded once');
});
