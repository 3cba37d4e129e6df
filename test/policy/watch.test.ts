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
