/**
 * The downloader against a loopback server we control (nginx has no long
 * polling; the nginx end-to-end tests cover the plain protocol).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BundleDownloader, LONG_POLL_CONTENT_TYPE, type PollOutcome, type PollingConfig } from '../../src/bundle/downloader.js';
import { ServiceClient } from '../../src/bundle/service-client.js';
import { backoffMs } from '../../src/bundle/timing.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function server(handler: Handler): Promise<{ url: string; close(): Promise<void> }> {
  const srv: Server = createServer(handler);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

function downloader(url: string, polling: PollingConfig, activate: (raw: Buffer, etag: string) => Promise<boolean>, outcomes: PollOutcome[] = []): { d: BundleDownloader; client: ServiceClient } {
  const client = new ServiceClient({ name: 's', url, headers: { 'x-extra': 'yes' }, responseHeaderTimeoutMs: 5000, allowInsecureTls: false, bearer: { token: 't0k', scheme: 'Bearer' } }, 'test-agent');
  const d = new BundleDownloader({ client, resource: '/bundles/b.tar.gz', polling, sizeLimitBytes: 1 << 20, activate, onOutcome: (o) => outcomes.push(o) });
  return { d, client };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('ETags: If-None-Match carries the activated ETag, a 304 changes nothing, headers and credentials are sent', async () => {
  const seen: Record<string, string | string[] | undefined>[] = [];
  const srv = await server((req, res) => {
    seen.push({ url: req.url, inm: req.headers['if-none-match'], auth: req.headers['authorization'], extra: req.headers['x-extra'], prefer: req.headers['prefer'], ua: req.headers['user-agent'] });
    if (req.headers['if-none-match'] === '"v1"') return res.writeHead(304).end();
    res.writeHead(200, { etag: '"v1"', 'content-type': 'application/gzip' }).end('bundle-bytes');
  });
  const activated: string[] = [];
  const outcomes: PollOutcome[] = [];
  const { d, client } = downloader(srv.url + '/', { minDelaySeconds: 0, maxDelaySeconds: 0 }, async (raw, etag) => (activated.push(`${raw}|${etag}`), true), outcomes);
  try {
    assert.equal((await d.trigger()).kind, 'activated');
    assert.equal((await d.trigger()).kind, 'not_modified');
    assert.deepEqual(activated, ['bundle-bytes|"v1"']);
    assert.equal(seen[0]!.url, '/bundles/b.tar.gz');
    assert.equal(seen[0]!.inm, undefined);
    assert.equal(seen[1]!.inm, '"v1"');
    assert.equal(seen[0]!.auth, 'Bearer t0k');
    assert.equal(seen[0]!.extra, 'yes');
    assert.equal(seen[0]!.prefer, 'modes=snapshot');
    assert.equal(seen[0]!.ua, 'test-agent');
    assert.deepEqual(outcomes.map((o) => o.kind), ['activated', 'not_modified']);
  } finally {
    client.close();
    await srv.close();
  }
});

test('a rejected bundle keeps the last good ETag (it is fetched again); errors back off', async () => {
  const inm: (string | string[] | undefined)[] = [];
  let mode: 'bad' | 'error' = 'bad';
  const srv = await server((req, res) => {
    inm.push(req.headers['if-none-match']);
    if (mode === 'error') return res.writeHead(503).end('down');
    res.writeHead(200, { etag: '"bad"' }).end('x');
  });
  const outcomes: PollOutcome[] = [];
  const { d, client } = downloader(srv.url, { minDelaySeconds: 30, maxDelaySeconds: 30 }, async () => false, outcomes);
  d.etag = '"good"';
  try {
    assert.equal((await d.trigger()).kind, 'rejected');
    assert.equal((await d.trigger()).kind, 'rejected');
    assert.deepEqual(inm, ['"good"', '"good"']);
    mode = 'error';
    const failed = await d.trigger();
    assert.deepEqual(failed, { kind: 'failed', error: 'server replied with Service Unavailable', status: 503 });
    // The loop retries failures after OPA's back-off (100 ms ×1.6...), not after the 30 s polling delay.
    d.start();
    await until(() => outcomes.filter((o) => o.kind === 'failed').length >= 4, 5000);
  } finally {
    await d.stop();
    client.close();
    await srv.close();
  }
  for (let r = 1; r < 20; r++) assert.ok(backoffMs(100, 2000, r) <= 2400);
  assert.equal(backoffMs(100, 2000, 0), 0);
});

test('long polling: Prefer: wait=N, and a server that holds the request delivers a new bundle at once', async () => {
  let revision = 1;
  let waiting: ServerResponse | null = null;
  const prefers: (string | string[] | undefined)[] = [];
  const srv = await server((req, res) => {
    prefers.push(req.headers['prefer']);
    const etag = `"r${revision}"`;
    if (req.headers['if-none-match'] === etag) {
      if (!String(req.headers['prefer']).includes('wait=')) return res.writeHead(304).end();
      waiting = res; // held until publish() or the client gives up
      return;
    }
    res.writeHead(200, { etag, 'content-type': LONG_POLL_CONTENT_TYPE }).end(`bundle ${revision}`);
  });
  const publish = (): void => {
    revision++;
    const w = waiting;
    waiting = null;
    w?.writeHead(200, { etag: `"r${revision}"`, 'content-type': LONG_POLL_CONTENT_TYPE }).end(`bundle ${revision}`);
  };
  const got: string[] = [];
  // Periodic polling would wait 60 s between requests: only long polling can deliver within the test.
  const { d, client } = downloader(srv.url, { minDelaySeconds: 60, maxDelaySeconds: 60, longPollingTimeoutSeconds: 30 }, async (raw) => (got.push(raw.toString()), true));
  try {
    d.start();
    await until(() => got.length === 1 && waiting !== null);
    assert.equal(prefers[0], 'modes=snapshot;wait=30');
    assert.equal(d.longPolling, true);
    const t0 = Date.now();
    publish();
    await until(() => got.length === 2);
    assert.ok(Date.now() - t0 < 5000);
    assert.deepEqual(got, ['bundle 1', 'bundle 2']);
    // A trigger cancels the held request and downloads at once.
    await until(() => waiting !== null);
    assert.equal((await d.trigger()).kind, 'not_modified');
  } finally {
    await d.stop();
    client.close();
    await srv.close();
  }
});

test('a server without long polling gets periodic polling', async () => {
  const srv = await server((req, res) => res.writeHead(200, { etag: '"x"', 'content-type': 'application/gzip' }).end('b'));
  const { d, client } = downloader(srv.url, { minDelaySeconds: 60, maxDelaySeconds: 60, longPollingTimeoutSeconds: 10 }, async () => true);
  try {
    assert.equal(d.longPolling, true);
    await d.trigger();
    assert.equal(d.longPolling, false);
  } finally {
    client.close();
    await srv.close();
  }
});

test('oversized responses and unreachable servers fail cleanly', async () => {
  const srv = await server((req, res) => res.writeHead(200, { etag: '"big"' }).end(Buffer.alloc(2 << 20)));
  const { d, client } = downloader(srv.url, { minDelaySeconds: 1, maxDelaySeconds: 1 }, async () => true);
  try {
    const o = await d.trigger();
    assert.equal(o.kind, 'failed');
    assert.match((o as { error: string }).error, /larger than 1048576 bytes/);
  } finally {
    client.close();
    await srv.close();
  }
  const gone = downloader(srv.url, { minDelaySeconds: 1, maxDelaySeconds: 1 }, async () => true);
  const o = await gone.d.trigger();
  assert.equal(o.kind, 'failed');
  assert.match((o as { error: string }).error, /request to http:\/\/127\.0\.0\.1:\d+\/bundles\/b\.tar\.gz failed: connect ECONNREFUSED/);
  gone.client.close();
});
