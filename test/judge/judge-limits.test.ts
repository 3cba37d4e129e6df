/**
 * What a hostile or broken judge can do to the sidecar, against a real
 * loopback server: answer without end (before: 50 MB answers took the process
 * to 750 MB), take a timeout per call (two calls took twice the timeout),
 * redirect the prompt to another host, stall halfway through its body (which
 * was reported as "not JSON").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { VerdictCache } from '../../src/judge/cache.js';
import { JudgeClient } from '../../src/judge/client.js';
import { Inspector } from '../../src/judge/inspect.js';
import { startFakeLlm, type FakeLlm } from '../helpers/fake-llm.js';

const allow = { action: 'allow', severity: 'NONE', reason: '', findings: [] };
const MiB = 1024 * 1024;

async function withLlm(fn: (llm: FakeLlm) => Promise<void>): Promise<void> {
  const llm = await startFakeLlm();
  try {
    await fn(llm);
  } finally {
    await llm.close();
  }
}

test('a 50 MiB answer is abandoned past max_response_bytes, read as a stream', () =>
  withLlm(async (llm) => {
    const client = new JudgeClient({ baseUrl: llm.url, model: 'm', timeoutMs: 30_000, maxResponseBytes: MiB });
    const rssBefore = process.memoryUsage().rss;
    llm.script.push({ bytes: 50 * MiB });
    await assert.rejects(client.judge('pii', 'prompt', 'x'), /judge response too large: more than 1048576 bytes, not read further/);
    const sent = await llm.lastStreamed;
    assert.ok(sent < 16 * MiB, `the judge got to send ${sent} bytes`);
    assert.ok(process.memoryUsage().rss - rssBefore < 100 * MiB, 'memory stays bounded');

    // A declared length beyond the limit is refused before reading anything.
    llm.script.push({ bytes: 50 * MiB, declared: true });
    await assert.rejects(client.judge('pii', 'prompt', 'x'), /judge response too large: 52428800 bytes declared, the limit is 1048576/);
    assert.ok((await llm.lastStreamed) < 16 * MiB);

    // Under the limit: read as usual.
    llm.script.push({ verdict: allow });
    assert.deepEqual(await client.judge('pii', 'prompt', 'x'), allow);
  }));

test('one deadline covers the whole inspection, not each call', () =>
  withLlm(async (llm) => {
    const client = new JudgeClient({ baseUrl: llm.url, model: 'm', timeoutMs: 2_000 });
    // Each answer alone is within the timeout...
    llm.script.push({ verdict: allow, delayMs: 1_500 });
    assert.deepEqual(await client.judge('pii', 'prompt', 'x'), allow);
    // ...two of them (a prompt is judged for injection and pii) are not.
    llm.script.push({ verdict: allow, delayMs: 1_500 }, { verdict: allow, delayMs: 1_500 });
    const started = Date.now();
    const outcome = await new Inspector(client, new VerdictCache()).run({ direction: 'prompt', content: 'hello' });
    const elapsed = Date.now() - started;
    assert.deepEqual(outcome, { consulted: true, failed: true, error: 'judge timed out after 2000 ms waiting for its answer' });
    assert.ok(elapsed < 3_000, `gave up after ${elapsed} ms, not after both answers`);
  }));

test('redirects: never to another origin, within the origin only those that keep the body', async () => {
  const llm = await startFakeLlm();
  const other = await startFakeLlm();
  try {
    const client = new JudgeClient({ baseUrl: llm.url, model: 'm', timeoutMs: 5_000 });
    for (const status of [307, 308, 302] as const) {
      llm.script.push({ redirect: `${other.url}/chat/completions`, status });
      await assert.rejects(client.judge('injection', 'prompt', 'secret prompt'), /judge redirected to another origin \(http:\/\/127\.0\.0\.1:\d+\): not followed/);
    }
    assert.equal(other.requests.length, 0, 'the prompt never reached the other host');

    const origin = new URL(llm.url).origin;
    llm.script.push({ redirect: `${origin}/v2/chat/completions`, status: 307 }, { verdict: allow });
    assert.deepEqual(await client.judge('injection', 'prompt', 'x'), allow);
    assert.deepEqual(
      llm.requests.slice(-2).map((r) => r.path),
      ['/v1/chat/completions', '/v2/chat/completions'],
    );
    llm.script.push({ redirect: '/v2/chat/completions', status: 302 });
    await assert.rejects(client.judge('injection', 'prompt', 'x'), /HTTP 302: a redirect that would drop the request body, not followed/);
  } finally {
    await llm.close();
    await other.close();
  }
});

test('errors say what happened: a stalled body is a timeout, a closed port is unreachable', async () => {
  await withLlm(async (llm) => {
    const client = new JudgeClient({ baseUrl: llm.url, model: 'm', timeoutMs: 500 });
    llm.script.push({ stallBody: true });
    await assert.rejects(client.judge('pii', 'prompt', 'x'), /^JudgeError: judge timed out after 500 ms reading its answer$/);
  });
  const port = await new Promise<number>((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
  const client = new JudgeClient({ baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm', timeoutMs: 2_000 });
  await assert.rejects(client.judge('pii', 'prompt', 'x'), /judge unreachable: .*ECONNREFUSED/);
});
