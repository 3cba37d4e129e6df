/**
 * End to end: decisions of a real sidecar (policy from nginx) shipped to a
 * loopback decision-log receiver. Below the buffer limit nothing is lost;
 * above it the oldest events are dropped and counted exactly.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startNginx, type Nginx } from '../helpers/nginx.js';
import { startLogReceiver, type LogReceiver } from '../helpers/log-receiver.js';
import type { SidecarProcess } from '../gateway/helpers/process.js';
import { api, bundleConfig, decide, fleetHome, policyBundle, servingRevision, startFleetSidecar, TOKEN, waitFor, type Home } from './helpers.js';

function logsConfig(url: string, reporting: string): string {
  return ['labels: { region: test-lab }', 'decision_logs:', '  service: logs', '  mask: [/input/secret]', `  reporting: { ${reporting} }`, 'services:', '  logs:', `    url: ${url}`].join('\n') + '\n';
}

/** Merges the bundle config's `services:` with the logs service (the YAML keys must be unique). */
function config(nginxUrl: string, rxUrl: string, reporting: string): string {
  const bundles = bundleConfig({ url: nginxUrl, persist: false, min: 1, max: 2 });
  const logs = logsConfig(rxUrl, reporting);
  return bundles.replace('services:\n', `services:\n  logs:\n    url: ${rxUrl}\n`) + logs.slice(0, logs.indexOf('services:'));
}

async function metric(url: string, name: string): Promise<string> {
  const text = await (await fetch(url + '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(name))
    .join('\n');
}

describe('decision logs to a loopback receiver', () => {
  let nginx: Nginx;
  let rx: LogReceiver;
  const homes: Home[] = [];
  const sidecars: SidecarProcess[] = [];

  before(async () => {
    nginx = await startNginx();
    nginx.publish('bundles/dc.tar.gz', await policyBundle('r1'));
    rx = await startLogReceiver();
  });
  after(async () => {
    for (const s of sidecars) await s.stop();
    await nginx?.dispose();
    await rx?.close();
    for (const h of homes) h.cleanup();
  });

  async function sidecar(reporting: string): Promise<{ s: SidecarProcess; h: Home }> {
    const h = fleetHome(config(nginx.url, rx.url, reporting));
    homes.push(h);
    const s = await startFleetSidecar(h);
    sidecars.push(s);
    await waitFor('revision r1', async () => (await servingRevision(s.url)) === 'r1');
    return { s, h };
  }

  test('below the buffer limit every decision arrives, in OPA\'s event format, traceable by decision_id', async () => {
    const { s, h } = await sidecar('min_delay_seconds: 1, max_delay_seconds: 1, buffer_size_limit_bytes: 10485760');
    const ids: string[] = [];
    for (let i = 0; i < 300; i++) {
      const d = await decide(s.url, { x: i % 2, i, secret: `pw-${i}` });
      assert.equal(d.status, 200);
      assert.match(d.decisionId ?? '', /^[0-9a-f-]{36}$/);
      ids.push(d.decisionId!);
    }
    await waitFor('300 events', async () => rx.events.filter((e) => ids.includes(e['decision_id'])).length === 300, 30_000, 100);
    const mine = rx.events.filter((e) => ids.includes(e['decision_id']));
    assert.deepEqual(mine.map((e) => e['decision_id']), ids, 'each decision once, in order');
    const sidecarId = readFileSync(join(h.home, 'sidecar-id'), 'utf8').trim();
    for (const [i, e] of mine.entries()) {
      assert.deepEqual(e['labels'], { region: 'test-lab', id: sidecarId, version: '0.1.0' });
      assert.deepEqual(e['bundles'], { dc: { revision: 'r1' } });
      assert.equal(e['path'], 'fleet/decision');
      assert.deepEqual(e['input'], { x: i % 2, i }, 'the secret was erased before leaving the host');
      assert.deepEqual(e['erased'], ['/input/secret']);
      assert.deepEqual(e['result'], { revision: 'r1', allow: i % 2 === 1 });
      assert.match(e['requested_by'], /^127\.0\.0\.1:\d+$/);
      assert.ok(!Number.isNaN(Date.parse(e['timestamp'])));
    }
    assert.ok(rx.batches.every((b) => b.headers['content-encoding'] === 'gzip' && b.path === '/logs' && b.compressedBytes <= 32768));
    assert.match(await metric(s.url, 'defenseclaw_decision_logs_events_total'), /status="uploaded"[^}]*\} 300/);
    assert.equal(await metric(s.url, 'defenseclaw_decision_logs_dropped_total'), '');
    // The Data API also answers with the decision_id, as OPA does with decision logs on.
    const raw = await api(s.url, 'POST', '/v1/data/fleet/decision', { input: { x: 1 } });
    assert.equal(raw.json.decision_id, raw.headers.get('x-defenseclaw-decision-id'));
  });

  test('above the buffer limit the oldest events are dropped, counted, and the newest delivered', async () => {
    const limit = 20_000;
    const { s } = await sidecar(`min_delay_seconds: 1, max_delay_seconds: 1, buffer_size_limit_bytes: ${limit}`);
    rx.failing = true;
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push((await decide(s.url, { x: 1, i, pad: 'p'.repeat(200) })).decisionId!);
    // An upload attempt fails (the receiver answers 500): the events stay buffered.
    const health = await waitFor('a failed upload', async () => {
      const h = (await api(s.url, 'GET', '/health')).json.decision_logs;
      return h.error !== undefined ? h : undefined;
    }, 30_000, 100);
    assert.match(health.error, /server replied with 500/);
    assert.ok(health.buffered_bytes <= limit, JSON.stringify(health));
    assert.ok(health.dropped > 0, JSON.stringify(health));
    assert.equal(health.buffered_events + health.dropped, 200);
    rx.failing = false;
    await waitFor('the buffer delivered', async () => (await api(s.url, 'GET', '/health')).json.decision_logs.buffered_events === 0, 30_000, 100);
    const after = (await api(s.url, 'GET', '/health')).json.decision_logs;
    const delivered = rx.events.filter((e) => ids.includes(e['decision_id'])).map((e) => e['decision_id']);
    // Exactly the newest ones survive; the drop count is the rest.
    assert.equal(delivered.length + after.dropped, 200);
    assert.deepEqual(delivered, ids.slice(200 - delivered.length));
    // As many as the limit holds: the events are about the same size.
    const size = Buffer.byteLength(JSON.stringify(rx.events.find((e) => e['decision_id'] === delivered[0])));
    assert.ok(Math.abs(delivered.length - Math.floor(limit / size)) <= 3, `${delivered.length} delivered, ~${size} bytes each`);
    assert.match(await metric(s.url, 'defenseclaw_decision_logs_dropped_total'), new RegExp(`reason="buffer_size_limit_bytes_exceeded"[^}]*\\} ${after.dropped}$`));
    assert.match(await metric(s.url, 'defenseclaw_decision_logs_uploads_total'), /status="failed"/);
  });
});
