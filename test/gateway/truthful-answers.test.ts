/**
 * The sidecar tells the truth, in process with the real policy engine over the
 * bundled policies: `/health` keeps paths and error texts for token holders; a
 * Content-Type is a media type, not a substring; numbers beyond float64 are
 * refused rather than answered as `Infinity`; a policy set without a domain
 * says so and that domain answers its fail-closed default; repeated reloads of
 * an unchanged directory are audited once and counted.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { startSidecar, type RunningSidecar } from '../../src/gateway/sidecar.js';
import { isJsonMediaType } from '../../src/gateway/http/security.js';
import { call, NO_WATCH_CONFIG, tempHome, TOKEN, type CallOptions, type TempHome } from './helpers/harness.js';

describe('truthful answers (real engine, bundled policies)', () => {
  let t: TempHome;
  let s: RunningSidecar;
  before(async () => {
    t = tempHome({ DEFENSECLAW_GATEWAY_TOKEN: TOKEN });
    writeFileSync(join(t.home, 'config.yaml'), NO_WATCH_CONFIG);
    s = await startSidecar({ env: t.env, port: 0, logger: pino({ level: 'silent' }), print: () => {} });
  });
  after(async () => {
    await s?.stop();
    t?.cleanup();
  });
  const api = (method: string, path: string, opts: CallOptions = {}) => call(s.url, method, path, opts);

  test('GET /health without a token: states only; with the token: paths and error texts too', async () => {
    writeFileSync(join(t.policyDir, 'rego', 'zz_broken.rego'), 'package broken\n\nx := {\n');
    assert.equal((await api('POST', '/policy/reload')).status, 400);
    rmSync(join(t.policyDir, 'rego', 'zz_broken.rego'));
    const pub = await api('GET', '/health', { token: false });
    assert.equal(pub.status, 200);
    assert.ok(!pub.text.includes(t.home), pub.text);
    assert.ok(!pub.text.includes('zz_broken'), pub.text);
    assert.deepEqual(Object.keys(pub.json.policy.last_reload).sort(), ['at', 'source', 'status']);
    assert.equal(pub.json.policy.last_reload.status, 'failed');
    const full = await api('GET', '/health');
    assert.equal(full.json.policy.policy_dir, t.policyDir);
    assert.match(full.json.policy.last_reload.error, /zz_broken\.rego:\d+:\d+/);
  });

  test('Content-Type is parsed as a media type', async () => {
    const body = { input: { target_type: 'skill', target_name: 'x' } };
    for (const ct of ['text/plain; charset=application/json', 'application/json-patch+json', 'text/plain', 'application/jsonx', 'multipart/form-data; boundary=application/json']) {
      const r = await api('POST', '/policy/evaluate', { body, headers: { 'content-type': ct } });
      assert.deepEqual([r.status, r.json.error], [415, 'Content-Type must be application/json'], ct);
    }
    for (const ct of ['application/json', 'Application/JSON', 'application/json; charset=utf-8', ' application/json ;charset=UTF-8']) {
      assert.equal((await api('POST', '/policy/evaluate', { body, headers: { 'content-type': ct } })).status, 200, ct);
    }
    assert.equal(isJsonMediaType(undefined), false);
    assert.equal(isJsonMediaType('application/json\t;x=y'), true);
  });

  test('numbers beyond float64 are refused (400), never answered as Infinity', async () => {
    for (const raw of ['{"input": 1e400}', '{"input": {"a": [1, -1e999]}}', `{"input": ${'9'.repeat(400)}}`]) {
      const r = await api('POST', '/v1/data/defenseclaw/firewall', { rawBody: raw });
      assert.equal(r.status, 400, raw);
      assert.equal(r.json.error, 'JSON body holds a number beyond the range of a 64-bit float');
      assert.ok(!r.text.includes('Infinity'));
    }
    // Exponents within range, and the e of true/false, are fine.
    const ok = await api('POST', '/v1/data/defenseclaw/firewall/action', { rawBody: '{"input": {"destination": "github.com", "port": 4.43e2, "flag": true, "other": false}}' });
    assert.deepEqual([ok.status, ok.json.result], [200, 'allow']);
    const big = await api('POST', '/policy/evaluate/firewall', { rawBody: '{"destination": "github.com", "port": 1e400}' });
    assert.equal(big.status, 400);
  });

  test('a policy set without firewall.rego: the reload says so, firewall answers its fail-closed default', async () => {
    rmSync(join(t.policyDir, 'rego', 'firewall.rego'));
    rmSync(join(t.policyDir, 'rego', 'firewall_test.rego'));
    const r = await api('POST', '/policy/reload');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.missing_domains, ['firewall']);
    const fw = await api('POST', '/policy/evaluate/firewall', { body: { destination: 'github.com', port: 443 } });
    assert.deepEqual([fw.status, fw.json], [200, { action: 'deny', rule_name: 'default-deny' }]);
    assert.equal(fw.headers.get('x-defenseclaw-policy-revision'), r.json.revision);
    assert.deepEqual((await api('GET', '/health', { token: false })).json.policy.missing_domains, ['firewall']);
    // The other domains are served by the policy as before.
    assert.equal((await api('POST', '/policy/evaluate', { body: { input: { target_type: 'skill', target_name: 'demo', path: '/tmp/demo' } } })).json.data.verdict, 'scan');
  });

  test('reloads of an unchanged directory: one audit row, the rest counted', async () => {
    const rows = () => s.context.store.events('policy-reload').length;
    const before = rows();
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await api('POST', '/policy/reload'));
    for (const a of answers) assert.deepEqual([a.status, a.json.unchanged], [200, true]);
    assert.equal(rows() - before, 1, 'the first unchanged reload is audited, the repeats are not');
    const metrics = (await api('GET', '/metrics')).text;
    assert.match(metrics, /^defenseclaw_policy_reloads_unchanged_total(\{[^}]*\})? 5$/m);
    // A change is audited again, and so is the first unchanged reload after it.
    const data = join(t.policyDir, 'rego', 'data.json');
    const doc = JSON.parse(readFileSync(data, 'utf8'));
    doc.config.scan_on_install = false;
    writeFileSync(data, JSON.stringify(doc));
    assert.equal((await api('POST', '/policy/reload')).json.unchanged, undefined);
    assert.equal((await api('POST', '/policy/reload')).json.unchanged, true);
    assert.equal((await api('POST', '/policy/reload')).json.unchanged, true);
    assert.equal(rows() - before, 3);
  });
});
