/**
 * `truncate -s 0 audit.db` under the real sidecar process. Before: block/allow
 * and reloads kept answering 200 while nothing was recorded, and the next start
 * failed with `file is not a database`. Now the damage is found at the next
 * write, that write fails (a reload without its audit row is not applied),
 * `/health`, a metric and a lifecycle event say so; the next start moves the
 * database aside, warns loudly, and serves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, NO_WATCH_CONFIG, tempHome, TOKEN } from './helpers/harness.js';
import { startSidecarProcess } from './helpers/process.js';

const BLOCK = { target_type: 'skill', target_name: 'evil', reason: 'known bad' };
const ADMISSION = { input: { target_type: 'skill', target_name: 'evil', path: '/tmp/evil' } };

test('a truncated audit database is detected while running and set aside at the next start', async () => {
  const t = tempHome({ DEFENSECLAW_GATEWAY_TOKEN: TOKEN });
  writeFileSync(join(t.home, 'config.yaml'), NO_WATCH_CONFIG);
  const db = join(t.home, 'audit.db');
  try {
    // A first run gives the database a past (its pages in the file, not only in the log).
    let s = await startSidecarProcess(['--port', '0'], t.env);
    assert.equal((await call(s.url, 'POST', '/enforce/block', { body: BLOCK })).status, 200);
    assert.equal(await s.stop(), 0);

    s = await startSidecarProcess(['--port', '0'], t.env);
    const serving = (await call(s.url, 'GET', '/health')).json.policy.revision;
    truncateSync(db, 0);

    let r = await call(s.url, 'POST', '/enforce/block', { body: { ...BLOCK, target_name: 'other' } });
    assert.equal(r.status, 503, r.text);
    assert.match(r.json.error, /audit store damaged.*truncated/);
    // Admission still sees the block list it had.
    assert.equal((await call(s.url, 'POST', '/policy/evaluate', { body: ADMISSION })).json.data.verdict, 'blocked');

    const dataFile = join(t.policyDir, 'rego', 'data.json');
    const data = JSON.parse(readFileSync(dataFile, 'utf8'));
    data.config.scan_on_install = false;
    writeFileSync(dataFile, JSON.stringify(data, null, 2));
    r = await call(s.url, 'POST', '/policy/reload');
    assert.equal(r.status, 500, r.text);
    assert.match(r.json.error, /audit record could not be written, policy not applied: audit store damaged/);

    let h = (await call(s.url, 'GET', '/health')).json;
    assert.equal(h.policy.revision, serving, 'the reload was not applied');
    assert.deepEqual([h.status, h.audit.status], ['degraded', 'damaged']);
    assert.match(h.audit.error, /truncated/);
    const pub = (await call(s.url, 'GET', '/health', { token: false })).json;
    assert.deepEqual(pub.audit, { status: 'damaged' });
    const metrics = (await call(s.url, 'GET', '/metrics')).text;
    assert.match(metrics, /^defenseclaw_audit_healthy(\{[^}]*\})? 0$/m);
    const errors = Number(/^defenseclaw_audit_errors_total\{kind="damaged"[^}]*\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
    assert.ok(errors >= 2, `errors ${errors}`);
    assert.equal(await s.stop(), 0);
    assert.match(readFileSync(join(t.home, 'gateway.jsonl'), 'utf8'), /"subsystem":"audit","transition":"degraded"/);

    // The next start: moved aside, a loud warning, and the sidecar serves and records again.
    s = await startSidecarProcess(['--port', '0'], t.env);
    try {
      assert.match(s.stdout(), /WARNING: audit database .*audit\.db was damaged \(.*\); moved to .*audit\.db\.damaged-/);
      assert.equal(readdirSync(t.home).filter((n) => /^audit\.db\.damaged-\d{4}-\d\d-\d\dT[\d-]+Z$/.test(n)).length, 1);
      h = (await call(s.url, 'GET', '/health')).json;
      assert.deepEqual([h.status, h.audit.status], ['ok', 'ok']);
      assert.match(h.audit.recovered.moved_to, /audit\.db\.damaged-/);
      assert.equal((await call(s.url, 'POST', '/enforce/block', { body: BLOCK })).status, 200);
      assert.equal((await call(s.url, 'POST', '/policy/reload')).status, 200);
    } finally {
      await s.stop();
    }
  } finally {
    t.cleanup();
  }
});
