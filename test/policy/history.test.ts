import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicyHistory, UnknownRevisionError, writeRevisionFiles, type HistoryEntry } from '../../src/policy/history.js';

const rev = (c: string) => c.repeat(64);
const entry = (c: string, source: HistoryEntry['source'] = 'api'): HistoryEntry => ({
  revision: rev(c).slice(0, 12),
  full_revision: rev(c),
  applied_at: new Date().toISOString(),
  source,
  modules: 1,
});

test('history keeps the last N applied snapshots, content-addressed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dc-history-'));
  const h = new PolicyHistory(dir, 2);
  h.record(entry('a', 'start'), [{ name: 'p.rego', content: 'A' }]);
  h.record(entry('b'), [{ name: 'p.rego', content: 'B' }]);
  h.record(entry('a', 'rollback'), [{ name: 'p.rego', content: 'A' }]);
  h.record(entry('c'), [{ name: 'p.rego', content: 'C' }]);
  assert.deepEqual(h.entries().map((e) => [e.full_revision[0], e.source]), [['a', 'rollback'], ['c', 'api']]);
  assert.ok(!existsSync(join(dir, rev('b'))), 'unreferenced revision pruned');
  assert.equal(h.files(rev('a').slice(0, 12)).files[0]!.content, 'A');
  assert.throws(() => h.files('ffffffffffff'), (e: unknown) => e instanceof UnknownRevisionError && e.known.length === 2);
  h.store(rev('d'), [{ name: 'p.rego', content: 'D' }], true);
  h.record(entry('e'), []);
  assert.ok(existsSync(join(dir, rev('d'))), 'pinned revision kept');
});

test('writing a revision back replaces, adds and removes files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dc-rollback-'));
  writeFileSync(join(dir, 'a.rego'), 'old a');
  writeFileSync(join(dir, 'b.rego'), 'old b');
  writeRevisionFiles(dir, [{ name: 'a.rego', content: 'new a' }, { name: 'c.rego', content: 'c' }], ['a.rego', 'b.rego']);
  assert.deepEqual(readdirSync(dir).sort(), ['a.rego', 'c.rego']);
  assert.equal(readFileSync(join(dir, 'a.rego'), 'utf8'), 'new a');
  assert.throws(() => writeRevisionFiles(dir, [{ name: '../x', content: '' }], []), /refusing/);
  assert.deepEqual(readdirSync(dir).sort(), ['a.rego', 'c.rego'], 'nothing touched on refusal');
});

test('files a rollback replaced (pinned) can be rolled back to by their revision', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dc-history-'));
  const h = new PolicyHistory(dir, 5);
  h.record(entry('a', 'start'), [{ name: 'p.rego', content: 'A' }]);
  h.store(rev('b'), [{ name: 'p.rego', content: 'edited, never served' }], true);
  assert.equal(h.files(rev('b').slice(0, 12)).files[0]!.content, 'edited, never served');
  assert.throws(() => h.files('cccc'), (e: unknown) => e instanceof UnknownRevisionError && e.known.includes(rev('b').slice(0, 12)));
});
