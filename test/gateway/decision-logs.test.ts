import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBuffer } from '../../src/gateway/decision-logs/buffer.js';
import type { DecisionLogsConfig } from '../../src/gateway/decision-logs/config.js';
import { DecisionLogger } from '../../src/gateway/decision-logs/decision-logger.js';
import { applyMask, parseMask } from '../../src/gateway/decision-logs/mask.js';
import { startLogReceiver } from '../helpers/log-receiver.js';

function config(url: string | null, over: Partial<DecisionLogsConfig> = {}): DecisionLogsConfig {
  return {
    service: url === null ? null : { name: 'logs', url, headers: {}, responseHeaderTimeoutMs: 5000, allowInsecureTls: false },
    resource: '/logs',
    console: false,
    minDelaySeconds: 300,
    maxDelaySeconds: 600,
    bufferType: 'size',
    bufferSizeLimitBytes: 1 << 20,
    bufferSizeLimitEvents: 10_000,
    uploadSizeLimitBytes: 32_768,
    mask: [],
    ...over,
  };
}

function counters(): { dropped: Record<string, number>; uploads: Record<string, number>; logged: number; metrics: ConstructorParameters<typeof DecisionLogger>[0]['metrics'] } {
  const c = { dropped: {} as Record<string, number>, uploads: {} as Record<string, number>, logged: 0 };
  return {
    ...c,
    get logged() {
      return c.logged;
    },
    metrics: {
      recordDecisionLogEvent: () => void c.logged++,
      recordDecisionLogDropped: (reason, n) => void (c.dropped[reason] = (c.dropped[reason] ?? 0) + n),
      recordDecisionLogUpload: (status) => void (c.uploads[status] = (c.uploads[status] ?? 0) + 1),
    },
  };
}

test("events in OPA's shape: labels, decision_id, bundles/revision, path, input, result, requested_by, timestamp", async () => {
  const rx = await startLogReceiver();
  const log = new DecisionLogger({ config: config(rx.url), labels: { id: 'sidecar-1', version: '0.1.0', region: 'eu' }, bundleName: 'dc', userAgent: 'ua' });
  try {
    const id = log.log({ path: 'defenseclaw/firewall', input: { destination: 'x', port: 443 }, result: { action: 'deny' }, revision: 'r7', requestedBy: '127.0.0.1:5000', evalNs: 1234.6 });
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.equal(await log.flush(), true);
    assert.equal(rx.events.length, 1);
    const e = rx.events[0]!;
    assert.deepEqual(Object.keys(e), ['labels', 'decision_id', 'bundles', 'path', 'input', 'result', 'requested_by', 'timestamp', 'metrics']);
    assert.deepEqual(e['labels'], { id: 'sidecar-1', version: '0.1.0', region: 'eu' });
    assert.equal(e['decision_id'], id);
    assert.deepEqual(e['bundles'], { dc: { revision: 'r7' } });
    assert.equal(e['path'], 'defenseclaw/firewall');
    assert.deepEqual(e['result'], { action: 'deny' });
    assert.match(e['timestamp'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(e['metrics'], { timer_rego_query_eval_ns: 1235 });
    assert.equal(rx.batches[0]!.path, '/logs');
    assert.equal(rx.batches[0]!.headers['content-encoding'], 'gzip');
    assert.equal(rx.batches[0]!.headers['content-type'], 'application/json');
    // A policy directory has no bundle: the (deprecated) top-level revision says which policy decided.
    const dirLog = new DecisionLogger({ config: config(rx.url), labels: { id: 'x', version: 'v' }, bundleName: null, userAgent: 'ua' });
    dirLog.log({ path: 'p', input: undefined, result: undefined, revision: 'abc' });
    await dirLog.flush();
    assert.equal(rx.events[1]!['revision'], 'abc');
    assert.ok(!('input' in rx.events[1]!) && !('bundles' in rx.events[1]!));
  } finally {
    await log.stop();
    await rx.close();
  }
});

test('masking: pointers erase input fields, upserts replace them, the caller\'s objects are untouched', () => {
  const rules = parseMask(['/input/password', '/input/users/1/ssn', '/input/missing', { op: 'upsert', path: '/input/token', value: '**REDACTED**' }, { op: 'upsert', path: '/result/secret', value: null }], (w) => new Error(w));
  const input = { user: 'bob', password: 'hunter2', token: 'abc', users: [{ ssn: 1 }, { ssn: 2 }] };
  const event: Record<string, unknown> = { input, result: { allow: true } };
  applyMask(event, rules);
  assert.deepEqual(event['input'], { user: 'bob', token: '**REDACTED**', users: [{ ssn: 1 }, {}] });
  assert.deepEqual(event['result'], { allow: true, secret: null });
  assert.deepEqual(event['erased'], ['/input/password', '/input/users/1/ssn']);
  assert.deepEqual(event['masked'], ['/input/token', '/result/secret']);
  assert.deepEqual(input, { user: 'bob', password: 'hunter2', token: 'abc', users: [{ ssn: 1 }, { ssn: 2 }] });
  for (const bad of ['password', '/labels/id', '/input', { op: 'rename', path: '/input/x' }, { op: 'upsert', path: '/input/x' }]) {
    assert.throws(() => parseMask([bad], (w) => new Error(w)), Error, JSON.stringify(bad));
  }
});

test('the buffer drops the oldest events beyond its limit and counts them', () => {
  const drops: [string, number][] = [];
  const b = new EventBuffer({ type: 'size', bytes: 100, events: 0 }, (reason, n) => drops.push([reason, n]));
  for (let i = 0; i < 10; i++) b.push(`{"i":${i},"pad":"xxxxxxxxxxxx"}`); // 28 bytes each
  assert.equal(b.length, 3);
  assert.equal(b.size, 84);
  assert.equal(drops.reduce((n, [, k]) => n + k, 0), 7);
  assert.ok(drops.every(([reason]) => reason === 'buffer_size_limit_bytes_exceeded'));
  assert.deepEqual(b.take(10, 1000).map((e) => JSON.parse(e).i), [7, 8, 9]);
  const byCount = new EventBuffer({ type: 'event', bytes: 0, events: 2 }, (reason, n) => drops.push([reason, n]));
  for (let i = 0; i < 5; i++) byCount.push(`${i}`);
  assert.deepEqual(byCount.take(10, 1000), ['3', '4']);
  assert.deepEqual(drops.at(-1), ['buffer_size_limit_events_exceeded', 1]);
});

test('uploads stay within upload_size_limit_bytes; a failed upload is retried without losing events', async () => {
  const rx = await startLogReceiver();
  const c = counters();
  const log = new DecisionLogger({ config: config(rx.url, { uploadSizeLimitBytes: 2048 }), labels: { id: 'a', version: 'b' }, bundleName: 'dc', userAgent: 'ua', metrics: c.metrics });
  try {
    rx.failing = true;
    for (let i = 0; i < 500; i++) log.log({ path: 'p', input: { i, noise: Math.random().toString(36) }, result: i % 2 === 0, revision: 'r' });
    assert.equal(await log.flush(), false);
    assert.equal(rx.events.length, 0);
    assert.equal(c.uploads['failed'], 1);
    rx.failing = false;
    assert.equal(await log.flush(), true);
    assert.deepEqual(rx.events.map((e) => e['input'].i), [...Array(500).keys()]);
    assert.ok(rx.batches.length > 1, 'several chunks');
    assert.ok(rx.batches.every((b) => b.compressedBytes <= 2048), JSON.stringify(rx.batches.map((b) => b.compressedBytes)));
    assert.equal(c.logged, 500);
    assert.deepEqual(c.dropped, {});
    // An event too large for any chunk is dropped and counted.
    log.log({ path: 'p', input: { blob: Array.from({ length: 4000 }, () => Math.random().toString(36)).join('') }, result: true, revision: 'r' });
    await log.flush();
    assert.equal(c.dropped['upload_size_limit_bytes_exceeded'], 1);
  } finally {
    await log.stop();
    await rx.close();
  }
});

test('console only: no service, events go to the log', async () => {
  const lines: unknown[] = [];
  const log = new DecisionLogger({ config: config(null, { console: true }), labels: { id: 'a', version: 'b' }, bundleName: null, userAgent: 'ua', logger: { info: (o: unknown) => void lines.push(o), warn: () => {}, error: () => {} } });
  log.log({ path: 'p', input: { a: 1 }, result: 2, revision: 'r' });
  await log.stop();
  assert.equal(log.url, null);
  assert.equal((lines[0] as { decision: { input: unknown } }).decision.input instanceof Object, true);
});
