/**
 * The policy watcher survives losing its directory, against the real sidecar
 * process: a brief `chmod 000` on the policy directory used to stop automatic
 * reload for good, silently, with `/health` still ok. Now the loss is logged,
 * journaled, shown in `/health` and `defenseclaw.policy.watcher.up`, and the
 * watch comes back by itself; edits made afterwards reload again.
 *
 * Root reads through `chmod 000`, so when the tests run as root the sidecar
 * runs as `nobody` (its home handed over to that user).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { call, tempHome, TOKEN } from './helpers/harness.js';
import { startSidecarProcess } from './helpers/process.js';
import { eventually } from './helpers/sockets.js';

const NOBODY = { uid: 65534, gid: 65534 };

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), uid, gid);
}

test('a brief chmod 000 on the policy directory: the watch is lost, reported, and restored', async () => {
  const t = tempHome({ DEFENSECLAW_GATEWAY_TOKEN: TOKEN, DEFENSECLAW_LOG_LEVEL: 'warn' });
  writeFileSync(join(t.home, 'config.yaml'), 'watch:\n  policy: true\n  debounce_ms: 200\n');
  const asUser = process.getuid?.() === 0 ? NOBODY : undefined;
  if (asUser) chownTree(t.home, asUser.uid, asUser.gid);
  const s = await startSidecarProcess(['--port', '0'], t.env, 30_000, asUser);
  try {
    const health = async () => (await call(s.url, 'GET', '/health')).json;
    let h = await health();
    assert.deepEqual([h.status, h.watcher.state, h.watcher.restarts], ['ok', 'watching', 0]);

    chmodSync(t.policyDir, 0o000);
    h = await eventually(health, (x) => x.watcher.state === 'restarting');
    assert.equal(h.watcher.state, 'restarting');
    assert.equal(h.status, 'degraded', '/health no longer says ok');
    assert.match(h.watcher.error, /disappeared or became unreadable|cannot watch/);
    const publicView = (await call(s.url, 'GET', '/health', { token: false })).json;
    assert.deepEqual(publicView.watcher, { state: 'restarting', restarts: 0 });
    assert.match((await call(s.url, 'GET', '/metrics')).text, /^defenseclaw_policy_watcher_up(\{[^}]*\})? 0$/m);
    await sleep(1_000);

    chmodSync(t.policyDir, 0o755);
    h = await eventually(health, (x) => x.watcher.state === 'watching', 30_000);
    assert.deepEqual([h.status, h.watcher.state, h.watcher.restarts], ['ok', 'watching', 1]);
    const metrics = (await call(s.url, 'GET', '/metrics')).text;
    assert.match(metrics, /^defenseclaw_policy_watcher_up(\{[^}]*\})? 1$/m);
    assert.match(metrics, /^defenseclaw_policy_watcher_restarts_total(\{[^}]*\})? 1$/m);

    // Automatic reload works again: an edit is served without asking.
    const before = h.policy.revision;
    const dataFile = join(t.policyDir, 'rego', 'data.json');
    const data = JSON.parse(readFileSync(dataFile, 'utf8'));
    data.config.scan_on_install = false;
    writeFileSync(dataFile, JSON.stringify(data, null, 2));
    h = await eventually(health, (x) => x.policy.revision !== before, 15_000);
    assert.notEqual(h.policy.revision, before, 'the edit was picked up by the watcher');

    // Logged and journaled.
    assert.match(s.stderr(), /policy watcher lost the policy directory/);
    assert.match(s.stderr(), /policy watcher restarted/);
    const journal = readFileSync(join(t.home, 'gateway.jsonl'), 'utf8');
    assert.match(journal, /"subsystem":"watcher","transition":"degraded"/);
    assert.match(journal, /"subsystem":"watcher","transition":"restored"/);
  } catch (err) {
    throw new Error(`${(err as Error).message}\nsidecar stderr:\n${s.stderr()}`, { cause: err });
  } finally {
    chmodSync(t.policyDir, 0o755);
    await s.stop();
    t.cleanup();
  }
});
