/**
 * The sidecar's HTTP API in-process, over the fake engine (same contract as
 * the policy engine): security checks, error shapes, routes, reload semantics,
 * metrics, audit rows, lifecycle events.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { inProcessSidecar, writeFakePolicy, TOKEN, type InProcess } from './helpers/harness.js';

const ADMISSION = { input: { target_type: 'skill', target_name: 'demo' } };

describe('security checks', () => {
  let s: InProcess;
  before(async () => (s = await inProcessSidecar()));
  after(async () => s.stop());

  test('GET /health needs no token; everything else does', async () => {
    assert.equal((await s.call('GET', '/health', { token: false })).status, 200);
    for (const [m, p] of [['GET', '/metrics'], ['GET', '/enforce/blocked'], ['POST', '/policy/reload'], ['GET', '/nope']] as const) {
      const r = await s.call(m, p, { token: false });
      assert.equal(r.status, 401, `${m} ${p}`);
      assert.deepEqual(r.json, { error: 'unauthorized' });
      assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    }
    assert.equal((await s.call('GET', '/metrics', { token: 'wrong' })).status, 401);
    assert.equal((await s.call('GET', '/metrics', { token: 'x'.repeat(500) })).status, 401);
  });

  test('the token is accepted as Bearer or X-DefenseClaw-Token', async () => {
    assert.equal((await s.call('GET', '/enforce/blocked', { token: false, headers: { 'x-defenseclaw-token': TOKEN } })).status, 200);
    assert.equal((await s.call('GET', '/enforce/blocked', { token: false, headers: { authorization: `bearer ${TOKEN}` } })).status, 200);
  });

  test('state-changing requests need X-DefenseClaw-Client and a JSON content type, and no cross-site markers', async () => {
    let r = await s.call('POST', '/policy/reload', { headers: { 'x-defenseclaw-client': '' } });
    assert.equal(r.status, 403);
    assert.deepEqual(r.json, { error: 'missing X-DefenseClaw-Client header' });
    r = await s.call('POST', '/policy/reload', { headers: { 'content-type': 'text/plain' }, rawBody: '' });
    assert.equal(r.status, 415);
    assert.deepEqual(r.json, { error: 'Content-Type must be application/json' });
    r = await s.call('POST', '/policy/reload', { headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(r.status, 403);
    assert.deepEqual(r.json, { error: 'cross-site request rejected' });
    r = await s.call('POST', '/policy/reload', { headers: { origin: 'https://evil.example' } });
    assert.equal(r.status, 403);
    r = await s.call('POST', '/policy/reload', { headers: { origin: 'http://localhost:3000', 'sec-fetch-site': 'same-origin' } });
    assert.equal(r.status, 200);
  });

  test('unknown routes are 404 JSON; wrong methods 405 with Allow', async () => {
    let r = await s.call('GET', '/no/such/route');
    assert.equal(r.status, 404);
    assert.deepEqual(r.json, { error: 'not found' });
    r = await s.call('GET', '/policy/reload');
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'POST');
    assert.deepEqual(r.json, { error: 'method not allowed' });
    r = await s.call('PUT', '/enforce/block', { body: {} });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'POST, DELETE');
    r = await s.call('POST', '/health', { body: {} });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'GET');
  });

  test('bodies over 1 MiB are 413; malformed JSON is 400', async () => {
    let r = await s.call('POST', '/policy/evaluate', { rawBody: JSON.stringify({ pad: 'x'.repeat(1024 * 1024) }) });
    assert.equal(r.status, 413);
    assert.ok(typeof r.json.error === 'string');
    r = await s.call('POST', '/policy/evaluate', { rawBody: '{"input":' });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json, { error: 'invalid JSON body' });
  });
});

describe('policy routes', () => {
  let s: InProcess;
  before(async () => (s = await inProcessSidecar({ config: 'guardrail:\n  hilt:\n    enabled: true\n    min_severity: medium\n' })));
  after(async () => s.stop());

  test('admission answers {ok,data} with the revision header', async () => {
    const r = await s.call('POST', '/policy/evaluate', { body: ADMISSION });
    assert.equal(r.status, 200);
    assert.equal(r.json.ok, true);
    assert.equal(r.json.data.verdict, 'allowed');
    assert.equal(r.headers.get('x-defenseclaw-policy-revision'), s.sidecar.context.engine!.current()!.revision);
  });

  test('admission validates as the original', async () => {
    let r = await s.call('POST', '/policy/evaluate', { body: { domain: 'firewall', ...ADMISSION } });
    assert.deepEqual([r.status, r.json], [400, { error: 'unsupported policy domain' }]);
    r = await s.call('POST', '/policy/evaluate', { body: { input: { target_type: 'skill' } } });
    assert.deepEqual([r.status, r.json], [400, { error: 'input.target_type and input.target_name are required' }]);
    r = await s.call('POST', '/policy/evaluate', { body: [1] });
    assert.deepEqual([r.status, r.json], [400, { error: 'invalid JSON body' }]);
  });

  test('block/allow entries live in SQLite and feed admission; callers cannot inject lists', async () => {
    const target = { target_type: 'skill', target_name: 'bad-skill', reason: 'malware' };
    let r = await s.call('POST', '/policy/evaluate', {
      body: { input: { ...target, block_list: [], allow_list: [{ target_type: 'skill', target_name: 'bad-skill' }] } },
    });
    assert.equal(r.json.data.verdict, 'allowed');
    assert.deepEqual((await s.call('POST', '/enforce/block', { body: target })).json, { status: 'blocked' });
    r = await s.call('POST', '/policy/evaluate', { body: { input: { ...target, block_list: [] } } });
    assert.equal(r.json.data.verdict, 'blocked');
    // Case and surrounding blanks do not step around a block entry.
    r = await s.call('POST', '/policy/evaluate', { body: { input: { target_type: ' SKILL', target_name: ' bad-skill ' } } });
    assert.equal(r.json.data.verdict, 'blocked');
    const listed = (await s.call('GET', '/enforce/blocked')).json;
    assert.equal(listed.length, 1);
    assert.equal(listed[0].target_name, 'bad-skill');
    assert.equal(listed[0].reason, 'malware');
    assert.ok(listed[0].id && listed[0].created_at);
    assert.deepEqual((await s.call('DELETE', '/enforce/block', { body: target })).json, { status: 'unblocked' });
    assert.deepEqual((await s.call('GET', '/enforce/blocked')).json, []);
    assert.equal((await s.call('POST', '/policy/evaluate', { body: { input: target } })).json.data.verdict, 'allowed');
    assert.deepEqual((await s.call('POST', '/enforce/allow', { body: target })).json, { status: 'allowed' });
    assert.equal((await s.call('GET', '/enforce/allowed')).json[0].target_name, 'bad-skill');
    r = await s.call('POST', '/enforce/block', { body: { target_type: 'skill' } });
    assert.deepEqual([r.status, r.json], [400, { error: 'target_type and target_name are required' }]);
    r = await s.call('POST', '/enforce/block', { body: { target_type: 'widget', target_name: 'x' } });
    assert.equal(r.status, 400);
    const db = new Database(s.sidecar.config.auditDb, { readonly: true });
    const actions = db.prepare('SELECT action FROM audit_events WHERE action LIKE ? ORDER BY timestamp').all('api-enforce-%') as { action: string }[];
    db.close();
    assert.deepEqual(actions.map((a) => a.action), ['api-enforce-block', 'api-enforce-unblock', 'api-enforce-allow']);
  });

  test('firewall, audit, skill-actions and sandbox answer bare outputs with the revision header', async () => {
    let r = await s.call('POST', '/policy/evaluate/firewall', { body: { destination: 'evil.example', port: 443 } });
    assert.deepEqual([r.status, r.json.action], [200, 'deny']);
    assert.ok(r.headers.get('x-defenseclaw-policy-revision'));
    r = await s.call('POST', '/policy/evaluate/firewall', { body: { port: 443 } });
    assert.deepEqual([r.status, r.json], [400, { error: 'destination is required' }]);
    r = await s.call('POST', '/policy/evaluate/skill-actions', { body: {} });
    assert.deepEqual([r.status, r.json], [400, { error: 'severity is required' }]);
    r = await s.call('POST', '/policy/evaluate/skill-actions', { body: { severity: 'critical' } });
    assert.equal(r.json.should_block, true);
    r = await s.call('POST', '/policy/evaluate/audit', { body: { event_type: 'scan', severity: 'LOW', age_days: 1 } });
    assert.equal(r.json.retain, true);
    r = await s.call('POST', '/policy/evaluate/audit', { body: { age_days: 'old' } });
    assert.deepEqual([r.status, r.json], [400, { error: 'age_days must be a number' }]);
    r = await s.call('POST', '/policy/evaluate/sandbox', { body: { skill_name: 's' } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.denied_from_request, []);
  });

  test('guardrail validates its input and injects hilt from the config, not the caller', async () => {
    const ok = { evaluation_id: 'ev-1', direction: 'Prompt', mode: 'action', hilt: { enabled: false } };
    let r = await s.call('POST', '/v1/guardrail/evaluate', { body: ok });
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.json.reason), { enabled: true, min_severity: 'MEDIUM' });
    for (const [body, error] of [
      [{ direction: 'prompt', mode: 'action' }, 'evaluation_id, direction and mode are required'],
      [{ ...ok, direction: 'sideways' }, 'direction must be prompt or completion'],
      [{ ...ok, mode: 'loud' }, 'mode must be observe or action'],
      [{ ...ok, scanner_mode: 'psychic' }, 'scanner_mode must be local, remote or both'],
      [{ ...ok, content_length: -1 }, 'content_length must be >= 0'],
      [{ ...ok, elapsed_ms: -3 }, 'elapsed_ms must be a finite number >= 0'],
      [{ ...ok, evaluation_id: 'has space' }, 'evaluation_id must be a stable identifier'],
      [{ ...ok, local_result: 'x' }, 'local_result must be an object'],
    ] as const) {
      r = await s.call('POST', '/v1/guardrail/evaluate', { body });
      assert.deepEqual([r.status, r.json], [400, { error }], JSON.stringify(body));
    }
  });

  test('Data API: {result} or {} when undefined, GET and POST', async () => {
    let r = await s.call('POST', '/v1/data/defenseclaw/verdict', { body: { input: {} } });
    assert.deepEqual(r.json, { result: 'allowed' });
    assert.ok(r.headers.get('x-defenseclaw-policy-revision'));
    r = await s.call('POST', '/v1/data/echo', { body: { input: { a: [1, 2] } } });
    assert.deepEqual(r.json, { result: { a: [1, 2] } });
    r = await s.call('GET', '/v1/data/defenseclaw/verdict');
    assert.deepEqual(r.json, { result: 'allowed' });
    r = await s.call('GET', '/v1/data/nothing/here');
    assert.deepEqual([r.status, r.json], [200, {}]);
  });

  test('evaluations are counted on /metrics', async () => {
    const text = (await s.call('GET', '/metrics')).text;
    assert.match(text, /defenseclaw_policy_evaluations_total\{domain="admission",verdict="allowed"[^}]*\} \d+/);
    assert.match(text, /defenseclaw_policy_evaluations_total\{domain="firewall",verdict="deny"[^}]*\} 1/);
    assert.match(text, /defenseclaw_admission_decisions_total\{decision="blocked",source="api",target_type="skill"[^}]*\} 2/);
    assert.match(text, /defenseclaw_policy_latency_count\{domain="admission"[^}]*\} \d+/);
  });
});

describe('POST /policy/reload', () => {
  let s: InProcess;
  before(async () => (s = await inProcessSidecar()));
  after(async () => s.stop());

  function auditRows(): { id: string; timestamp: string; action: string; target: string; actor: string; details: string; severity: string }[] {
    const db = new Database(s.sidecar.config.auditDb, { readonly: true });
    try {
      return db.prepare("SELECT * FROM audit_events WHERE action = 'policy-reload' ORDER BY timestamp").all() as any;
    } finally {
      db.close();
    }
  }

  test('unchanged directory: 200 with unchanged:true', async () => {
    const rev = s.sidecar.context.engine!.current()!.revision;
    const r = await s.call('POST', '/policy/reload');
    assert.equal(r.status, 200);
    assert.equal(r.json.status, 'reloaded');
    assert.equal(r.json.policy_dir, s.policyDir);
    assert.equal(r.json.revision, rev);
    assert.equal(r.json.previous_revision, rev);
    assert.equal(r.json.unchanged, true);
    assert.equal(r.json.modules, 1);
    assert.equal(typeof r.json.duration_ms, 'number');
  });

  test('a new revision is applied, audited, journaled and invalidates caches', async () => {
    const before = s.sidecar.context.engine!.current()!.revision;
    let invalidated = 0;
    const detach = s.sidecar.context.caches.attach({ invalidate: () => invalidated++ });
    writeFakePolicy(s.policyDir, { verdict: 'scan' });
    const r = await s.call('POST', '/policy/reload');
    detach();
    assert.equal(r.status, 200);
    assert.equal(r.json.previous_revision, before);
    assert.notEqual(r.json.revision, before);
    assert.equal(r.json.unchanged, undefined);
    assert.equal(r.headers.get('x-defenseclaw-policy-revision'), r.json.revision);
    assert.equal(invalidated, 1);
    const e = await s.call('POST', '/policy/evaluate', { body: ADMISSION });
    assert.equal(e.json.data.verdict, 'scan');
    assert.equal(e.headers.get('x-defenseclaw-policy-revision'), r.json.revision);

    const row = auditRows().at(-1)!;
    assert.equal(row.target, s.policyDir);
    assert.equal(row.actor, 'defenseclaw');
    assert.equal(row.severity, 'INFO');
    assert.match(row.id, /^[0-9a-f-]{36}$/);
    assert.match(row.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const details = JSON.parse(row.details);
    assert.equal(details.revision, r.json.revision);
    assert.equal(details.previous_revision, before);
    assert.equal(details.source, 'api');

    await s.sidecar.context.events.flush();
    const lines = readFileSync(join(s.home, 'gateway.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const last = lines.filter((l) => l.lifecycle.subsystem === 'policy').at(-1);
    assert.equal(last.lifecycle.transition, 'completed');
    assert.deepEqual(last.lifecycle.details, { policy_dir: s.policyDir, source: 'api', revision: r.json.revision });
    assert.ok(!Number.isNaN(Date.parse(last.timestamp)));
  });

  test('compile error: 400 with file:row:col, errors array; previous policy keeps serving', async () => {
    const serving = s.sidecar.context.engine!.current()!.revision;
    writeFakePolicy(s.policyDir, { compile_error: 'unexpected token' });
    const r = await s.call('POST', '/policy/reload');
    assert.equal(r.status, 400);
    assert.equal(r.json.status, 'failed');
    assert.match(r.json.error, /^compilation failed: .*policy\.rego:3:7: rego_parse_error: unexpected token/);
    assert.deepEqual(r.json.errors, [{ code: 'rego_parse_error', message: 'unexpected token', location: { file: 'policy.rego', row: 3, col: 7 } }]);
    const e = await s.call('POST', '/policy/evaluate', { body: ADMISSION });
    assert.equal(e.json.data.verdict, 'scan');
    assert.equal(e.headers.get('x-defenseclaw-policy-revision'), serving);
  });

  test('load error: 500 reload failed; previous policy keeps serving', async () => {
    const serving = s.sidecar.context.engine!.current()!.revision;
    writeFileSync(join(s.policyDir, 'policy.json'), '{not json');
    const r = await s.call('POST', '/policy/reload');
    assert.equal(r.status, 500);
    assert.equal(r.json.status, 'failed');
    assert.match(r.json.error, /^reload failed: /);
    assert.equal((await s.call('POST', '/policy/evaluate', { body: ADMISSION })).headers.get('x-defenseclaw-policy-revision'), serving);
    const health = (await s.call('GET', '/health')).json;
    assert.equal(health.policy.revision, serving);
    assert.equal(health.policy.last_reload.status, 'failed');
    assert.match(health.policy.last_reload.error, /^reload failed: /);
  });

  test('an audit row that cannot be written means the reload is not applied', async () => {
    const serving = s.sidecar.context.engine!.current()!.revision;
    writeFakePolicy(s.policyDir, { verdict: 'clean' });
    const store = s.sidecar.context.store;
    const original = store.log;
    store.log = () => {
      throw new Error('disk full');
    };
    try {
      const r = await s.call('POST', '/policy/reload');
      assert.equal(r.status, 500);
      assert.match(r.json.error, /audit record could not be written, policy not applied: disk full/);
    } finally {
      store.log = original;
    }
    assert.equal(s.sidecar.context.engine!.current()!.revision, serving);
    const r = await s.call('POST', '/policy/reload');
    assert.equal(r.status, 200);
    assert.notEqual(r.json.revision, serving);
  });

  test('every attempt is counted by status; events reach SSE subscribers', async () => {
    const ctl = new AbortController();
    const res = await fetch(s.sidecar.url + '/events', { headers: { authorization: `Bearer ${TOKEN}` }, signal: ctl.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    writeFakePolicy(s.policyDir, { verdict: 'warning' });
    const reload = await s.call('POST', '/policy/reload');
    let buf = '';
    while (!buf.includes('"transition":"completed"')) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += new TextDecoder().decode(value);
    }
    ctl.abort();
    const data = buf.split('\n').find((l) => l.startsWith('data: ') && l.includes('completed'))!;
    const event = JSON.parse(data.slice(6));
    assert.equal(event.lifecycle.details.revision, reload.json.revision);
    assert.equal((await s.call('GET', '/events', { token: false })).status, 401);

    const text = (await s.call('GET', '/metrics')).text;
    const count = (status: string): number => Number(text.match(new RegExp(`defenseclaw_policy_reloads_total\\{status="${status}"[^}]*\\} (\\d+)`))?.[1] ?? 0);
    assert.equal(count('success'), 4);
    assert.equal(count('failed'), 3);
  });
});

describe('without a loadable policy', () => {
  test('a directory that does not load at start serves fail-closed answers until a reload succeeds', async () => {
    const s = await inProcessSidecar({ policy: { compile_error: 'bad' } });
    try {
      const health = (await s.call('GET', '/health')).json;
      assert.equal(health.status, 'degraded');
      assert.equal(health.policy.revision, null);
      assert.equal(health.policy.error, '1 error occurred');
      let r = await s.call('POST', '/policy/evaluate', { body: ADMISSION });
      assert.equal(r.status, 200);
      assert.equal(r.json.data.verdict, 'rejected');
      r = await s.call('POST', '/policy/evaluate/firewall', { body: { destination: 'x' } });
      assert.equal(r.status, 503);
      r = await s.call('POST', '/v1/guardrail/evaluate', { body: { evaluation_id: 'e', direction: 'prompt', mode: 'action' } });
      assert.deepEqual([r.status, r.json.action, r.json.scanner_sources], [200, 'block', ['policy-outage']]);
      writeFakePolicy(s.policyDir, { verdict: 'allowed' });
      r = await s.call('POST', '/policy/reload');
      assert.equal(r.status, 200);
      assert.equal(r.json.previous_revision, null);
      assert.equal((await s.call('POST', '/policy/evaluate', { body: ADMISSION })).json.data.verdict, 'allowed');
      assert.equal((await s.call('GET', '/health')).json.policy.error, undefined);
    } finally {
      await s.stop();
    }
  });

  test('policy_dir configured empty: reload 503 policy_dir not configured', async () => {
    const s = await inProcessSidecar({ config: 'policy_dir: ""\n' });
    try {
      const r = await s.call('POST', '/policy/reload');
      assert.deepEqual([r.status, r.json], [503, { error: 'policy_dir not configured' }]);
      assert.equal((await s.call('POST', '/policy/evaluate', { body: ADMISSION })).status, 503);
      assert.match((await s.call('GET', '/metrics')).text, /defenseclaw_policy_reloads_total\{status="failed"[^}]*\} 1/);
    } finally {
      await s.stop();
    }
  });

  test('guardrail output outside the vocabulary is 503', async () => {
    const s = await inProcessSidecar({ policy: { verdict: 'invalid' } });
    try {
      const r = await s.call('POST', '/v1/guardrail/evaluate', { body: { evaluation_id: 'e', direction: 'prompt', mode: 'action' } });
      assert.deepEqual([r.status, r.json], [503, { error: 'guardrail output is invalid' }]);
    } finally {
      await s.stop();
    }
  });
});
