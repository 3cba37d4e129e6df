/** The policy engine's `beforeSwap` hook (used by the reload path for its audit row and history). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicyEngine } from '../../src/policy/engine.js';
import { compile } from '../../src/rego/index.js';
import { bundledPolicyDir } from '../../src/gateway/home.js';
import type { SnapshotInfo } from '../../src/policy/types.js';

function withPolicies(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dc-swap-'));
    try {
      cpSync(bundledPolicyDir(), dir, { recursive: true });
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function toggleScanOnInstall(dir: string): void {
  const file = join(dir, 'rego', 'data.json');
  const data = JSON.parse(readFileSync(file, 'utf8'));
  data.config.scan_on_install = !data.config.scan_on_install;
  writeFileSync(file, JSON.stringify(data));
}

test('beforeSwap sees the compiled snapshot before it serves; one load per reload', withPolicies(async (dir) => {
  let loads = 0;
  const engine = PolicyEngine.open(dir, { compile, loadDirectory: (d) => (loads++, import('../../src/policy/directory.js').then((m) => m.loadPolicyDirectory(d))) });
  const before = engine.current()!;
  toggleScanOnInstall(dir);
  let seen: SnapshotInfo | null = null;
  let servingDuringHook: string | undefined;
  const outcome = await engine.reload({
    beforeSwap: (next) => {
      seen = next;
      servingDuringHook = engine.current()?.revision;
    },
  });
  assert.equal(outcome.ok, true);
  assert.equal(loads, 1, 'one read and compile');
  assert.equal(servingDuringHook, before.revision, 'the hook runs before the swap');
  assert.equal(seen!.revision, outcome.ok && outcome.revision);
  assert.equal(engine.current()!.revision, seen!.revision);
}));

test('a throwing beforeSwap: nothing swapped, a load failure naming the error', withPolicies(async (dir) => {
  const engine = PolicyEngine.open(dir, { compile });
  const before = engine.current()!.revision;
  toggleScanOnInstall(dir);
  const outcome = await engine.reload({
    beforeSwap: () => {
      throw new Error('audit record could not be written: disk full');
    },
  });
  assert.equal(outcome.ok, false);
  assert.deepEqual(!outcome.ok && [outcome.kind, outcome.message], ['load', 'policy not applied: audit record could not be written: disk full']);
  assert.equal(engine.current()!.revision, before);
  assert.match(engine.lastLoadError() ?? '', /disk full/);
  // Nothing is stuck: the next reload applies.
  const again = await engine.reload();
  assert.equal(again.ok && again.changed, true);
  assert.equal(engine.lastLoadError(), null);
}));

test('dry runs and failed compiles never call beforeSwap; hooked reloads are not coalesced', withPolicies(async (dir) => {
  const engine = PolicyEngine.open(dir, { compile });
  let calls = 0;
  const hook = () => void calls++;
  await engine.reload({ dryRun: true, beforeSwap: hook });
  writeFileSync(join(dir, 'rego', 'zz_broken.rego'), 'package broken\n\nx := {\n');
  assert.equal((await engine.reload({ beforeSwap: hook })).ok, false);
  assert.equal(calls, 0);
  rmSync(join(dir, 'rego', 'zz_broken.rego'));
  const results = await Promise.all([engine.reload({ beforeSwap: hook }), engine.reload({ beforeSwap: hook }), engine.reload({ beforeSwap: hook })]);
  assert.ok(results.every((r) => r.ok));
  assert.equal(calls, 3, 'every hooked caller gets its own hook call');
}));
