/**
 * What the console stands on, without a browser: the static page and its
 * headers (CSP, nosniff, content types, ETags), which paths are public, the
 * routes it added (`/policy/reloads`, `/policy/history/{revision}`,
 * `/policy/files`) against the real engine, and `defenseclaw-gateway ui`.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import pino from 'pino';
import { startSidecar, type RunningSidecar } from '../../src/gateway/sidecar.js';
import { installErrorHandlers } from '../../src/gateway/http/errors.js';
import { ConsoleAssets } from '../../src/gateway/ui/assets.js';
import { consoleRoutes, CONTENT_SECURITY_POLICY, isConsolePath } from '../../src/gateway/ui/routes.js';
import { consoleUrl, isLoopbackUrl } from '../../src/gateway/ui/link.js';
import { ReloadAttempts } from '../../src/gateway/reload-attempts.js';
import { DOMAINS } from '../../src/gateway/ui/web/examples.js';
import { call, NO_WATCH_CONFIG, tempHome, TOKEN, type TempHome } from './helpers/harness.js';
import { runGateway } from './helpers/process.js';
import { requireBuiltConsole } from '../ui/helpers/browser.js';

describe('console paths', () => {
  test('the page and named assets are public; nothing else under /ui is', () => {
    for (const p of ['/ui', '/ui/', '/ui/assets/main.js', '/ui/assets/uPlot.esm-ABC123.js']) assert.ok(isConsolePath(p), p);
    for (const p of ['/ui/x', '/ui/assets/', '/ui/assets/../package.json', '/ui/assets/..%2Fpackage.json', '/ui/assets/a/b.js', '/ui/assets/.env', '/uix', '/policy/history']) {
      assert.ok(!isConsolePath(p), p);
    }
  });

  test('the link carries the token in the fragment, never the query', () => {
    const url = consoleUrl('http://127.0.0.1:18970', 'a/b+c&d=e');
    assert.equal(url, 'http://127.0.0.1:18970/ui#token=a%2Fb%2Bc%26d%3De');
    assert.equal(new URL(url).search, '');
    assert.ok(isLoopbackUrl(url));
    assert.ok(isLoopbackUrl('http://[::1]:1/ui'));
    assert.ok(!isLoopbackUrl('http://10.0.0.5:1/ui'));
  });
});

describe('reload attempts', () => {
  const failure = { ok: false as const, httpStatus: 400 as const, body: { status: 'failed' as const, error: 'compilation failed', errors: [{ code: 'rego_parse_error' }] } };
  const success = { ok: true as const, httpStatus: 200 as const, body: { status: 'reloaded' as const, policy_dir: '/p', revision: 'r2', previous_revision: 'r1', modules: 1, duration_ms: 1 } };

  test('newest first, bounded, with the failures since the last success', () => {
    const a = new ReloadAttempts(3);
    assert.equal(a.failedSinceSuccess(), 0);
    a.record('api', failure, 1.23456, 'r1');
    assert.equal(a.failedSinceSuccess(), 1);
    a.record('watch', success, 2, 'r2');
    a.record('api', failure, 3, 'r2');
    a.record('api', failure, 4, 'r2');
    const list = a.list();
    assert.equal(list.length, 3);
    assert.deepEqual(list.map((x) => x.status), ['failed', 'failed', 'success']);
    assert.equal(a.failedSinceSuccess(), 2);
    assert.deepEqual(list[0]!.errors, [{ code: 'rego_parse_error' }]);
    assert.equal(list[2]!.previous_revision, 'r1');
    a.record('api', failure, 5, 'r2');
    a.record('api', failure, 5, 'r2');
    assert.equal(a.failedSinceSuccess(), 3, 'all kept attempts failed');
  });
});

describe('serving the console', () => {
  test('unbuilt: a 503 that says how to build it, with the same headers', async () => {
    const app = Fastify();
    installErrorHandlers(app, () => {});
    consoleRoutes(app, new ConsoleAssets(join(tmpdir(), 'no-such-console-build')));
    const r = await app.inject({ method: 'GET', url: '/ui' });
    assert.equal(r.statusCode, 503);
    assert.match(JSON.parse(r.body).error, /npm run build/);
    assert.equal(r.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    await app.close();
  });

  test('only the built files are served, by name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dc-ui-'));
    try {
      writeFileSync(join(dir, 'secret.txt'), 'not an asset');
      const assets = join(dir, 'assets');
      mkdirSync(assets);
      writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
      writeFileSync(join(assets, 'main.js'), 'export {};');
      writeFileSync(join(assets, 'notes.md'), '# not served');
      const app = Fastify();
      installErrorHandlers(app, () => {});
      consoleRoutes(app, new ConsoleAssets(dir));
      assert.equal((await app.inject({ method: 'GET', url: '/ui/assets/main.js' })).headers['content-type'], 'text/javascript; charset=utf-8');
      for (const url of ['/ui/assets/notes.md', '/ui/assets/secret.txt', '/ui/assets/..%2Fsecret.txt', '/ui/assets/index.html']) {
        assert.equal((await app.inject({ method: 'GET', url })).statusCode, 404, url);
      }
      await app.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the console and its routes on the real sidecar', () => {
  let t: TempHome;
  let sidecar: RunningSidecar;
  let url: string;
  let regoDir: string;

  before(async () => {
    requireBuiltConsole();
    t = tempHome({ DEFENSECLAW_GATEWAY_TOKEN: TOKEN });
    writeFileSync(join(t.home, 'config.yaml'), NO_WATCH_CONFIG);
    sidecar = await startSidecar({ env: t.env, port: 0, logger: pino({ level: 'silent' }), print: () => {} });
    url = sidecar.url;
    regoDir = join(t.policyDir, 'rego');
  });

  after(async () => {
    await sidecar?.stop();
    t?.cleanup();
  });

  test('GET /ui needs no token and answers with a strict CSP, nosniff and no inline script', async () => {
    for (const path of ['/ui', '/ui/']) {
      const r = await call(url, 'GET', path, { token: false });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(r.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
      assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'/);
      assert.match(CONTENT_SECURITY_POLICY, /connect-src 'self'/);
      assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|\*/);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(r.headers.get('x-frame-options'), 'DENY');
      assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
      assert.doesNotMatch(r.text, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
      assert.doesNotMatch(r.text, /https?:\/\//, 'nothing from another host');
    }
  });

  test('assets have their content types and ETags; unknown ones are 404; other methods need the token', async () => {
    const page = await call(url, 'GET', '/ui', { token: false });
    const refs = [...page.text.matchAll(/(?:src|href)="(\/ui\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(refs.length >= 3, refs.join(', '));
    const types: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' };
    for (const ref of refs) {
      const r = await call(url, 'GET', ref, { token: false });
      assert.equal(r.status, 200, ref);
      assert.equal(r.headers.get('content-type'), types[ref.split('.').pop()!], ref);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      const etag = r.headers.get('etag')!;
      const again = await fetch(url + ref, { headers: { 'if-none-match': etag } });
      assert.equal(again.status, 304);
    }
    const missing = await call(url, 'GET', '/ui/assets/nope.js', { token: false });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error, 'not found');
    assert.equal((await call(url, 'GET', '/ui/elsewhere', { token: false })).status, 401);
    assert.equal((await call(url, 'POST', '/ui', { token: false })).status, 401);
    assert.equal((await call(url, 'POST', '/ui', {})).status, 405);
  });

  test('the new routes need the token', async () => {
    for (const path of ['/policy/reloads', '/policy/files', '/policy/history/abcd']) {
      assert.equal((await call(url, 'GET', path, { token: false })).status, 401, path);
    }
  });

  test('GET /policy/reloads: every attempt with its errors and location, and the failures since the last success', async () => {
    const file = join(regoDir, 'firewall.rego');
    const original = readFileSync(file, 'utf8');
    const serving = (await call(url, 'GET', '/health')).json.policy.revision;
    let r = await call(url, 'GET', '/policy/reloads');
    assert.deepEqual(r.json, { current_revision: serving, failed_since_success: 0, attempts: [] });

    writeFileSync(file, `${original}\nbroken if {\n`);
    assert.equal((await call(url, 'POST', '/policy/reload')).status, 400);
    r = await call(url, 'GET', '/policy/reloads');
    assert.equal(r.json.failed_since_success, 1);
    const failed = r.json.attempts[0];
    assert.equal(failed.status, 'failed');
    assert.equal(failed.source, 'api');
    assert.equal(failed.revision, serving, 'the previous revision keeps serving');
    assert.ok(failed.duration_ms >= 0);
    assert.match(failed.error, /^compilation failed: /);
    assert.equal(failed.errors[0].code, 'rego_parse_error');
    assert.ok(failed.errors[0].location.file.endsWith('firewall.rego'));
    assert.ok(failed.errors[0].location.row > 0);

    // /policy/files shows the broken file as it is on disk: what the error points into.
    const files = await call(url, 'GET', '/policy/files');
    assert.equal(files.status, 200);
    assert.equal(files.json.files.find((f: { name: string }) => f.name === 'firewall.rego').content, readFileSync(file, 'utf8'));
    assert.match(files.json.full_revision, /^[0-9a-f]{64}$/);

    writeFileSync(file, original);
    assert.equal((await call(url, 'POST', '/policy/reload')).status, 200);
    r = await call(url, 'GET', '/policy/reloads');
    assert.equal(r.json.failed_since_success, 0);
    assert.deepEqual(r.json.attempts.map((a: { status: string }) => a.status), ['success', 'failed']);
    assert.equal(r.json.attempts[0].unchanged, true);
    // The files on disk are the serving revision again.
    assert.equal((await call(url, 'GET', '/policy/files')).json.revision, serving);
  });

  test('GET /policy/history/{revision}: the files of an applied revision', async () => {
    const hist = (await call(url, 'GET', '/policy/history')).json;
    const entry = hist.entries[0];
    const r = await call(url, 'GET', `/policy/history/${entry.revision}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.full_revision, entry.full_revision);
    assert.equal(r.json.applied, true);
    const names = r.json.files.map((f: { name: string }) => f.name);
    assert.ok(names.includes('firewall.rego') && names.includes('data.json'), names.join(', '));
    assert.equal((await call(url, 'GET', `/policy/history/${entry.full_revision}`)).json.revision, entry.revision);

    assert.equal((await call(url, 'GET', '/policy/history/xyz')).status, 400);
    assert.equal((await call(url, 'GET', '/policy/history/abc')).status, 400, 'at least 4 digits');
    const unknown = await call(url, 'GET', '/policy/history/0000000000');
    assert.equal(unknown.status, 404);
    assert.match(unknown.json.error, /unknown revision/);
    assert.equal((await call(url, 'POST', `/policy/history/${entry.revision}`, { body: {} })).status, 405);
  });

  test("Try a decision's examples are decided by the bundled policies, with the revision", async () => {
    const serving = (await call(url, 'GET', '/health')).json.policy.revision;
    for (const [domain, { path, example }] of Object.entries(DOMAINS)) {
      const r = await call(url, 'POST', path, { body: example });
      assert.equal(r.status, 200, `${domain}: ${r.text}`);
      assert.equal(r.headers.get('x-defenseclaw-policy-revision'), serving, domain);
    }
  });

  test('`defenseclaw-gateway ui` prints the signed-in link; refuses a wrong token or no sidecar', async () => {
    const port = String(sidecar.port);
    const ok = await runGateway(['ui', '--port', port], t.env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), `http://127.0.0.1:${port}/ui#token=${TOKEN}`);
    const json = await runGateway(['ui', '--port', port, '--format', 'json'], t.env);
    assert.deepEqual(JSON.parse(json.stdout), { url: `http://127.0.0.1:${port}/ui#token=${TOKEN}`, opened: false });

    const wrong = await runGateway(['ui', '--port', port], { ...t.env, DEFENSECLAW_GATEWAY_TOKEN: 'wrong-token' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /does not accept the configured gateway token/);
    assert.equal(wrong.stdout, '', 'no link is printed');

    const away = await runGateway(['ui', '--port', '1'], t.env);
    assert.equal(away.code, 1);
    assert.match(away.stderr, /cannot reach sidecar/);
  });
});
