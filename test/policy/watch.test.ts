import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isPolicyFile, PolicyWatcher } from '../../src/policy/watch.js';

// Edits within a burst are 20–30 ms apart: far inside the debounce window even on a loaded CI machine.
const DEBOUNCE_MS = 400;
const SETTLE_MS = DEBOUNCE_MS * 3;

async function withWatcher(fn: (dir: string, calls: () => number) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dc-watch-'));
  mkdirSync(join(dir, 'rego'));
  writeFileSync(join(dir, 'rego', 'a.rego'), 'package a');
  let n = 0;
  const w = new PolicyWatcher(dir, { debounceMs: DEBOUNCE_MS, onSettled: async () => void n++ });
  await w.start();
  try {
    await fn(join(dir, 'rego'), () => n);
  } finally {
    await w.close();
  }
}

test('policy files are .rego and .json, not editor temporaries', () => {
  assert.ok(isPolicyFile('/p/rego/a.rego'));
  assert.ok(isPolicyFile('/p/rego/data.json'));
  assert.ok(!isPolicyFile('/p/rego/.a.rego.swp'));
  assert.ok(!isPolicyFile('/p/rego/a.rego~'));
  assert.ok(!isPolicyFile('/p/rego/notes.txt'));
});

test('a burst of edits to several files ends in one reload', async () => {
  await withWatcher(async (rego, calls) => {
    for (let i = 0; i < 5; i++) {
      writeFileSync(join(rego, 'a.rego'), `package a\n# ${i}`);
      writeFileSync(join(rego, 'data.json'), `{"i": ${i}}`);
      await sleep(20);
    }
    await sleep(SETTLE_MS);
    assert.equal(calls(), 1);
  });
});

test('write-to-temp-then-rename and delete-then-recreate each end in one reload', async () => {
  await withWatcher(async (rego, calls) => {
    writeFileSync(join(rego, '.a.rego.tmp'), 'package a\n# new');
    renameSync(join(rego, '.a.rego.tmp'), join(rego, 'a.rego'));
    await sleep(SETTLE_MS);
    assert.equal(calls(), 1);
    rmSync(join(rego, 'a.rego'));
    await sleep(30);
    writeFileSync(join(rego, 'a.rego'), 'package a');
    await sleep(SETTLE_MS);
    assert.equal(calls(), 2);
  });
});

test('a watch lost with its directory (moved away, put back) is re-established with back-off, and reloads once', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'dc-watch-'));
  const dir = join(parent, 'policies');
  mkdirSync(join(dir, 'rego'), { recursive: true });
  writeFileSync(join(dir, 'rego', 'a.rego'), 'package a');
  let settled = 0;
  const states: string[] = [];
  const w = new PolicyWatcher(dir, {
    debounceMs: 100,
    retryMs: 100,
    maxRetryMs: 400,
    onSettled: async () => void settled++,
    onStateChange: (s) => states.push(`${s.state}:${s.restarts}`),
  });
  await w.start();
  try {
    assert.equal(w.status().state, 'watching');
    renameSync(dir, `${dir}.away`);
    for (let i = 0; i < 100 && w.status().state !== 'restarting'; i++) await sleep(20);
    assert.equal(w.status().state, 'restarting');
    assert.match(w.status().error ?? '', /disappeared or became unreadable/);
    await sleep(1_000); // several failed attempts while the directory is gone
    assert.equal(w.status().state, 'restarting');
    renameSync(`${dir}.away`, dir);
    for (let i = 0; i < 200 && w.status().state !== 'watching'; i++) await sleep(20);
    assert.deepEqual([w.status().state, w.status().restarts], ['watching', 1]);
    await sleep(SETTLE_MS);
    assert.equal(settled, 1, 'one reload for whatever changed while the watch was down');
    // And the new watch works.
    writeFileSync(join(dir, 'rego', 'a.rego'), 'package a\n# edited');
    for (let i = 0; i < 100 && settled < 2; i++) await sleep(20);
    assert.equal(settled, 2);
    assert.deepEqual(states, ['watching:0', 'restarting:0', 'watching:1']);
  } finally {
    await w.close();
    rmSync(parent, { recursive: true, force: true });
  }
});

test('a directory that cannot be watched at start is retried in the background', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'dc-watch-'));
  const dir = join(parent, 'later');
  const w = new PolicyWatcher(dir, { debounceMs: 100, retryMs: 100, maxRetryMs: 200, onSettled: async () => undefined });
  await w.start();
  try {
    assert.equal(w.status().state, 'restarting');
    assert.match(w.status().error ?? '', /ENOENT/);
    mkdirSync(dir);
    for (let i = 0; i < 200 && w.status().state !== 'watching'; i++) await sleep(20);
    assert.equal(w.status().state, 'watching');
  } finally {
    await w.close();
    rmSync(parent, { recursive: true, force: true });
  }
});
