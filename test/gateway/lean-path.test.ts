/**
 * The lean decision path (`src/gateway/http/lean.ts`) answers exactly as
 * fastify does. Two sidecars over the same fake policy, one with the lean path
 * and one without (`leanPath: false`: every request through fastify), get the
 * same raw HTTP requests; status, headers (all but `Date`; the decision id by
 * its shape) and body must be the same, for successes (sync and promised
 * decisions) and for every class of error, and a decision in flight when the
 * server closes is answered on both. A unit test of `leanDecisions`
 * shows which requests it answers itself and which it hands to fastify.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PolicyInputError, PolicyUnavailableError, type PolicyEngineApi } from '../../src/policy/types.js';
import { leanDecisions } from '../../src/gateway/http/lean.js';
import { HttpError } from '../../src/gateway/http/errors.js';
import { requestChecker } from '../../src/gateway/http/security.js';
import { FakeEngine } from './helpers/fake-engine.js';
import { inProcessSidecar, TOKEN, type InProcess } from './helpers/harness.js';
import { openSocket } from './helpers/sockets.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** How the engine answers a decision (the same for both sidecars). */
type Mode = 'sync' | 'promise' | 'gated' | 'rejects' | 'throws' | 'unavailable' | 'bad-input' | 'invalid-output';
let mode: Mode = 'sync';
/** In mode `gated`: called when a decision starts; the decision waits for `openGate`. */
let onDecision = (): void => {};
let openGate = (): void => {};

const DECISIONS = new Set(['admission', 'guardrail', 'firewall', 'audit', 'skillActions', 'sandbox']);

/** The fake engine, its decisions answered per `mode`. */
function modal(engine: FakeEngine): PolicyEngineApi {
  return new Proxy(engine, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== 'string' || !DECISIONS.has(prop) || typeof value !== 'function') return value;
      return (input: unknown) => {
        const decide = (): unknown => (value as (i: unknown) => unknown).call(target, input);
        switch (mode) {
          case 'sync':
            return decide();
          case 'promise':
            return new Promise((resolve) => setTimeout(() => resolve(decide()), 2));
          case 'gated':
            return new Promise((resolve) => {
              openGate = () => resolve(decide());
              onDecision();
            });
          case 'rejects':
            return Promise.reject(new Error('worker crashed'));
          case 'throws':
            throw new Error('engine bug');
          case 'unavailable':
            throw new PolicyUnavailableError('no policy loaded');
          case 'bad-input':
            throw new PolicyInputError('input.x must be a string');
          case 'invalid-output': {
            const d = decide() as { revision: string; output: Record<string, unknown> };
            return { ...d, output: { ...d.output, action: 'explode', severity: 'SOMEWHAT' } };
          }
        }
      };
    },
  });
}

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request on a fresh connection, as raw bytes; the answer as the server wrote it (`head`: no body follows). */
async function raw(port: number, request: string | Buffer, head = false): Promise<RawAnswer> {
  const s = await openSocket(port);
  let data = Buffer.alloc(0);
  const answer = await new Promise<RawAnswer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no complete answer; got ${JSON.stringify(data.toString('latin1'))}`)), 20_000);
    const tryParse = (final: boolean): void => {
      const text = data.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      const body = data.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'));
      const length = headers['content-length'] === undefined ? null : Number(headers['content-length']);
      if (head || (length !== null && body.length >= length) || final) {
        clearTimeout(timer);
        resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: body.toString('utf8') });
      }
    };
    s.on('data', (d: Buffer) => {
      data = Buffer.concat([data, d]);
      tryParse(false);
    });
    s.on('close', () => tryParse(true));
    s.write(request);
  });
  s.destroy();
  return answer;
}

interface Req {
  method?: string;
  path?: string;
  headers?: Record<string, string | null>;
  body?: string;
  /** Send the body chunked (no Content-Length). */
  chunked?: boolean;
}

function requestText(r: Req): Buffer {
  const body = Buffer.from(r.body ?? '', 'utf8');
  const headers: Record<string, string | null> = {
    host: '127.0.0.1',
    authorization: `Bearer ${TOKEN}`,
    'x-defenseclaw-client': 'test',
    'content-type': 'application/json',
    ...(r.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(body.length) }),
    ...r.headers,
  };
  const head = `${r.method ?? 'POST'} ${r.path ?? '/policy/evaluate'} HTTP/1.1\r\n` + Object.entries(headers).flatMap(([k, v]) => (v === null ? [] : [`${k}: ${v}\r\n`])).join('') + '\r\n';
  const payload = r.chunked ? Buffer.concat([Buffer.from(body.length.toString(16) + '\r\n'), body, Buffer.from('\r\n0\r\n\r\n')]) : body;
  return Buffer.concat([Buffer.from(head, 'latin1'), payload]);
}

/** What must match: everything but the Date, and the decision id only by its shape. */
function comparable(a: RawAnswer): RawAnswer {
  const headers = { ...a.headers };
  delete headers['date'];
  if (headers['x-defenseclaw-decision-id'] !== undefined) {
    assert.match(headers['x-defenseclaw-decision-id'], /^[0-9a-f-]{36}$/);
    headers['x-defenseclaw-decision-id'] = '<uuid>';
  }
  return { ...a, headers };
}

const ADMISSION = JSON.stringify({ input: { target_type: 'skill', target_name: 'web-search', path: '/skills/web-search', severity: 'LOW' } });
const GUARDRAIL = JSON.stringify({ evaluation_id: 'ev-1', direction: 'prompt', mode: 'action', scanner_mode: 'local', model: 'gpt-4o', content_length: 5 });

describe('the lean decision path answers as fastify does', () => {
  let lean: InProcess;
  let plain: InProcess;
  const config = 'decision_logs:\n  console: true\ngateway:\n  limits:\n    max_body_bytes: 2048\n';

  before(async () => {
    lean = await inProcessSidecar({ config, engine: modal });
    plain = await inProcessSidecar({ config, engine: modal, leanPath: false });
  });
  after(async () => {
    await lean?.stop();
    await plain?.stop();
  });

  async function same(name: string, r: Req): Promise<RawAnswer> {
    const text = requestText(r);
    const a = comparable(await raw(lean.sidecar.port, text, r.method === 'HEAD'));
    const b = comparable(await raw(plain.sidecar.port, text, r.method === 'HEAD'));
    assert.deepEqual(a, b, `${name}: lean path and fastify differ`);
    return a;
  }

  test('decisions, answered now and answered later (a promise: the evaluation pool)', async () => {
    for (const m of ['sync', 'promise'] as const) {
      mode = m;
      const ok = await same(`admission (${m})`, { body: ADMISSION });
      assert.equal(ok.status, 200);
      assert.equal(JSON.parse(ok.body).data.verdict, 'allowed');
      assert.equal(ok.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(ok.headers['x-defenseclaw-decision-id'], '<uuid>');
      assert.match(ok.headers['x-defenseclaw-policy-revision'] ?? '', /^[0-9a-f]{12}$/);
      assert.equal(ok.headers['connection'], 'keep-alive');
      const named = JSON.stringify({ domain: 'admission', input: { target_type: 'MCP', target_name: ' srv ', scan_result: { max_severity: 'HIGH', total_findings: 2 } } });
      assert.equal((await same(`admission, domain named (${m})`, { body: named })).status, 200);
      const g = await same(`guardrail (${m})`, { path: '/v1/guardrail/evaluate', body: GUARDRAIL });
      assert.deepEqual([g.status, JSON.parse(g.body).action], [200, 'allow']);
      assert.equal((await same(`firewall (${m})`, { path: '/policy/evaluate/firewall', body: JSON.stringify({ destination: 'evil.example', port: 443 }) })).status, 200);
      assert.equal((await same(`audit (${m})`, { path: '/policy/evaluate/audit', body: JSON.stringify({ age_days: 3 }) })).status, 200);
      assert.equal((await same(`skill-actions (${m})`, { path: '/policy/evaluate/skill-actions', body: JSON.stringify({ severity: 'CRITICAL' }) })).status, 200);
      assert.equal((await same(`sandbox (${m})`, { path: '/policy/evaluate/sandbox', body: '{}' })).status, 200);
      assert.equal((await same(`chunked body (${m})`, { body: ADMISSION, chunked: true })).status, 200);
      assert.equal((await same(`charset in Content-Type (${m})`, { body: ADMISSION, headers: { 'content-type': 'application/json; charset=utf-8' } })).status, 200);
      assert.equal((await same(`X-DefenseClaw-Token (${m})`, { body: ADMISSION, headers: { authorization: null, 'x-defenseclaw-token': TOKEN } })).status, 200);
    }
    mode = 'sync';
  });

  test('refused by the security checks: 401, 403, 415', async () => {
    const cases: [string, Req, number][] = [
      ['no token', { body: ADMISSION, headers: { authorization: null } }, 401],
      ['wrong token', { body: ADMISSION, headers: { authorization: 'Bearer nope' } }, 401],
      ['no client header', { body: ADMISSION, headers: { 'x-defenseclaw-client': null } }, 403],
      ['cross-site', { body: ADMISSION, headers: { 'sec-fetch-site': 'cross-site' } }, 403],
      ['foreign origin', { body: ADMISSION, headers: { origin: 'https://evil.example' } }, 403],
      ['text/plain', { body: ADMISSION, headers: { 'content-type': 'text/plain' } }, 415],
      ['no Content-Type', { body: ADMISSION, headers: { 'content-type': null } }, 415],
    ];
    for (const [name, r, status] of cases) {
      const a = await same(name, r);
      assert.equal(a.status, status, name);
      assert.equal(typeof JSON.parse(a.body).error, 'string', name);
    }
  });

  test('bodies refused: too large (413), malformed, too deep, beyond float64, not an object (400)', async () => {
    const big = JSON.stringify({ input: { target_type: 'skill', target_name: 'x'.repeat(5000) } });
    const cases: [string, Req, number, string][] = [
      ['too large, by Content-Length', { body: big }, 413, 'request body too large'],
      ['too large, chunked', { body: big, chunked: true }, 413, 'request body too large'],
      ['invalid JSON', { body: '{"input": ' }, 400, 'invalid JSON body'],
      ['too deep', { body: '['.repeat(600) + ']'.repeat(600) }, 400, 'JSON body nested deeper than 512 levels'],
      ['beyond float64', { body: '{"input": {"target_type": "skill", "target_name": "x", "n": 1e400}}' }, 400, ''],
      ['empty body', { body: '' }, 400, ''],
      ['an array', { body: '[]' }, 400, ''],
    ];
    for (const [name, r, status, message] of cases) {
      const a = await same(name, r);
      assert.equal(a.status, status, name);
      assert.equal(a.headers['connection'], status === 413 || name === 'invalid JSON' || name === 'too deep' || name === 'beyond float64' ? 'close' : 'keep-alive', name);
      if (message) assert.equal(JSON.parse(a.body).error, message, name);
    }
  });

  test('the routes refuse their input (400), and failures of the engine (400, 500, 503)', async () => {
    const cases: [string, Req, number][] = [
      ['unsupported domain', { body: JSON.stringify({ domain: 'firewall', input: {} }) }, 400],
      ['admission without a target', { body: JSON.stringify({ input: { target_type: 'skill' } }) }, 400],
      ['firewall without destination', { path: '/policy/evaluate/firewall', body: '{}' }, 400],
      ['skill-actions without severity', { path: '/policy/evaluate/skill-actions', body: '{}' }, 400],
      ['guardrail without direction', { path: '/v1/guardrail/evaluate', body: '{"evaluation_id": "ev-1"}' }, 400],
    ];
    for (const [name, r, status] of cases) assert.equal((await same(name, r)).status, status, name);
    const engineCases: [Mode, number][] = [
      ['bad-input', 400],
      ['throws', 500],
      ['rejects', 500],
      ['unavailable', 503],
    ];
    for (const [m, status] of engineCases) {
      mode = m;
      for (const path of ['/policy/evaluate/firewall', '/v1/guardrail/evaluate']) {
        const body = path === '/v1/guardrail/evaluate' ? GUARDRAIL : JSON.stringify({ destination: 'a.example' });
        const a = await same(`${m} ${path}`, { path, body });
        assert.equal(a.status, status, `${m} ${path}`);
        if (status === 500) assert.equal(JSON.parse(a.body).error, 'internal error');
      }
    }
    mode = 'invalid-output';
    const a = await same('invalid guardrail output', { path: '/v1/guardrail/evaluate', body: GUARDRAIL });
    assert.deepEqual([a.status, JSON.parse(a.body).error], [503, 'guardrail output is invalid']);
    mode = 'sync';
  });

  test('what the lean path leaves to fastify: other methods, query strings, other paths', async () => {
    assert.equal((await same('GET', { method: 'GET', body: '' })).status, 405);
    assert.equal((await same('query string', { path: '/policy/evaluate?x=1', body: ADMISSION })).status, 200);
    assert.equal((await same('trailing slash', { path: '/policy/evaluate/', body: ADMISSION })).status, 404);
    assert.equal((await same('HEAD', { method: 'HEAD', path: '/v1/guardrail/evaluate', body: '' })).status, 405);
  });

  test('both logged the same decisions and counted the same evaluations', async () => {
    const logged = async (s: InProcess): Promise<number> => (await s.call('GET', '/health')).json.decision_logs.logged;
    assert.ok((await logged(lean)) > 20);
    assert.equal(await logged(lean), await logged(plain));
    const evaluations = async (s: InProcess): Promise<string[]> =>
      (await s.call('GET', '/metrics')).text
        .split('\n')
        .filter((l) => /^defenseclaw_(policy_evaluations|admission_decisions|policy_latency_count)/.test(l))
        .sort();
    const counted = await evaluations(lean);
    assert.ok(counted.some((l) => l.includes('verdict="error"')), counted.join('\n'));
    assert.deepEqual(counted, await evaluations(plain));
  });
});

test('graceful close: a decision in flight is answered before the server stops, on both paths', async () => {
  const answers: RawAnswer[] = [];
  for (const leanPath of [true, false]) {
    const s = await inProcessSidecar({ engine: modal, leanPath });
    try {
      mode = 'gated';
      const entered = new Promise<void>((resolve) => (onDecision = resolve));
      const pending = raw(s.sidecar.port, requestText({ body: ADMISSION }));
      await entered;
      let stopped = false;
      const stopping = s.sidecar.stop().then(() => (stopped = true));
      await sleep(200);
      assert.equal(stopped, false, 'the server stopped with a decision in flight');
      openGate();
      answers.push(comparable(await pending));
      await stopping;
    } finally {
      mode = 'sync';
      await s.stop();
    }
  }
  assert.equal(answers[0]!.status, 200);
  assert.deepEqual(answers[0], answers[1]);
});

describe('leanDecisions: what it answers itself', () => {
  test('decision routes that pass the checks are answered without fastify; the rest reach it untouched', async () => {
    const fellBack: string[] = [];
    const handler = leanDecisions(
      {
        routes: {
          '/d': (body, _req, reply) => {
            reply.header('X-Seen', 'yes');
            if ((body as { fail?: boolean }).fail) throw new HttpError(409, 'conflict', { 'retry-after': '1' });
            return { echo: body };
          },
        },
        check: requestChecker(TOKEN),
        bodyLimit: 64,
        closing: () => closing,
        onInternal: () => {},
      },
      (req: IncomingMessage, res: ServerResponse) => {
        fellBack.push(`${req.method} ${req.url}`);
        res.writeHead(599, { 'content-length': '0' }).end();
      },
    );
    let closing = false;
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const ok = await raw(port, requestText({ path: '/d', body: '{"a":1}' }));
      assert.deepEqual([ok.status, ok.body, ok.headers['x-seen']], [200, '{"echo":{"a":1}}', 'yes']);
      const refused = await raw(port, requestText({ path: '/d', body: '{"fail":true}' }));
      assert.deepEqual([refused.status, refused.body, refused.headers['retry-after'], refused.headers['x-seen']], [409, '{"error":"conflict"}', '1', 'yes']);
      assert.equal((await raw(port, requestText({ path: '/d', body: '{"a":"' + 'x'.repeat(100) + '"}' }))).status, 413);
      assert.equal((await raw(port, requestText({ path: '/d', body: '{' }))).status, 400);
      assert.deepEqual(fellBack, []);

      await raw(port, requestText({ path: '/d', body: '{}', headers: { authorization: null } }));
      await raw(port, requestText({ path: '/d', body: '{}', headers: { 'content-type': 'text/plain' } }));
      await raw(port, requestText({ path: '/d?q=1', body: '{}' }));
      await raw(port, requestText({ path: '/other', body: '{}' }));
      await raw(port, requestText({ method: 'PUT', path: '/d', body: '{}' }));
      closing = true;
      await raw(port, requestText({ path: '/d', body: '{}' }));
      assert.deepEqual(fellBack, ['POST /d', 'POST /d', 'POST /d?q=1', 'POST /other', 'PUT /d', 'POST /d']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
