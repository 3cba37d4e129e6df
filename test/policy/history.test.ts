import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DamagedRevisionError, PolicyHistory, UnknownRevisionError, type HistoryEntry } from '../../src/policy/history.js';
import { computeRevision } from '../../src/policy/snapshot.js';
import type { PolicyFile } from '../../src/policy/types.js';

const files = (content: string): PolicyFile[] => [{ name: 'p.rego', content }];
const rev = (content: string) => computeRevision(files(content));
const entry = (content: string, source: HistoryEntry['source'] = 'api'): HistoryEntry => ({
  revision: rev(content).slice(0, 12),
  full_revision: rev(content),
  applied_at: new Date().toISOString(),
  source,
  modules: 1,
});
const tempDir = (prefix = 'dc-history-') => mkdtempSync(join(tmpdir(), prefix));
const revisionDirs = (dir: string) => readdirSync(dir).filter((n) => /^[0-9a-f]{64}$/.test(n)).sort();

test('history keeps the last N applied snapshots, content-addressed', () => {
  const dir = tempDir();
  const h = new PolicyHistory(dir, 2);
  h.record(entry('A', 'start'), files('A'));
  h.record(entry('B'), files('B'));
  h.record(entry('A', 'rollback'), files('A'));
  h.record(entry('C'), files('C'));
  assert.deepEqual(h.entries().map((e) => [e.full_revision, e.source]), [[rev('A'), 'rollback'], [rev('C'), 'api']]);
  assert.ok(!existsSync(join(dir, rev('B'))), 'a revision the index stopped describing is pruned');
  assert.equal(h.files(rev('A').slice(0, 12)).files[0]!.content, 'A');
  assert.throws(() => h.files('ffffffffffff'), (e: unknown) => e instanceof UnknownRevisionError && e.known.length === 2);
  h.store(rev('D'), files('D'), true);
  h.record(entry('E'), files('E'));
  assert.ok(existsSync(join(dir, rev('D'))), 'pinned revision kept');
});

test('files a rollback replaced (pinned) can be rolled back to by their revision', () => {
  const dir = tempDir();
  const h = new PolicyHistory(dir, 5);
  h.record(entry('A', 'start'), files('A'));
  h.store(rev('edited'), files('edited'), true);
  assert.equal(h.files(rev('edited').slice(0, 12)).files[0]!.content, 'edited');
  assert.throws(() => h.files('cccc'), (e: unknown) => e instanceof UnknownRevisionError && e.known.includes(rev('edited').slice(0, 12)));
});

test('a damaged index.json is rebuilt from the revision directories; the next record deletes nothing it did not describe', () => {
  const dir = tempDir();
  const warnings: string[] = [];
  const h = new PolicyHistory(dir, 50, { warn: (m) => warnings.push(m) });
  for (let i = 0; i < 28; i++) h.record(entry(`v${i}`), files(`v${i}`));
  assert.equal(revisionDirs(dir).length, 28);
  for (const damage of ['{"truncated": [', '[{"revision": "x"}', '"not a list"', '', null]) {
    if (damage === null) execFileSync('rm', [join(dir, 'index.json')]);
    else writeFileSync(join(dir, 'index.json'), damage);
    const rebuilt = h.entries();
    assert.equal(rebuilt.length, 28, `rebuilt after ${JSON.stringify(damage)}`);
    assert.ok(rebuilt.every((e) => e.source === 'recovered' && e.modules === 1));
  }
  h.record(entry('next'), files('next'));
  assert.equal(revisionDirs(dir).length, 29, 'no revision directory deleted');
  assert.equal(h.entries().length, 29);
  assert.ok(readdirSync(dir).some((n) => n.startsWith('index.damaged-')), 'the damaged index is kept aside');
  assert.ok(warnings.some((w) => /damaged/.test(w)));
  // A rebuilt entry is a real revision: it can be read back.
  assert.equal(h.files(rev('v3').slice(0, 12)).files[0]!.content, 'v3');
});

test('index entries are validated one by one: a bad one is ignored, never acted upon', () => {
  const dir = tempDir();
  const h = new PolicyHistory(dir, 1);
  h.record(entry('A'), files('A'));
  const outside = tempDir('dc-outside-');
  writeFileSync(join(outside, 'keep.txt'), 'precious');
  const good = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  const bad = [
    { ...good[0], full_revision: '../../' + outside },
    { ...good[0], revision: 'abc' },
    { ...good[0], source: 'evil' },
    { ...good[0], modules: -1 },
    { ...good[0], applied_at: 'yesterday' },
    'x',
  ];
  writeFileSync(join(dir, 'index.json'), JSON.stringify([...bad, ...good]));
  assert.deepEqual(h.entries().map((e) => e.full_revision), [rev('A')]);
  h.record(entry('B'), files('B')); // limit 1: A is pruned, nothing else
  assert.deepEqual(revisionDirs(dir), [rev('B')]);
  assert.equal(readFileSync(join(outside, 'keep.txt'), 'utf8'), 'precious');
  assert.throws(() => h.files('../x'), UnknownRevisionError);
});

test("a stored revision's files are validated: names, duplicates, and that they hash to the revision", () => {
  const dir = tempDir();
  const h = new PolicyHistory(dir, 5);
  h.record(entry('A'), files('A'));
  const path = join(dir, rev('A'), 'files.json');
  const cases: [unknown, RegExp][] = [
    [[{ name: 'config.yaml', content: 'x' }], /"config\.yaml" is not a policy file name/],
    [[{ name: '../../x.rego', content: 'x' }], /is not a policy file name/],
    [[{ name: 'p.rego', content: 'A' }, { name: 'p.rego', content: 'A' }], /listed twice/],
    [[{ name: 'p.rego', content: 'tampered' }], /do not match its revision/],
    [{ name: 'p.rego' }, /not a list/],
  ];
  for (const [content, why] of cases) {
    writeFileSync(path, JSON.stringify(content));
    assert.throws(() => h.files(rev('A')), (e: unknown) => e instanceof DamagedRevisionError && why.test(e.message), JSON.stringify(content));
  }
  writeFileSync(path, '{oops');
  assert.throws(() => h.files(rev('A')), /files\.json is not JSON/);
});

test('history files that are not regular files are refused without blocking; linked revision directories are not followed', () => {
  const dir = tempDir();
  const h = new PolicyHistory(dir, 5);
  h.record(entry('A'), files('A'));
  execFileSync('rm', [join(dir, 'index.json')]);
  execFileSync('mkfifo', [join(dir, 'index.json')]);
  assert.deepEqual(h.entries().map((e) => e.full_revision), [rev('A')], 'a FIFO index is damage: rebuilt');
  h.record(entry('B'), files('B'));
  execFileSync('rm', [join(dir, rev('A'), 'files.json')]);
  execFileSync('mkfifo', [join(dir, rev('A'), 'files.json')]);
  assert.throws(() => h.files(rev('A')), /not a regular file \(a FIFO\)/);

  const dir2 = tempDir();
  const elsewhere = tempDir('dc-elsewhere-');
  mkdirSync(join(elsewhere, 'r'));
  writeFileSync(join(elsewhere, 'r', 'files.json'), JSON.stringify(files('B')));
  symlinkSync(join(elsewhere, 'r'), join(dir2, rev('B')));
  const h2 = new PolicyHistory(dir2, 5);
  writeFileSync(join(dir2, 'index.json'), JSON.stringify([entry('B')]));
  assert.throws(() => h2.files(rev('B')), /missing from the history/);
  h2.record(entry('B'), files('B'));
  assert.ok(existsSync(join(elsewhere, 'r', 'files.json')), 'the link was replaced, its target untouched');
  assert.equal(h2.files(rev('B')).files[0]!.content, 'B');
});

test('store refuses file names and revisions that could leave the directory', () => {
  const h = new PolicyHistory(tempDir(), 5);
  assert.throws(() => h.store('../' + 'a'.repeat(61), files('A')), /refusing revision/);
  assert.throws(() => h.store(rev('A'), [{ name: '../config.yaml', content: '' }]), /refusing file name/);
});
