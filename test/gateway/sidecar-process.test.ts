/**
 * End to end: the real `defenseclaw-gateway` process with the real policy
 * engine over a temporary DEFENSECLAW_HOME seeded from the bundled policies.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { call, NO_WATCH_CONFIG, tempHome, TOKEN, type TempHome } from './helpers/harness.js';
import { runGateway, startSidecarProcess, type SidecarProcess } from './helpers/process.js';

const ADMISSION = { input: { target_type: 'skill', target_name: 'demo', path: '/tmp/demo' } };

function setScanOnInstall(policyDir: string, value: boolean): void {
  const file = join(policyDir, 'rego', 'data.json');
  const data = JSON.parse(readFileSync(file, 'utf8'));
  data.config.scan_on_install = value;
  writeFileSync(file, JSON.stringify(data, null, 2));
}

const BROKEN = join('rego', 'zz_broken.rego');

describe('sidecar process', () => {
  let t: TempHome;
  let s: SidecarProcess;
  before(async () => {
    t = tempHome();
    // These tests reload explicitly; automatic reload has its own tests.
    writeFileSync(join(t.home, 'config.yaml'), NO_WATCH_CONFIG);
    s = await startSidecarProcess(['--port', '0'], t.env);
  });
  after(async () => {
    await s?.stop();
    t?.cleanup();
  });
  const api = (method: string, path: string, opts: Parameters<typeof call>[3] = {}) =>
    call(s.url, method, path, { token: t.env['DEFENSECLAW_GATEWAY_TOKEN'] ?? readToken(t), ...opts });

  test('first start seeds the policies, generates a token, prints where things are', async () => {
    assert.ok(existsSync(join(t.policyDir, 'rego', 'admission.rego')));
    const token = readToken(t);
    assert.match(token, /^[0-9a-f]{64}$/);
    assert.match(s.stdout(), /listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.match(s.stdout(), new RegExp(`policy directory: ${escape(t.policyDir)} \\(revision [0-9a-f]{12}`));
    assert.match(s.stdout(), /token: .*\.env/);
    // Without the token: states only, no paths or error texts.
    const health = await call(s.url, 'GET', '/health', { token: false });
    assert.equal(health.status, 200);
    assert.equal(health.json.status, 'ok');
    assert.match(health.json.policy.revision, /^[0-9a-f]{12}$/);
    assert.deepEqual([health.json.watcher, health.json.audit], [{ state: 'off' }, { status: 'ok' }]);
    assert.ok(!health.text.includes(t.home), health.text);
    const wrongToken = await call(s.url, 'GET', '/health', { token: 'not-the-token' });
    assert.ok(!wrongToken.text.includes(t.home), wrongToken.text);
    const full = await call(s.url, 'GET', '/health', { token });
    assert.equal(full.json.policy.policy_dir, t.policyDir);
    assert.equal(full.json.audit.db, join(t.home, 'audit.db'));
    assert.equal(full.json.connections.max > 0, true);
  });

  test('admission through the real engine', async () => {
    const r = await api('POST', '/policy/evaluate', { body: ADMISSION });
    assert.equal(r.status, 200);
    assert.equal(r.json.ok, true);
    assert.equal(r.json.data.verdict, 'scan');
    assert.equal(r.headers.get('x-defenseclaw-policy-revision'), (await call(s.url, 'GET', '/health', { token: false })).json.policy.revision);
  });

  test('reload: success, unchanged, compile error (400), bad data.json (500); the previous policy keeps answering', async () => {
    setScanOnInstall(t.policyDir, false);
    let r = await api('POST', '/policy/reload');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'reloaded');
    const revB = r.json.revision;
    assert.notEqual(r.json.previous_revision, revB);
    assert.equal((await api('POST', '/policy/evaluate', { body: ADMISSION })).json.data.verdict, 'allowed');

    r = await api('POST', '/policy/reload');
    assert.deepEqual([r.status, r.json.unchanged, r.json.revision], [200, true, revB]);

    writeFileSync(join(t.policyDir, BROKEN), 'package broken\n\nx := {\n');
    r = await api('POST', '/policy/reload');
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.status, 'failed');
    assert.match(r.json.error, /^compilation failed: /);
    assert.match(r.json.error, /zz_broken\.rego:\d+:\d+/);
    assert.ok(Array.isArray(r.json.errors) && r.json.errors.length > 0);
    assert.equal(r.json.errors[0].location.file.endsWith('zz_broken.rego'), true);
    rmSync(join(t.policyDir, BROKEN));

    const dataFile = join(t.policyDir, 'rego', 'data.json');
    const good = readFileSync(dataFile, 'utf8');
    writeFileSync(dataFile, '{"config": ');
    r = await api('POST', '/policy/reload');
    assert.equal(r.status, 500, r.text);
    assert.match(r.json.error, /^reload failed: /);
    writeFileSync(dataFile, good);

    const e = await api('POST', '/policy/evaluate', { body: ADMISSION });
    assert.deepEqual([e.json.data.verdict, e.headers.get('x-defenseclaw-policy-revision')], ['allowed', revB]);

    const metrics = (await api('GET', '/metrics')).text;
    assert.match(metrics, /defenseclaw_policy_reloads_total\{status="success"[^}]*\} 2/);
    assert.match(metrics, /defenseclaw_policy_reloads_total\{status="failed"[^}]*\} 2/);

    // The journal is appended asynchronously by the sidecar: wait for its lines.
    const policyEvents = await eventually(() => journal(t).filter((l) => l.lifecycle.subsystem === 'policy').map((l) => l.lifecycle.transition), (e) => e.length >= 4);
    assert.deepEqual(policyEvents, ['completed', 'completed', 'failed', 'failed']);
  });

  test('audit rows are in the SQLite file', () => {
    const db = new Database(join(t.home, 'audit.db'), { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare("SELECT * FROM audit_events WHERE action = 'policy-reload'").all() as { target: string; actor: string; severity: string; details: string }[];
      assert.equal(rows.length, 2);
      for (const row of rows) {
        assert.deepEqual([row.target, row.actor, row.severity], [t.policyDir, 'defenseclaw', 'INFO']);
        assert.equal(JSON.parse(row.details).source, 'api');
      }
    } finally {
      db.close();
    }
  });

  test('CLI: policy reload and status against the running sidecar', async () => {
    const env = { ...t.env };
    let r = await runGateway(['policy', 'reload', '--port', String(s.port)], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).status, 'reloaded');
    r = await runGateway(['status', '--port', String(s.port)], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /policy: +revision [0-9a-f]{12}, \d+ modules, loaded .* from \//);
    assert.match(r.stdout, /uptime: +\d+s/);
    assert.match(r.stdout, /watcher: +off\naudit: +ok/);

    writeFileSync(join(t.policyDir, BROKEN), 'package broken\n\nx := {\n');
    r = await runGateway(['policy', 'reload', '--port', String(s.port)], env);
    rmSync(join(t.policyDir, BROKEN));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^reload failed \(HTTP 400\): compilation failed: /);

    r = await runGateway(['policy', 'reload', '--port', String(s.port)], { ...env, DEFENSECLAW_GATEWAY_TOKEN: 'wrong' });
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'reload failed (HTTP 401): unauthorized');
  });

  test('port in use: one clear error, exit 1', async () => {
    const r = await runGateway(['run', '--port', String(s.port)], { ...t.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${s.port}: address already in use`));
  });

  test('SIGTERM stops gracefully with exit 0 and the audit store closed', async () => {
    assert.equal(await s.stop('SIGTERM'), 0);
    // A checkpointed, closed WAL database leaves no -wal content behind.
    const wal = join(t.home, 'audit.db-wal');
    assert.ok(!existsSync(wal) || readFileSync(wal).length === 0);
    const lines = readFileSync(join(t.home, 'gateway.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.at(-1).lifecycle.transition, 'stop');
  });

  test('CLI: sidecar down', async () => {
    const r = await runGateway(['policy', 'reload', '--port', String(s.port)], { ...t.env });
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `cannot reach sidecar at http://127.0.0.1:${s.port}/policy/reload — is it running?`);
  });
});

describe('process start-up failures', () => {
  test('CLI without a token', async () => {
    const t = tempHome();
    try {
      const r = await runGateway(['policy', 'reload', '--port', '1'], t.env);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr.trim(),
        'policy reload: no gateway token configured (set DEFENSECLAW_GATEWAY_TOKEN or run the sidecar once to generate one)',
      );
    } finally {
      t.cleanup();
    }
  });

  test('a bad config file: one error naming the key, exit 1', async () => {
    const t = tempHome();
    try {
      writeFileSync(join(t.home, 'config.yaml'), 'gateway:\n  api_port: lots\n');
      const r = await runGateway(['run'], t.env);
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.match(r.stderr, /gateway\.api_port must be an integer between 0 and 65535/);
    } finally {
      t.cleanup();
    }
  });

  test('a port taken by another program: exit 1', async () => {
    const t = tempHome({ DEFENSECLAW_GATEWAY_TOKEN: TOKEN });
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runGateway(['--port', String(port)], t.env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /address already in use/);
    } finally {
      blocker.close();
      t.cleanup();
    }
  });

  test('a policy directory that does not load does not stop the sidecar', async () => {
    const t = tempHome({ DEFENSECLAW_GATEWAY_TOKEN: TOKEN });
    writeFileSync(join(t.home, 'config.yaml'), NO_WATCH_CONFIG);
    const s = await startSidecarProcess(['--port', '0'], t.env);
    try {
      writeFileSync(join(t.policyDir, BROKEN), 'package broken\n\nx := {\n');
      await s.stop();
      const s2 = await startSidecarProcess(['--port', '0'], t.env);
      try {
        assert.match(s2.stdout(), /NOT LOADED/);
        const h = await call(s2.url, 'GET', '/health');
        assert.equal(h.json.policy.revision, null);
        assert.match(h.json.policy.error, /zz_broken\.rego/);
        const e = await call(s2.url, 'POST', '/policy/evaluate', { body: ADMISSION });
        assert.deepEqual([e.status, e.json.data.verdict], [200, 'rejected']);
        rmSync(join(t.policyDir, BROKEN));
        const r = await call(s2.url, 'POST', '/policy/reload');
        assert.deepEqual([r.status, r.json.previous_revision], [200, null]);
        assert.equal((await call(s2.url, 'POST', '/policy/evaluate', { body: ADMISSION })).json.data.verdict, 'scan');
      } finally {
        await s2.stop();
      }
    } finally {
      await s.stop();
      t.cleanup();
    }
  });
});

function journal(t: TempHome): any[] {
  if (!existsSync(join(t.home, 'gateway.jsonl'))) return [];
  return readFileSync(join(t.home, 'gateway.jsonl'), 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
}

async function eventually<T>(read: () => T, done: (v: T) => boolean, timeoutMs = 3000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let v = read();
  while (!done(v) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 25));
    v = read();
  }
  return v;
}

function readToken(t: TempHome): string {
  const m = readFileSync(join(t.home, '.env'), 'utf8').match(/DEFENSECLAW_GATEWAY_TOKEN=([0-9a-f]+)/);
  return m![1]!;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
