/**
 * End to end against the real `defenseclaw-gateway` process and the real
 * policy engine: automatic reload (watcher), policy history, rollback and dry run.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { call, NO_WATCH_CONFIG, tempHome, TOKEN, type TempHome } from './helpers/harness.js';
import { runGateway, startSidecarProcess, type SidecarProcess } from './helpers/process.js';

const ADMISSION = { input: { target_type: 'skill', target_name: 'demo', path: '/tmp/demo' } };
// Generous against a loaded CI machine: the burst below must fit well inside one debounce window.
const DEBOUNCE_MS = 400;
/** Long enough for the debounce, the reload and its audit row, with room for a loaded machine. */
const SETTLE_MS = DEBOUNCE_MS * 6;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function dataFile(t: TempHome): string {
  return join(t.policyDir, 'rego', 'data.json');
}

/** data.json with `scan_on_install` and a marker (so that each call can make a new revision). */
function dataWith(t: TempHome, scanOnInstall: boolean, marker: string): string {
  const data = JSON.parse(readFileSync(dataFile(t), 'utf8'));
  data.config.scan_on_install = scanOnInstall;
  data.marker = marker;
  return JSON.stringify(data, null, 2);
}

function auditRows(t: TempHome, action: string): { details: string; severity: string }[] {
  const db = new Database(join(t.home, 'audit.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT * FROM audit_events WHERE action = ? ORDER BY timestamp').all(action) as { details: string; severity: string }[];
  } finally {
    db.close();
  }
}

function journal(t: TempHome): { lifecycle: { subsystem: string; transition: string; details: Record<string, unknown> } }[] {
  const file = join(t.home, 'gateway.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
}

function metric(text: string, name: string, status: string): number {
  const m = text.match(new RegExp(`${name}\\{status="${status}"[^}]*\\} (\\d+)`));
  return m ? Number(m[1]) : 0;
}

/** Polls until `read` satisfies `done` (or the time is up) and returns the last value. */
async function eventually<T>(read: () => T | Promise<T>, done: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let v = await read();
  while (!done(v) && Date.now() < until) {
    await sleep(25);
    v = await read();
  }
  return v;
}

/**
 * A real sidecar process over a temporary home for one suite: started before its
 * tests (handing both to `started`), stopped after; with the suite's API helpers.
 */
function suiteSidecar(configYaml: string, env: Record<string, string>, started: (t: TempHome, s: SidecarProcess) => void) {
  let t: TempHome | undefined;
  let s: SidecarProcess | undefined;
  before(async () => {
    t = tempHome({ DEFENSECLAW_GATEWAY_TOKEN: TOKEN, ...env });
    writeFileSync(join(t.home, 'config.yaml'), configYaml);
    s = await startSidecarProcess(['--port', '0'], t.env);
    started(t, s);
  });
  after(async () => {
    await s?.stop();
    t?.cleanup();
  });
  const api = (method: string, path: string, body?: unknown) => call(s!.url, method, path, body === undefined ? {} : { body });
  const verdict = async () => (await api('POST', '/policy/evaluate', ADMISSION)).json.data.verdict;
  return { api, verdict };
}

describe('automatic reload', () => {
  let t: TempHome;
  let s: SidecarProcess;
  const { api, verdict } = suiteSidecar(`watch:\n  policy: true\n  debounce_ms: ${DEBOUNCE_MS}\n`, { DEFENSECLAW_LOG_LEVEL: 'warn' }, (home, proc) => {
    t = home;
    s = proc;
  });
  const watchReloads = () => auditRows(t, 'policy-reload').filter((r) => JSON.parse(r.details).source === 'watch').length;
  const revision = async () => (await call(s.url, 'GET', '/health', { token: false })).json.policy.revision;

  test('a burst of edits ends in exactly one reload of the final state', async () => {
    const banner = new RegExp(`watching .* \\(reload ${DEBOUNCE_MS} ms after the last change\\)`);
    assert.match(await eventually(() => s.stdout(), (out) => banner.test(out)), banner);
    assert.equal(await verdict(), 'scan');
    const start = await revision();
    for (let i = 0; i < 6; i++) {
      writeFileSync(dataFile(t), dataWith(t, i % 2 === 0, `burst-${i}`));
      if (i === 2) writeFileSync(join(t.policyDir, 'rego', 'zz_extra.rego'), 'package extra\n\nx := 1\n');
      await sleep(10);
    }
    assert.equal(await eventually(watchReloads, (n) => n >= 1), 1);
    await sleep(SETTLE_MS);
    assert.equal(watchReloads(), 1, 'one reload for the whole burst');
    assert.equal(await verdict(), 'allowed', 'the final state (scan_on_install false) is served');
    assert.notEqual(await revision(), start);
    const metrics = (await api('GET', '/metrics')).text;
    assert.equal(metric(metrics, 'defenseclaw_policy_reloads_total', 'success'), 1);
    const events = await eventually(() => journal(t).filter((e) => e.lifecycle.subsystem === 'policy'), (e) => e.length >= 1);
    assert.deepEqual(events.map((e) => [e.lifecycle.transition, e.lifecycle.details['source']]), [['completed', 'watch']]);
    const history = (await api('GET', '/policy/history')).json;
    assert.deepEqual(history.entries.map((e: { source: string }) => e.source), ['watch', 'start']);
  });

  test('an editor-style write (temporary file, then rename) is one reload', async () => {
    const before = watchReloads();
    const tmp = join(t.policyDir, 'rego', '.data.json.swp');
    writeFileSync(tmp, dataWith(t, true, 'editor'));
    renameSync(tmp, dataFile(t));
    assert.equal(await eventually(watchReloads, (n) => n > before), before + 1);
    await sleep(SETTLE_MS);
    assert.equal(watchReloads(), before + 1);
    assert.equal(await verdict(), 'scan');
  });

  test('a broken state only logs a failed reload and the previous policy keeps serving; the fix is served', async () => {
    const serving = await revision();
    const failedBefore = metric((await api('GET', '/metrics')).text, 'defenseclaw_policy_reloads_total', 'failed');
    const broken = join(t.policyDir, 'rego', 'zz_extra.rego');
    writeFileSync(broken, 'package extra\n\nx := {\n');
    const failed = await eventually(
      async () => metric((await api('GET', '/metrics')).text, 'defenseclaw_policy_reloads_total', 'failed'),
      (n) => n > failedBefore,
    );
    assert.equal(failed, failedBefore + 1);
    // The log line travels through a pipe of its own: it may arrive after the metric.
    assert.match(await eventually(() => s.stderr(), (err) => /policy\.reload\.rejected/.test(err)), /policy\.reload\.rejected/);
    assert.match(s.stderr(), /zz_extra\.rego/);
    // The journal is appended asynchronously.
    const lastPolicyEvent = () => journal(t).filter((e) => e.lifecycle.subsystem === 'policy').at(-1)!;
    const last = await eventually(lastPolicyEvent, (e) => e.lifecycle.transition === 'failed');
    assert.deepEqual([last.lifecycle.transition, last.lifecycle.details['source']], ['failed', 'watch']);
    assert.equal(await revision(), serving);
    const e = await api('POST', '/policy/evaluate', ADMISSION);
    assert.deepEqual([e.json.data.verdict, e.headers.get('x-defenseclaw-policy-revision')], ['scan', serving]);

    writeFileSync(broken, 'package extra\n\nx := 2\n');
    const fixed = await eventually(revision, (r) => r !== serving);
    assert.notEqual(fixed, serving);
    assert.equal((await call(s.url, 'GET', '/health')).json.policy.error, undefined);
  });

  test("a rollback's own writes do not cause a second reload", async () => {
    const history = (await api('GET', '/policy/history')).json;
    const target = history.entries.find((e: { source: string }) => e.source === 'start').revision;
    const reloadsBefore = auditRows(t, 'policy-reload').length;
    const r = await api('POST', '/policy/rollback', { revision: target });
    assert.equal(r.status, 200, r.text);
    await sleep(SETTLE_MS);
    assert.equal(auditRows(t, 'policy-reload').length, reloadsBefore + 1, 'only the rollback reload');
    assert.equal(await revision(), target);
    assert.equal(existsSync(join(t.policyDir, 'rego', 'zz_extra.rego')), false);
  });

  test('SIGTERM with the watcher running still exits 0', async () => {
    assert.equal(await s.stop('SIGTERM'), 0);
  });
});

describe('history, rollback and dry run', () => {
  let t: TempHome;
  let s: SidecarProcess;
  const { api, verdict } = suiteSidecar(NO_WATCH_CONFIG, {}, (home, proc) => {
    t = home;
    s = proc;
  });
  const extra = () => join(t.policyDir, 'rego', 'zz_extra.rego');
  const revisions: Record<string, { revision: string; data: string }> = {};

  async function reloadTo(name: string, scanOnInstall: boolean, withExtra: boolean): Promise<void> {
    const data = dataWith(t, scanOnInstall, name);
    writeFileSync(dataFile(t), data);
    if (withExtra) writeFileSync(extra(), 'package extra\n\nx := 1\n');
    else rmSync(extra(), { force: true });
    const r = await api('POST', '/policy/reload');
    assert.equal(r.status, 200, r.text);
    revisions[name] = { revision: r.json.revision, data };
  }

  test('history after three reloads: start plus three, newest first, the current one marked', async () => {
    const start = (await call(s.url, 'GET', '/health', { token: false })).json.policy.revision;
    await reloadTo('r1', false, false);
    await reloadTo('r2', true, true);
    await reloadTo('r3', true, false);
    const h = await api('GET', '/policy/history');
    assert.equal(h.status, 200);
    assert.equal(h.json.current_revision, revisions['r3']!.revision);
    assert.equal(h.json.limit, 50);
    assert.deepEqual(
      h.json.entries.map((e: { revision: string; source: string; current: boolean }) => [e.revision, e.source, e.current]),
      [
        [revisions['r3']!.revision, 'api', true],
        [revisions['r2']!.revision, 'api', false],
        [revisions['r1']!.revision, 'api', false],
        [start, 'start', false],
      ],
    );
    for (const e of h.json.entries) {
      assert.ok(!Number.isNaN(Date.parse(e.applied_at)));
      assert.equal(typeof e.modules, 'number');
    }
    assert.equal(h.json.entries[1].modules, h.json.entries[0].modules + 1, 'r2 has the extra module');
    assert.ok(existsSync(join(t.home, 'policy-history', 'index.json')));

    const cli = await runGateway(['policy', 'history', '--port', String(s.port), '--format', 'json'], t.env);
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(JSON.parse(cli.stdout).entries, h.json.entries);
    const text = await runGateway(['policy', 'history', '--port', String(s.port)], t.env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^\\* ${revisions['r3']!.revision} .* api `, 'm'));
    assert.match(text.stdout, new RegExp(`^  ${start} .* start `, 'm'));
  });

  test('dry run reports what would change and changes nothing', async () => {
    const serving = revisions['r3']!.revision;
    const reloadsBefore = auditRows(t, 'policy-reload').length;
    const reloadCounts = async () => {
      const text = (await api('GET', '/metrics')).text;
      return [metric(text, 'defenseclaw_policy_reloads_total', 'success'), metric(text, 'defenseclaw_policy_reloads_total', 'failed')];
    };
    const countsBefore = await reloadCounts();
    writeFileSync(dataFile(t), dataWith(t, false, 'dry'));
    writeFileSync(extra(), 'package extra\n\nx := 1\n');
    const r = await api('POST', '/policy/reload?dry_run=true');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'dry_run');
    assert.equal(r.json.current_revision, serving);
    assert.notEqual(r.json.revision, serving);
    assert.equal(r.json.would_change, true);
    assert.deepEqual(r.json.modules, { added: ['zz_extra.rego'], removed: [], changed: ['data.json'] });

    const cli = await runGateway(['policy', 'reload', '--dry-run', '--port', String(s.port)], t.env);
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(JSON.parse(cli.stdout), r.json);
    const text = await runGateway(['policy', 'reload', '--dry-run', '--format', 'text', '--port', String(s.port)], t.env);
    assert.match(text.stdout, new RegExp(`^dry run: revision ${r.json.revision} would replace ${serving} \\(added: zz_extra\\.rego; removed: -; changed: data\\.json\\)`));

    writeFileSync(join(t.policyDir, 'rego', 'zz_broken.rego'), 'package broken\n\nx := {\n');
    const bad = await api('POST', '/policy/reload?dry_run=true');
    rmSync(join(t.policyDir, 'rego', 'zz_broken.rego'));
    assert.equal(bad.status, 400);
    assert.match(bad.json.error, /^compilation failed: .*zz_broken\.rego/);
    assert.equal((await api('POST', '/policy/reload?dry_run=maybe')).status, 400);

    const health = (await call(s.url, 'GET', '/health')).json;
    assert.deepEqual([health.policy.revision, health.policy.error], [serving, undefined]);
    assert.equal(await verdict(), 'scan');
    assert.equal(auditRows(t, 'policy-reload').length, reloadsBefore);
    assert.deepEqual(await reloadCounts(), countsBefore);
    assert.equal((await api('GET', '/policy/history')).json.entries.length, 4);
  });

  test('rollback restores both the served decisions and the files; the replaced files are kept', async () => {
    const replacedData = readFileSync(dataFile(t), 'utf8'); // the dry run's edits, never applied
    const r1 = revisions['r1']!;
    const r = await api('POST', '/policy/rollback', { revision: r1.revision });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'rolled_back');
    assert.equal(r.json.revision, r1.revision);
    assert.equal(r.headers.get('x-defenseclaw-policy-revision'), r1.revision);
    assert.equal(await verdict(), 'allowed');
    assert.equal(readFileSync(dataFile(t), 'utf8'), r1.data);
    assert.equal(existsSync(extra()), false, 'a file r1 did not have is removed');

    const h = (await api('GET', '/policy/history')).json;
    assert.deepEqual([h.entries[0].revision, h.entries[0].source, h.entries[0].current], [r1.revision, 'rollback', true]);
    assert.equal(h.entries.filter((e: { current: boolean }) => e.current).length, 1);
    const pinned = join(t.home, 'policy-history');
    const stored = JSON.parse(readFileSync(join(pinned, readdirFull(pinned, r.json.replaced_revision), 'files.json'), 'utf8'));
    assert.equal(stored.find((f: { name: string }) => f.name === 'data.json').content, replacedData);

    const rows = auditRows(t, 'policy-rollback');
    assert.equal(rows.length, 1);
    assert.equal(JSON.parse(rows[0]!.details).revision, r1.revision);
    assert.equal(JSON.parse(auditRows(t, 'policy-reload').at(-1)!.details).source, 'rollback');

    // Through the CLI, back to r2 (which had the extra module).
    const cli = await runGateway(['policy', 'rollback', revisions['r2']!.revision, '--port', String(s.port), '--format', 'text'], t.env);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`^policy rolled back to revision ${revisions['r2']!.revision}`));
    assert.equal(await verdict(), 'scan');
    assert.ok(existsSync(extra()));
    const metrics = (await api('GET', '/metrics')).text;
    assert.equal(metric(metrics, 'defenseclaw_policy_rollbacks_total', 'success'), 2);
  });

  test('an unknown revision is a 404 listing the known ones', async () => {
    const r = await api('POST', '/policy/rollback', { revision: 'deadbeef0000' });
    assert.equal(r.status, 404);
    assert.equal(r.json.error, 'unknown revision deadbeef0000');
    // Known: every applied revision, plus the files rollbacks replaced (kept pinned, and rollback-able too).
    const applied = new Set<string>((await api('GET', '/policy/history')).json.entries.map((e: { revision: string }) => e.revision));
    for (const rev of applied) assert.ok(r.json.known.includes(rev), `applied revision ${rev} listed`);
    const historyDir = join(t.home, 'policy-history');
    for (const rev of r.json.known as string[]) {
      if (!applied.has(rev)) assert.ok(existsSync(join(historyDir, readdirFull(historyDir, rev), 'pinned')), `${rev} is a kept replaced revision`);
    }
    assert.deepEqual((await api('POST', '/policy/rollback', {})).status, 400);
    assert.deepEqual((await api('POST', '/policy/rollback', { revision: '../etc' })).status, 400);
    const cli = await runGateway(['policy', 'rollback', 'deadbeef0000', '--port', String(s.port)], t.env);
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /^rollback failed \(HTTP 404\): unknown revision deadbeef0000 \(known revisions: [0-9a-f]{12}/);
    assert.equal(metric((await api('GET', '/metrics')).text, 'defenseclaw_policy_rollbacks_total', 'unknown_revision'), 2);
  });
});

/** The history directory of a revision given by its 12-digit prefix. */
function readdirFull(dir: string, prefix: string): string {
  const name = readdirSync(dir).find((n) => n.startsWith(prefix));
  assert.ok(name, `no stored revision ${prefix}`);
  return name;
}
