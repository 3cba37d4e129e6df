/**
 * Back-pressure on `GET /events`, against the real sidecar process: 200
 * subscribers that never read must not grow its memory without bound (before
 * the fix: 139 MiB → 2.7 GiB after 10 s of events). They are dropped once
 * `events_max_queued_bytes` is queued for them, and counted; a subscriber that
 * reads keeps its stream.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { call, NO_WATCH_CONFIG, tempHome, TOKEN } from './helpers/harness.js';
import { startSidecarProcess } from './helpers/process.js';
import { eventually, openSocket, rssMiB } from './helpers/sockets.js';

const STALLED = 200;
const QUEUE_BYTES = 256 * 1024;

test(`${STALLED} stalled event subscribers: memory stays bounded, they are dropped and counted, a reader is not`, async (t) => {
  const home = tempHome({ DEFENSECLAW_GATEWAY_TOKEN: TOKEN });
  // Every policy event carries the policy directory's path: a long one makes each event ~4 KB.
  let deep = join(home.home, 'p');
  for (let i = 0; i < 14; i++) deep = join(deep, 'd'.repeat(250));
  const policyDir = join(deep, 'policies');
  // Only a module that does not parse: every reload fails fast (little garbage of its own) and publishes
  // a ~4 KB `policy failed` event.
  mkdirSync(join(policyDir, 'rego'), { recursive: true });
  writeFileSync(join(policyDir, 'rego', 'data.json'), '{}');
  writeFileSync(join(policyDir, 'rego', 'zz_broken.rego'), 'package broken\n\nx := {\n');
  writeFileSync(
    join(home.home, 'config.yaml'),
    `${NO_WATCH_CONFIG}policy_dir: ${JSON.stringify(policyDir)}\ngateway:\n  limits:\n    max_connections: 400\n    events_max_clients: 256\n    events_max_queued_bytes: ${QUEUE_BYTES}\n`,
  );
  const s = await startSidecarProcess(['--port', '0'], home.env);
  const pid = s.proc.pid!;
  const sockets: Socket[] = [];
  const reader = new AbortController();
  try {
    const health = async () => (await call(s.url, 'GET', '/health')).json;
    await health();
    const baseline = rssMiB(pid);

    // One subscriber that reads everything.
    const res = await fetch(`${s.url}/events`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: reader.signal });
    assert.equal(res.status, 200);
    let readBytes = 0;
    const reading = (async () => {
      const r = res.body!.getReader();
      for (;;) {
        const { done, value } = await r.read();
        if (done) return;
        readBytes += value.byteLength;
      }
    })().catch(() => undefined);

    // The stalled ones: real sockets that ask for the stream and never read a byte of it.
    for (let i = 0; i < STALLED; i++) {
      const so = await openSocket(s.port);
      so.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
      so.pause();
      sockets.push(so);
    }
    assert.equal((await eventually(health, (h) => h.events.subscribers === STALLED + 1)).events.subscribers, STALLED + 1);

    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 100);
    let reloads = 0;
    let dropped = 0;
    const until = Date.now() + 180_000;
    try {
      while (dropped < STALLED && Date.now() < until) {
        const answers = await Promise.all([1, 2, 3, 4].map(() => call(s.url, 'POST', '/policy/reload')));
        for (const a of answers) assert.equal(a.status, 400, a.text);
        reloads += answers.length;
        if (reloads % 40 === 0) dropped = (await health()).events.dropped;
      }
    } finally {
      clearInterval(sampler);
    }
    const h = await health();
    peak = Math.max(peak, rssMiB(pid));
    const perEvent = readBytes / Math.max(1, reloads);
    t.diagnostic(
      `${reloads} events of ~${Math.round(perEvent)} bytes (${((reloads * perEvent) / 2 ** 20).toFixed(1)} MiB per subscriber); ` +
        `RSS ${baseline.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB; dropped ${h.events.dropped}`,
    );
    assert.equal(h.events.dropped, STALLED, 'every stalled subscriber is dropped');
    assert.equal(h.events.subscribers, 1, 'the reader keeps its stream');
    assert.ok(readBytes > reloads * 1000, `the reader received the events (${readBytes} bytes)`);
    // Without the bound the queues alone would hold (events per subscriber − what the kernel buffers) × 200.
    assert.ok(peak - baseline < 150, `RSS grew by ${(peak - baseline).toFixed(0)} MiB`);
    const metrics = (await call(s.url, 'GET', '/metrics')).text;
    assert.match(metrics, new RegExp(`^defenseclaw_gateway_events_dropped_total(\\{[^}]*\\})? ${STALLED}$`, 'm'));
    // Still serving.
    assert.equal((await call(s.url, 'GET', '/health', { token: false })).status, 200);
    reader.abort();
    await reading;
  } finally {
    reader.abort();
    for (const so of sockets) so.destroy();
    await s.stop();
    home.cleanup();
  }
});
