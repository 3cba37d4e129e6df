/**
 * Connection limits and timeouts (`gateway.limits`), against the real sidecar
 * process: a flood of idle sockets beyond the connection limit, a request
 * body that trickles in (slow loris), a connection that says nothing, headers
 * too large. The sidecar keeps answering `/health` and says what it shed.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { call, NO_WATCH_CONFIG, tempHome, TOKEN, type TempHome } from './helpers/harness.js';
import { startSidecarProcess, type SidecarProcess } from './helpers/process.js';
import { closed, eventually, openSocket, received } from './helpers/sockets.js';

const MAX_CONNECTIONS = 50;
// The idle timeout is shorter than the request timeout here, so that which one ended a request shows.
const LIMITS = {
  max_connections: MAX_CONNECTIONS,
  headers_timeout_ms: 1_000,
  request_timeout_ms: 4_000,
  idle_timeout_ms: 1_500,
  keep_alive_timeout_ms: 1_000,
  max_header_bytes: 4_096,
};

describe('connection limits and timeouts', () => {
  let t: TempHome;
  let s: SidecarProcess;
  const sockets: Socket[] = [];
  before(async () => {
    t = tempHome({ DEFENSECLAW_GATEWAY_TOKEN: TOKEN });
    const limits = Object.entries(LIMITS).map(([k, v]) => `    ${k}: ${v}\n`).join('');
    writeFileSync(join(t.home, 'config.yaml'), `${NO_WATCH_CONFIG}gateway:\n  limits:\n${limits}`);
    s = await startSidecarProcess(['--port', '0'], t.env);
  });
  after(async () => {
    for (const so of sockets) so.destroy();
    await s?.stop();
    t?.cleanup();
  });
  const health = async () => (await call(s.url, 'GET', '/health')).json;

  test('an idle-socket flood far beyond the limit leaves /health answering', async () => {
    const flood = 6 * MAX_CONNECTIONS;
    for (let i = 0; i < flood; i++) sockets.push(await openSocket(s.port));
    // Each socket beyond the limit displaced the oldest silent one: never more than the limit is held.
    const h = await eventually(health, (x) => x.connections.evicted >= flood - MAX_CONNECTIONS);
    assert.ok(h.connections.open <= MAX_CONNECTIONS, `open ${h.connections.open}`);
    assert.ok(h.connections.evicted >= flood - MAX_CONNECTIONS, `evicted ${h.connections.evicted}`);
    for (let i = 0; i < 5; i++) assert.equal((await call(s.url, 'GET', '/health', { token: false })).status, 200);
    // Decisions and reloads too (no EMFILE).
    assert.equal((await call(s.url, 'POST', '/policy/reload')).status, 200);
    const metrics = (await call(s.url, 'GET', '/metrics')).text;
    assert.match(metrics, /^defenseclaw_gateway_connections_evicted_total(\{[^}]*\})? \d+$/m);
    for (const so of sockets.splice(0)) so.destroy();
  });

  test('a connection that sends nothing is closed by the headers timeout (408)', async () => {
    const so = await openSocket(s.port);
    sockets.push(so);
    const answer = received(so);
    const ms = await closed(so);
    assert.ok(ms < LIMITS.headers_timeout_ms + 10_000, `closed after ${ms} ms`);
    assert.match(answer(), /^HTTP\/1\.1 408 [^]*\r\n\r\n\{"error":"request timeout/);
  });

  test('a body that stops arriving is closed by the idle timeout', async () => {
    const so = await openSocket(s.port);
    sockets.push(so);
    const answer = received(so);
    so.write(
      'POST /policy/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
        `Authorization: Bearer ${TOKEN}\r\nX-DefenseClaw-Client: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`,
    );
    const ms = await closed(so);
    assert.ok(ms < LIMITS.request_timeout_ms + 10_000, `closed after ${ms} ms`);
    // Cut off silently by the idle timeout, before the request timeout's 408.
    assert.equal(answer(), '');
  });

  test('an event stream is exempt from the idle timeout (its own bound applies)', async () => {
    const ctl = new AbortController();
    const res = await fetch(`${s.url}/events`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: ctl.signal });
    const reader = res.body!.getReader();
    await reader.read(); // ": connected"
    const next = reader.read().then(
      (r) => (r.done ? 'ended' : 'data'),
      () => 'error',
    );
    const outcome = await Promise.race([next, sleep(LIMITS.idle_timeout_ms * 2).then(() => 'open')]);
    ctl.abort();
    assert.equal(outcome, 'open');
  });

  test('a slow-loris body is cut off by the request timeout (408), not waited for', async () => {
    const so = await openSocket(s.port);
    sockets.push(so);
    const answer = received(so);
    so.write(
      'POST /policy/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
        `Authorization: Bearer ${TOKEN}\r\nX-DefenseClaw-Client: test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
    );
    // One byte every 300 ms: each inside the idle timeout, the whole (1,000 bytes) far beyond the request timeout.
    const drip = setInterval(() => so.writable && so.write(' '), 300);
    try {
        const ms = await closed(so);
      assert.ok(ms < LIMITS.request_timeout_ms + 10_000, `closed after ${ms} ms`);
      assert.match(answer(), /^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(drip);
    }
  });

  test('headers that never end are cut off by the headers timeout', async () => {
    const so = await openSocket(s.port);
    sockets.push(so);
    const answer = received(so);
    so.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const drip = setInterval(() => so.writable && so.write('X-Slow: 1\r\n'), 200);
    try {
      const ms = await closed(so);
      assert.ok(ms < LIMITS.headers_timeout_ms + 10_000, `closed after ${ms} ms`);
      assert.match(answer(), /^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(drip);
    }
  });

  test('headers beyond max_header_bytes are refused with 431', async () => {
    const r = await fetch(`${s.url}/health`, { headers: { 'x-padding': 'p'.repeat(LIMITS.max_header_bytes * 2) } }).catch((e: Error) => e);
    if (r instanceof Error) assert.fail(`expected a 431 answer, got ${r.message}`);
    assert.equal(r.status, 431);
  });

  test('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const so = await openSocket(s.port);
    sockets.push(so);
    const answer = received(so);
    so.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await eventually(answer, (a) => a.includes('"status"'));
    const ms = await closed(so);
    assert.ok(ms < LIMITS.keep_alive_timeout_ms + 10_000, `closed after ${ms} ms`);
  });

  test('when every connection is busy, new ones are refused until the timeouts free them, and counted', async () => {
    // Each holds a half-sent request: not silent, so not displaced.
    const busy: Socket[] = [];
    for (let i = 0; i < MAX_CONNECTIONS; i++) {
      const so = await openSocket(s.port);
      so.write('GET /health HTTP/1.1\r\n');
      busy.push(so);
    }
    sockets.push(...busy);
    await sleep(200);
    const refused = await openSocket(s.port);
    sockets.push(refused);
    await closed(refused);
    // The headers timeout ends the half-sent requests; then /health answers again.
    await Promise.all(busy.map(closed));
    const h = await health();
    assert.equal(h.status, 'ok');
    assert.ok(h.connections.rejected >= 1, `rejected ${h.connections.rejected}`);
  });
});
