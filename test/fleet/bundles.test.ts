/**
 * End to end against a real nginx: sidecar processes whose policy is a signed
 * bundle served from a temporary folder. Polling is 1-2 s so that the tests
 * stay fast; nginx computes the ETags.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { readTarGz, writeTarGz } from '../../src/bundle/archive.js';
import { signFiles } from '../../src/bundle/signature.js';
import { startNginx, type Nginx } from '../helpers/nginx.js';
import type { SidecarProcess } from '../gateway/helpers/process.js';
import { rawTarGz, rsaKeys } from '../bundle/helpers.js';
import { api, bundleConfig, decide, fleetHome, policyBundle, servingRevision, startFleetSidecar, waitFor, type DecisionSample, type Home } from './helpers.js';

const RESOURCE = 'bundles/dc.tar.gz';
const MAX_DELAY_S = 2;

describe('bundles from nginx', () => {
  const keys = rsaKeys();
  const sign = { algorithm: 'RS256', key: keys.privatePem, keyId: 'release' };
  let nginx: Nginx;
  let home: Home;
  let sidecar: SidecarProcess | null = null;

  before(async () => {
    nginx = await startNginx();
    nginx.publish(RESOURCE, await policyBundle('r1', sign));
    home = fleetHome(bundleConfig({ url: nginx.url, publicPem: keys.publicPem, min: 1, max: MAX_DELAY_S }));
    sidecar = await startFleetSidecar(home);
  });
  after(async () => {
    await sidecar?.stop();
    await nginx?.dispose();
    home?.cleanup();
  });

  test('the sidecar starts, downloads the signed bundle and serves it', async () => {
    assert.match(sidecar!.stdout(), new RegExp(`policy bundle: dc from ${nginx.url}/bundles/dc\\.tar\\.gz`));
    await waitFor('revision r1', async () => (await servingRevision(sidecar!.url)) === 'r1');
    const d = await decide(sidecar!.url);
    assert.deepEqual([d.status, d.header, d.body], [200, 'r1', 'r1']);
    const health = await api(sidecar!.url, 'GET', '/health');
    assert.equal(health.json.status, 'ok');
    assert.equal(health.json.policy.source.type, 'bundle');
    assert.equal(health.json.policy.source.name, 'dc');
    assert.equal(health.json.policy.source.revision, 'r1');
    assert.equal(health.json.policy.source.signed, true);
    assert.match(health.json.policy.source.etag, /^"[0-9a-f]+-[0-9a-f]+"$/);
  });

  test(`a new bundle is served within max_delay_seconds (${MAX_DELAY_S} s); every decision's header matches its policy`, async () => {
    const samples: DecisionSample[] = [];
    let running = true;
    const load = (async () => {
      while (running) samples.push(await decide(sidecar!.url));
    })();
    await new Promise((r) => setTimeout(r, 300));
    const published = Date.now();
    nginx.publish(RESOURCE, await policyBundle('r2', sign));
    const switched = await waitFor('revision r2', async () => samples.find((s) => s.at > published && s.body === 'r2'), 30_000, 20);
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    await load;
    const elapsed = switched.at - published;
    // The poll is at most max_delay away; compile and swap add little. Generous slack for a loaded CI machine.
    assert.ok(elapsed <= MAX_DELAY_S * 1000 + 2500, `switched after ${elapsed} ms`);
    assert.ok(samples.length > 20, `${samples.length} decisions`);
    assert.deepEqual(samples.filter((s) => s.status !== 200), [], 'no failed request');
    assert.deepEqual(samples.filter((s) => s.header !== s.body), [], 'every header names the revision that decided');
    // Once switched, never back.
    const firstR2 = samples.findIndex((s) => s.body === 'r2');
    assert.ok(samples.slice(firstR2).every((s) => s.body === 'r2'));
  });

  test('the activation went through the reload path: audit row, history, metrics', async () => {
    const db = new Database(join(home.home, 'audit.db'), { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare("SELECT target, details FROM audit_events WHERE action = 'policy-reload' ORDER BY timestamp").all() as { target: string; details: string }[];
      const details = rows.map((r) => JSON.parse(r.details) as Record<string, any>);
      const r2 = details.find((d) => d['revision'] === 'r2');
      assert.ok(r2, JSON.stringify(details));
      assert.equal(r2['source'], 'bundle');
      assert.deepEqual(r2['bundle'], { name: 'dc', revision: 'r2' });
      assert.equal(r2['previous_revision'], 'r1');
      assert.deepEqual(r2['diff'].changed, ['.manifest', 'data.json']);
      assert.equal(rows[0]!.target, 'bundle:dc');
    } finally {
      db.close();
    }
    const history = await api(sidecar!.url, 'GET', '/policy/history');
    assert.equal(history.json.current_revision, 'r2');
    assert.equal(history.json.source.type, 'bundle');
    const current = history.json.entries.find((e: { current: boolean }) => e.current);
    assert.equal(current.source, 'bundle');
    assert.deepEqual(current.bundle, { name: 'dc', revision: 'r2' });
    // Unchanged polls carry the ETag and get a 304 from nginx.
    await waitFor('a 304', async () => nginx.accessLog().includes(`GET /${RESOURCE} 304`), 30_000, 100);
    const metrics = await (await fetch(sidecar!.url + '/metrics', { headers: { authorization: `Bearer ${home.env['DEFENSECLAW_GATEWAY_TOKEN']}` } })).text();
    assert.match(metrics, /defenseclaw_policy_reloads_total\{status="success"[^}]*\} [1-9]/);
    assert.match(metrics, /defenseclaw_bundle_downloads_total\{bundle="dc",outcome="not_modified"[^}]*\} [1-9]/);
    assert.match(metrics, /defenseclaw_bundle_downloads_total\{bundle="dc",outcome="activated"[^}]*\} [1-9]/);
  });

  test('bad bundles are rejected whole and r2 keeps serving', async () => {
    const good = await readTarGz(await policyBundle('r3', sign), { sizeLimitBytes: 1 << 20 });
    const signedArchive = async (files: { path: string; content: Buffer }[]) => writeTarGz([...files, { path: '.signatures.json', content: await signFiles(files, sign) }]);
    const tamper = (path: string, edit: (s: string) => string) => good.map((f) => (f.path === path ? { path, content: Buffer.from(edit(f.content.toString())) } : f));
    const cases: [string, Buffer, RegExp][] = [
      ['tampered data', await writeTarGz(tamper('data.json', (s) => s.replace('r3', 'r3-evil'))), /data\.json: digest mismatch/],
      ['unsigned', await policyBundle('r3'), /bundle missing \.signatures\.json/],
      ['file not in the signature', await writeTarGz([...good, { path: 'extra.rego', content: Buffer.from('package extra\n') }]), /file extra\.rego not included in bundle signature/],
      ['signed by another key', await policyBundle('r3', { ...sign, key: (await import('node:crypto')).generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }), /signature verification failed/],
      ['.. in an entry', await rawTarGz([...good.map((f) => ({ name: '/' + f.path, content: f.content })), { name: '../../escape.rego', content: 'package x' }]), /"\.\.\/\.\.\/escape\.rego" refused/],
      ['compile error', await signedArchive([...good.filter((f) => f.path !== '.signatures.json'), { path: 'broken.rego', content: Buffer.from('package broken\n\nx := {\n') }]), /compilation failed: 1 error occurred: broken\.rego:\d+:\d+: rego_parse_error/],
      [
        'package outside the roots',
        await signedArchive([...good.filter((f) => f.path !== '.signatures.json' && f.path !== '.manifest'), { path: '.manifest', content: Buffer.from('{"revision":"r3","roots":["other"]}') }]),
        /manifest roots \[other\] do not permit 'package fleet'/,
      ],
      ['corrupt archive', Buffer.from('this is not a tarball'), /not a gzip archive/],
    ];
    for (const [what, archive, pattern] of cases) {
      nginx.publish(RESOURCE, archive);
      // POST /policy/reload downloads at once and answers with the activation's failure.
      const r = await api(sidecar!.url, 'POST', '/policy/reload');
      assert.ok(r.status === 500 || r.status === 400, `${what}: ${r.status} ${JSON.stringify(r.json)}`);
      assert.match(r.json.error, pattern, what);
      const d = await decide(sidecar!.url);
      assert.deepEqual([d.status, d.header, d.body], [200, 'r2', 'r2'], what);
    }
    const health = await api(sidecar!.url, 'GET', '/health');
    assert.equal(health.json.policy.revision, 'r2');
    assert.match(health.json.policy.source.error, /not a gzip archive/);
    assert.equal(health.json.policy.last_reload.status, 'failed');
    // The previous good one comes back: activated by the periodic poll, no trigger needed.
    nginx.publish(RESOURCE, await policyBundle('r3', sign));
    await waitFor('revision r3', async () => (await decide(sidecar!.url)).body === 'r3', 30_000);
  });

  test('POST /policy/reload downloads now; rollback is the server\'s business (409)', async () => {
    nginx.publish(RESOURCE, await policyBundle('r4', sign));
    const r = await api(sidecar!.url, 'POST', '/policy/reload');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.revision, 'r4');
    assert.equal(r.json.source, 'bundle');
    assert.equal(r.headers.get('x-defenseclaw-policy-revision'), 'r4');
    const again = await api(sidecar!.url, 'POST', '/policy/reload');
    assert.deepEqual([again.status, again.json.unchanged, again.json.revision], [200, true, 'r4']);
    const rollback = await api(sidecar!.url, 'POST', '/policy/rollback', { revision: 'abcd' });
    assert.equal(rollback.status, 409);
    assert.match(rollback.json.error, /comes from bundle "dc".*roll back on the bundle server/);
    const dry = await api(sidecar!.url, 'POST', '/policy/reload?dry_run=true');
    assert.equal(dry.status, 409);
  });

  test('server stopped: the sidecar keeps serving; restarted, it starts from the persisted bundle', async () => {
    await nginx.stop();
    for (let i = 0; i < 5; i++) assert.deepEqual(((d) => [d.status, d.body])(await decide(sidecar!.url)), [200, 'r4']);
    await waitFor('a failed poll', async () => (await api(sidecar!.url, 'GET', '/health')).json.policy.source.error?.includes('ECONNREFUSED'), 30_000, 200);
    assert.equal((await api(sidecar!.url, 'POST', '/policy/reload')).status, 502);
    assert.equal(await sidecar!.stop(), 0);

    sidecar = await startFleetSidecar(home);
    assert.match(sidecar.stdout(), /policy bundle: dc from .* \(revision r4, from the persisted copy\)/);
    const first = await decide(sidecar.url);
    assert.deepEqual([first.status, first.header, first.body], [200, 'r4', 'r4']);
    const health = await api(sidecar.url, 'GET', '/health');
    assert.equal(health.json.policy.source.persisted, true);

    // The server comes back with a new revision: the sidecar follows.
    nginx.publish(RESOURCE, await policyBundle('r5', sign));
    await nginx.restart();
    await waitFor('revision r5', async () => (await decide(sidecar!.url)).body === 'r5', 30_000);
  });
});
