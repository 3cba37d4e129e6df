/**
 * 100 reloads alternating two valid revisions and a broken one while clients
 * evaluate without pause: no request fails, and every decision is the one of
 * the revision named in its header (a reload is never observed half-applied).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, NO_WATCH_CONFIG, tempHome, TOKEN } from './helpers/harness.js';
import { startSidecarProcess } from './helpers/process.js';

const ADMISSION = { input: { target_type: 'skill', target_name: 'demo', path: '/tmp/demo' } };
const CLIENTS = 4;

test('100 reloads under evaluation load', { timeout: 300_000 }, async (ctx) => {
  const t = tempHome({ DEFENSECLAW_GATEWAY_TOKEN: TOKEN });
  // Only the API reloads are counted: the directory watcher would add reloads of its own for the same writes.
  mkdirSync(t.home, { recursive: true });
  writeFileSync(join(t.home, 'config.yaml'), NO_WATCH_CONFIG);
  const s = await startSidecarProcess(['--port', '0'], t.env);
  try {
    const dataFile = join(t.policyDir, 'rego', 'data.json');
    const brokenFile = join(t.policyDir, 'rego', 'zz_broken.rego');
    const base = JSON.parse(readFileSync(dataFile, 'utf8'));
    const variants = [true, false].map((scanOnInstall) => JSON.stringify({ ...base, config: { ...base.config, scan_on_install: scanOnInstall } }, null, 2));
    const expectedVerdict = new Map<string, string>();
    expectedVerdict.set((await call(s.url, 'GET', '/health')).json.policy.revision, 'scan');

    let running = true;
    const seen: { revision: string | null; verdict: string; status: number }[] = [];
    const clients = Array.from({ length: CLIENTS }, async () => {
      while (running) {
        const r = await call(s.url, 'POST', '/policy/evaluate', { body: ADMISSION });
        seen.push({ revision: r.headers.get('x-defenseclaw-policy-revision'), verdict: r.json?.data?.verdict, status: r.status });
      }
    });

    const statuses: number[] = [];
    const reloadedRevisions = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const step = i % 3;
      if (step === 1) {
        writeFileSync(brokenFile, 'package broken\n\nx := {\n');
      } else {
        rmSync(brokenFile, { force: true });
        writeFileSync(dataFile, variants[step === 0 ? 1 : 0]!);
      }
      const r = await call(s.url, 'POST', '/policy/reload');
      statuses.push(r.status);
      if (r.status === 200) {
        reloadedRevisions.add(r.json.revision);
        expectedVerdict.set(r.json.revision, step === 0 ? 'allowed' : 'scan');
      }
    }
    running = false;
    await Promise.all(clients);

    assert.deepEqual(statuses, Array.from({ length: 100 }, (_, i) => (i % 3 === 1 ? 400 : 200)));
    assert.equal(reloadedRevisions.size, 2, 'two distinct valid revisions');
    assert.ok(seen.length >= 100, `clients made ${seen.length} requests`);
    ctx.diagnostic(`${seen.length} evaluations during 100 reloads`);
    for (const r of seen) {
      assert.equal(r.status, 200);
      assert.ok(r.revision !== null && expectedVerdict.has(r.revision), `unknown revision ${r.revision}`);
      assert.equal(r.verdict, expectedVerdict.get(r.revision!), `revision ${r.revision}`);
    }
    const metrics = (await call(s.url, 'GET', '/metrics')).text;
    assert.match(metrics, /defenseclaw_policy_reloads_total\{status="success"[^}]*\} 67/);
    assert.match(metrics, /defenseclaw_policy_reloads_total\{status="failed"[^}]*\} 33/);
  } finally {
    await s.stop();
    t.cleanup();
  }
});
