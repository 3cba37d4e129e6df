/**
 * HTTP fuzz: the sidecar in-process, over the real policy engine and the
 * shipped policies, answers malformed requests (invalid JSON, wrong types in
 * every field, huge numbers, deep nesting, oversized bodies, wrong content
 * types, garbage in headers and paths) with JSON `{"error": ...}` and a 4xx, or
 * a 200 where the input is legitimately fine; never a 500, and it stays up.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { startSidecar, type RunningSidecar } from '../../src/gateway/sidecar.js';
import { NO_WATCH_CONFIG, TOKEN, call, tempHome, type CallOptions, type CallResult, type TempHome } from '../gateway/helpers/harness.js';
import { Rng } from './fuzz-lib.js';

const SEED = 0x4774;

let home: TempHome;
let sidecar: RunningSidecar;

before(async () => {
  home = tempHome({ DEFENSECLAW_GATEWAY_TOKEN: TOKEN });
  mkdirSync(home.policyDir, { recursive: true });
  cpSync(new URL('../../policies/rego/', import.meta.url).pathname, join(home.policyDir, 'rego'), { recursive: true });
  writeFileSync(join(home.home, 'config.yaml'), NO_WATCH_CONFIG);
  sidecar = await startSidecar({ env: home.env, port: 0, logger: pino({ level: 'silent' }), print: () => {} });
});

after(async () => {
  await sidecar.stop();
  home.cleanup();
});

const POST_ROUTES = [
  '/policy/evaluate', '/policy/evaluate/firewall', '/policy/evaluate/audit', '/policy/evaluate/skill-actions', '/policy/evaluate/sandbox',
  '/policy/reload', '/policy/rollback', '/enforce/block', '/enforce/allow', '/v1/guardrail/evaluate', '/v1/data', '/v1/data/defenseclaw/admission',
];
const FIELDS = [
  'action', 'content', 'content_length', 'destination', 'direction', 'domain', 'dry_run', 'findings', 'input', 'mode', 'model', 'path', 'port',
  'protocol', 'reason', 'revision', 'scan_result', 'severity', 'target_name', 'target_type', 'tool_name', 'max_severity', 'total_findings',
];

function deep(n: number): string {
  return '['.repeat(n) + ']'.repeat(n);
}

const ODD_VALUES: unknown[] = [
  null, true, 0, -1, 1e308, 2 ** 53 + 1, '', 'x'.repeat(10_000), '\u0000\uFFFF\u{1F600}', [], [1, 'a', null], {}, { a: { b: [] } },
];

/** A well-formed JSON answer: 2xx, or a 4xx/503 carrying `{"error": ...}`; never a 500. */
function assertAnswer(r: CallResult, what: string): void {
  assert.ok(r.status < 500 || r.status === 503, `${what}: status ${r.status}: ${r.text.slice(0, 300)}`);
  if (r.status >= 400) {
    assert.ok(r.json && typeof r.json === 'object' && 'error' in r.json, `${what}: ${r.status} without JSON error: ${r.text.slice(0, 200)}`);
  }
}

async function send(method: string, path: string, opts: CallOptions, what: string): Promise<CallResult> {
  const r = await call(sidecar.url, method, path, opts);
  assertAnswer(r, what);
  return r;
}

async function stillUp(): Promise<void> {
  const r = await call(sidecar.url, 'GET', '/health');
  assert.equal(r.status, 200);
}

test('invalid JSON and non-object bodies on every POST route', async () => {
  const raws = ['{', '{"a":', 'nul', '[1,', '"unterminated', '\u0000', '{"a":1}{"b":2}', '1e999999', '{"__proto__": {"x": 1}}', 'null', '[]', '"s"', '42', deep(50)];
  for (const path of POST_ROUTES) for (const rawBody of raws) await send('POST', path, { rawBody }, `POST ${path} ${rawBody.slice(0, 20)}`);
  await stillUp();
});

test('wrong types in every field of every POST route', async () => {
  const rng = new Rng(SEED);
  for (const path of POST_ROUTES) {
    for (const field of FIELDS) {
      for (let i = 0; i < 3; i++) {
        const body: Record<string, unknown> = { [field]: rng.pick(ODD_VALUES) };
        // Sometimes the other fields too, so the odd one gets past the first check.
        if (rng.chance(0.5)) for (const f of FIELDS) if (f !== field && rng.chance(0.3)) body[f] = rng.pick(ODD_VALUES);
        await send('POST', path, { body }, `POST ${path} ${JSON.stringify(body).slice(0, 120)}`);
      }
    }
  }
  await stillUp();
});

test('huge numbers, deep nesting and large bodies', async () => {
  const bodies = [
    `{"input": ${'9'.repeat(5000)}}`, `{"input": 1e400, "domain": "admission"}`, `{"input": -0, "port": 1e400}`,
    `{"domain": "admission", "input": ${deep(200)}}`, `{"input": ${'{"a":'.repeat(200)}1${'}'.repeat(200)}}`,
    JSON.stringify({ domain: 'admission', input: { target_type: 'skill', target_name: 'x'.repeat(900_000) } }),
  ];
  for (const path of POST_ROUTES) for (const rawBody of bodies) await send('POST', path, { rawBody }, `POST ${path} ${rawBody.slice(0, 40)}`);
  const twoMiB = JSON.stringify({ input: 'x'.repeat(2 * 1024 * 1024) });
  const r = await send('POST', '/policy/evaluate', { rawBody: twoMiB }, '2 MiB body');
  assert.equal(r.status, 413);
  await stillUp();
});

test('a body nested deeper than the limit is a 400 before any policy sees it', async () => {
  const deepBody = `{"domain": "admission", "input": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
  const r = await send('POST', '/policy/evaluate', { rawBody: deepBody }, '100,000 levels');
  assert.equal(r.status, 400);
  assert.match(r.text, /nested deeper than 512 levels/);
  await stillUp();
});

test('wrong content types and garbage headers', async () => {
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/jsonx', '\u00e9']) {
    await send('POST', '/policy/evaluate', { rawBody: '{"domain":"admission","input":{}}', headers: { 'content-type': type } }, `content-type ${type}`).catch((e: unknown) => {
      // fetch refuses some header values itself; that is not the sidecar's answer.
      if (!(e instanceof TypeError)) throw e;
    });
  }
  const oddHeaders: Record<string, string>[] = [{ authorization: 'Bearer \u00ff\u00fe' }, { authorization: 'Basic x' }, { 'x-defenseclaw-client': '\u00e9'.repeat(1000) }, { authorization: `Bearer ${'a'.repeat(10_000)}` }];
  for (const headers of oddHeaders) {
    await send('POST', '/policy/evaluate', { body: { domain: 'admission', input: {} }, headers }, `headers ${Object.keys(headers)}`);
  }
  await stillUp();
});

test('unicode garbage and traversal in paths', async () => {
  const paths = ['/v1/data/%ff%fe', '/v1/data/%00', '/v1/data/' + encodeURIComponent('\u{1F600}'), '/v1/data/../../etc/passwd', '/v1/data/a/%2e%2e/b', '/%', '/v1/data/' + 'a/'.repeat(2000), '/policy/evaluate/%E0%A4%A', '/enforce/blocked?x=%ff'];
  for (const path of paths) {
    await send('GET', path, {}, `GET ${path.slice(0, 60)}`);
    await send('POST', path, { body: { input: {} } }, `POST ${path.slice(0, 60)}`);
  }
  await stillUp();
});

test('a URL that cannot be decoded is a 400 in the sidecar\'s own error shape', async () => {
  const r = await send('GET', '/v1/data/%', {}, 'undecodable URL');
  assert.equal(r.status, 400);
  assert.deepEqual(JSON.parse(r.text), { error: 'invalid URL' });
});
