/** The reload path's ordering guarantees, with a scripted engine. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyReloader, type ReloadDeps } from '../../src/gateway/reload.js';
import type { PolicyEngineApi, ReloadOptions, ReloadOutcome, SnapshotInfo } from '../../src/policy/types.js';

function info(revision: string): SnapshotInfo {
  return { revision, fullRevision: revision.padEnd(64, '0'), loadedAt: new Date(), policyDir: '/p', regoDir: '/p', moduleCount: 2, files: [] };
}

/**
 * An engine whose directory holds the scripted revisions in turn: each reload
 * compiles the next one, calls `beforeSwap` like the real engine and swaps
 * only if it did not throw. Each step is logged.
 */
function scriptedEngine(revisions: string[], log: string[], start: string | null = 'a'): PolicyEngineApi {
  let current: SnapshotInfo | null = start === null ? null : info(start);
  return {
    policyDir: '/p',
    current: () => current,
    lastLoadError: () => null,
    reload: async (opts: ReloadOptions = {}): Promise<ReloadOutcome> => {
      log.push(opts.dryRun ? 'dry' : 'compile');
      await new Promise((r) => setTimeout(r, 5));
      const next = info(revisions.shift()!);
      const previous = current;
      if (!opts.dryRun) {
        try {
          await opts.beforeSwap?.(next);
        } catch (err) {
          log.push('no-swap');
          return { ok: false, kind: 'load', message: `policy not applied: ${(err as Error).message}`, errors: [], durationMs: 1 };
        }
        log.push('swap');
        current = next;
      }
      const changed = previous?.fullRevision !== next.fullRevision;
      return { ok: true, changed, dryRun: !!opts.dryRun, revision: next.revision, previousRevision: previous?.revision ?? null, modules: 2, durationMs: 1, snapshot: next, diff: { added: [], removed: [], changed: [] } };
    },
  } as PolicyEngineApi;
}

function deps(engine: PolicyEngineApi, log: string[], history: string[] = []): ReloadDeps {
  return {
    engine,
    audit: { log: (e) => log.push(`audit:${(e.details as { revision: string }).revision}`) },
    metrics: { recordReload: (s) => log.push(`metric:${s}`) },
    events: { emit: (_s, t) => log.push(`event:${t}`) },
    caches: { invalidate: () => log.push('invalidate') },
    history: {
      record: (e: { revision: string; source: string }) => history.push(`${e.source}:${e.revision}`),
      recordAsync: async (e: { revision: string; source: string }) => {
        await new Promise((r) => setTimeout(r, 1));
        history.push(`${e.source}:${e.revision}`);
      },
      limit: 50,
    } as never,
  };
}

test('one compile: the audit row and the history entry are written before the swap', async () => {
  const log: string[] = [];
  const history: string[] = [];
  const r = new PolicyReloader(deps(scriptedEngine(['b'], log), log, history));
  const result = await r.reload('api');
  assert.equal(result.ok && result.body.revision, 'b');
  assert.deepEqual(log, ['compile', 'audit:b', 'swap', 'invalidate', 'metric:success', 'event:completed']);
  assert.deepEqual(history, ['api:b']);
});

test('an audit row that cannot be written: no swap, no history, a 500 naming the audit failure', async () => {
  const log: string[] = [];
  const history: string[] = [];
  const d = deps(scriptedEngine(['b'], log), log, history);
  d.audit = {
    log: () => {
      throw new Error('disk full');
    },
  };
  const result = await new PolicyReloader(d).reload('api');
  assert.equal(result.ok, false);
  assert.deepEqual(!result.ok && [result.httpStatus, result.body.error], [500, 'reload failed: audit record could not be written, policy not applied: disk full']);
  assert.deepEqual(log, ['compile', 'no-swap', 'metric:failed', 'event:failed']);
  assert.deepEqual(history, []);
});

test('an unchanged directory is audited for the API but not recorded in the history; the watcher ignores it', async () => {
  const log: string[] = [];
  const history: string[] = [];
  const r = new PolicyReloader(deps(scriptedEngine(['a', 'a'], log), log, history));
  const api = await r.reload('api');
  assert.equal(api.ok && api.body.unchanged, true);
  assert.deepEqual(log.splice(0), ['compile', 'audit:a', 'swap', 'invalidate', 'metric:success', 'event:completed']);
  const watch = await r.reload('watch');
  assert.equal(watch.ok && watch.body.unchanged, true);
  assert.deepEqual(log, ['compile', 'swap']);
  assert.deepEqual(history, []);
});

test('reloads are serialised: the second starts after the first finished', async () => {
  const log: string[] = [];
  const r = new PolicyReloader(deps(scriptedEngine(['b', 'b'], log), log));
  const [first, second] = await Promise.all([r.reload('api'), r.reload('api')]);
  assert.equal(first.ok && second.ok, true);
  assert.equal(second.ok && second.body.unchanged, true);
  assert.deepEqual(log.filter((l) => l === 'compile' || l === 'swap'), ['compile', 'swap', 'compile', 'swap']);
});

test('dry run: compiles, reports, and applies, audits, counts nothing', async () => {
  const log: string[] = [];
  const r = new PolicyReloader(deps(scriptedEngine(['b'], log), log));
  const dry = await r.dryRun();
  assert.deepEqual(dry.ok && [dry.body.status, dry.body.revision, dry.body.current_revision, dry.body.would_change], ['dry_run', 'b', 'a', true]);
  assert.deepEqual(log, ['dry']);
});

test('an engine that throws is a 500, never an exception', async () => {
  const log: string[] = [];
  const engine = { ...scriptedEngine([], log), reload: async () => { throw new Error('boom'); } } as PolicyEngineApi;
  const result = await new PolicyReloader(deps(engine, log)).reload('api');
  assert.equal(result.ok, false);
  assert.deepEqual(!result.ok && [result.httpStatus, result.body.error], [500, 'reload failed: boom']);
  assert.deepEqual(log, ['metric:failed', 'event:failed']);
});
