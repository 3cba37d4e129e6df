/** The reload path's ordering guarantees, with a scripted engine. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyReloader, type ReloadDeps } from '../../src/gateway/reload.js';
import type { PolicyEngineApi, ReloadOutcome, SnapshotInfo } from '../../src/policy/types.js';

function ok(revision: string, previous: string | null, dryRun: boolean): ReloadOutcome {
  const snapshot: SnapshotInfo = { revision, fullRevision: revision.padEnd(64, '0'), loadedAt: new Date(), policyDir: '/p', regoDir: '/p', moduleCount: 2, files: [] };
  return { ok: true, changed: revision !== previous, dryRun, revision, previousRevision: previous, modules: 2, durationMs: 1, snapshot, diff: { added: [], removed: [], changed: [] } };
}

/** An engine whose reloads return the scripted outcomes in order, logging each call. */
function scriptedEngine(outcomes: ReloadOutcome[], log: string[]): PolicyEngineApi {
  return {
    policyDir: '/p',
    current: () => null,
    lastLoadError: () => null,
    reload: async (opts) => {
      log.push(opts?.dryRun ? 'dry' : 'apply');
      await new Promise((r) => setTimeout(r, 5));
      return outcomes.shift()!;
    },
  } as PolicyEngineApi;
}

function deps(engine: PolicyEngineApi, log: string[]): ReloadDeps {
  return {
    engine,
    audit: { log: (e) => log.push(`audit:${(e.details as { revision: string }).revision}`) },
    metrics: { recordReload: (s) => log.push(`metric:${s}`) },
    events: { emit: (_s, t) => log.push(`event:${t}`) },
    caches: { invalidate: () => log.push('invalidate') },
  };
}

test('the audit row is written before the policy is applied', async () => {
  const log: string[] = [];
  const r = new PolicyReloader(deps(scriptedEngine([ok('b', 'a', true), ok('b', 'a', false)], log), log));
  const result = await r.reload('api');
  assert.equal(result.ok, true);
  assert.deepEqual(log, ['dry', 'audit:b', 'apply', 'invalidate', 'metric:success', 'event:completed']);
});

test('a directory that changed between dry run and apply gets an audit row for what was applied', async () => {
  const log: string[] = [];
  const r = new PolicyReloader(deps(scriptedEngine([ok('b', 'a', true), ok('c', 'a', false)], log), log));
  const result = await r.reload('watch');
  assert.equal(result.ok && result.body.revision, 'c');
  assert.deepEqual(log.slice(0, 4), ['dry', 'audit:b', 'apply', 'audit:c']);
});

test('reloads are serialised: the second starts after the first finished', async () => {
  const log: string[] = [];
  const engine = scriptedEngine([ok('b', 'a', true), ok('b', 'a', false), ok('b', 'b', true)], log);
  const r = new PolicyReloader(deps(engine, log));
  const [first, second] = await Promise.all([r.reload('api'), r.reload('api')]);
  assert.equal(first.ok && second.ok, true);
  assert.equal(second.ok && second.body.unchanged, true);
  assert.deepEqual(log.filter((l) => l === 'dry' || l === 'apply'), ['dry', 'apply', 'dry']);
});

test('an engine that throws is a 500, never an exception', async () => {
  const log: string[] = [];
  const engine = { ...scriptedEngine([], log), reload: async () => { throw new Error('boom'); } } as PolicyEngineApi;
  const result = await new PolicyReloader(deps(engine, log)).reload('api');
  assert.equal(result.ok, false);
  assert.deepEqual(!result.ok && [result.httpStatus, result.body.error], [500, 'reload failed: boom']);
  assert.deepEqual(log, ['metric:failed', 'event:failed']);
});
