/**
 * The real sidecar process against hostile policies and a hostile policy
 * directory (issue 12): it survives, keeps serving, and tells the truth.
 *  - a decision that would run for minutes, or build 200 million elements,
 *    fails closed with OPA-style codes, is counted, and `/health` keeps
 *    answering fast meanwhile (slow decisions leave the event loop);
 *  - a FIFO or an outside symlink in the policy directory is a reload error
 *    naming the file, never a hang;
 *  - a damaged history deletes nothing and cannot write outside; a rollback that
 *    cannot be done changes nothing; `kill -9` during a rollback of 400 modules
 *    leaves, after restart, exactly one of the two revisions, served.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, NO_WATCH_CONFIG, tempHome, TOKEN, type TempHome } from './helpers/harness.js';
import { startSidecarProcess, type SidecarProcess } from './helpers/process.js';
import { computeRevision } from '../../src/policy/snapshot.js';
import { isPolicyFileName } from '../../src/policy/directory.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const FIREWALL = `package defenseclaw.firewall

default action := "deny"
default rule_name := "default-deny"

action := "allow" if input.destination == "ok.example"
rule_name := "ok" if input.destination == "ok.example"

# 400 million iterations that build nothing: only the time budget stops them.
action := "allow" if {
	input.destination == "slow.example"
	some i in r
	some j in r
	i * j < 0
}

r := numbers.range(1, 20000)

# The issue's reproduction: 200 million elements.
action := "allow" if {
	input.destination == "elements.example"
	count([1 | some i in numbers.range(1, 1000); some j in numbers.range(1, 1000); some k in numbers.range(1, 200)]) > 0
}
`;

const ADMISSION = `package defenseclaw.admission

default verdict := "allowed"
verdict := "allowed" if {
	input.target_name == "boom"
	count([1 | some i in numbers.range(1, 1000); some j in numbers.range(1, 1000); some k in numbers.range(1, 200)]) > 0
}
reason := "ok"
file_action := "none"
install_action := "none"
runtime_action := "allow"
`;

function writePolicy(t: TempHome, files: Record<string, string>): void {
  mkdirSync(join(t.policyDir, 'rego'), { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(t.policyDir, 'rego', name), content);
}

function metric(text: string, name: string, labels: Record<string, string>): number {
  const line = text.split('\n').find((l) => l.startsWith(name + '{') && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.split(' ').pop()) : 0;
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

describe('bounded evaluation in the served policy', () => {
  let t: TempHome;
  let s: SidecarProcess;
  before(async () => {
    t = tempHome({ DEFENSECLAW_GATEWAY_TOKEN: TOKEN });
    writePolicy(t, { 'firewall.rego': FIREWALL, 'admission.rego': ADMISSION, 'data.json': '{}' });
    // A smaller element budget than the default, so that it (not the time budget) stops the explosion on a slow machine.
    writeFileSync(join(t.home, 'config.yaml'), NO_WATCH_CONFIG + 'evaluation:\n  timeout_ms: 1000\n  max_elements: 2000000\n');
    s = await startSidecarProcess(['--port', '0'], t.env);
  });
  after(async () => {
    await s?.stop();
    t?.cleanup();
  });
  const firewall = (destination: string) => call(s.url, 'POST', '/policy/evaluate/firewall', { body: { destination, port: 443 } });

  test('a slow decision fails closed at its time budget while /health keeps answering fast', async (ctx) => {
    // The first slow decision starts the evaluation worker: done once before measuring.
    assert.equal((await firewall('slow.example')).status, 500);
    const slow = firewall('slow.example');
    let done = false;
    void slow.finally(() => (done = true));
    const health: number[] = [];
    while (!done) {
      const started = performance.now();
      const h = await call(s.url, 'GET', '/health', { token: false });
      health.push(performance.now() - started);
      assert.equal(h.status, 200);
      await sleep(10);
    }
    const r = await slow;
    assert.equal(r.status, 500, r.text);
    assert.equal(r.json.error, 'policy evaluation failed: eval_cancel_error: evaluation exceeded its time budget of 1000 ms');
    const under50 = health.filter((ms) => ms < 50).length / health.length;
    ctx.diagnostic(`/health during a slow decision: ${health.length} calls, median ${median(health).toFixed(1)} ms, max ${Math.max(...health).toFixed(1)} ms, ${(under50 * 100).toFixed(0)}% under 50 ms`);
    assert.ok(health.length >= 5, `only ${health.length} health calls during the decision`);
    // In process the loop would be blocked for the whole second; a loaded CI machine may still delay a few calls.
    assert.ok(median(health) < 50, `median /health ${median(health).toFixed(1)} ms`);
    assert.ok(under50 >= 0.8, `${(under50 * 100).toFixed(0)}% of /health calls under 50 ms`);
    assert.ok(Math.max(...health) < 500, `slowest /health ${Math.max(...health).toFixed(1)} ms`);
  });

  test('the element explosion fails closed (firewall 500, admission denied); everything is counted; serving goes on', async () => {
    const r = await firewall('elements.example');
    assert.equal(r.status, 500);
    assert.match(r.json.error, /^policy evaluation failed: eval_budget_error: evaluation budget exceeded: more than 2000000 collection elements built$/);
    const a = await call(s.url, 'POST', '/policy/evaluate', { body: { input: { target_type: 'skill', target_name: 'boom' } } });
    assert.equal(a.status, 200);
    assert.equal(a.json.data.verdict, 'rejected', 'admission fails closed');
    const ok = await firewall('ok.example');
    assert.deepEqual([ok.status, ok.json], [200, { action: 'allow', rule_name: 'ok' }]);
    const m = (await call(s.url, 'GET', '/metrics')).text;
    assert.equal(metric(m, 'defenseclaw_policy_budget_exceeded_total', { domain: 'firewall', budget: 'time' }), 2);
    assert.ok(metric(m, 'defenseclaw_policy_budget_exceeded_total', { domain: 'firewall', budget: 'elements' }) >= 1);
    assert.ok(metric(m, 'defenseclaw_policy_budget_exceeded_total', { domain: 'admission', budget: 'elements' }) >= 1);
    assert.ok(metric(m, 'defenseclaw_policy_offloaded_total', { domain: 'firewall' }) >= 2);
    assert.equal((await call(s.url, 'GET', '/health', { token: false })).json.status, 'ok');
  });
});

describe('a hostile policy directory', () => {
  let t: TempHome;
  let s: SidecarProcess;
  const outside = mkdtempSync(join(tmpdir(), 'dc-outside-'));
  before(async () => {
    t = tempHome({ DEFENSECLAW_GATEWAY_TOKEN: TOKEN });
    writePolicy(t, { 'firewall.rego': FIREWALL, 'admission.rego': ADMISSION, 'data.json': '{}' });
    // The watcher on, with a short debounce: a FIFO must not hang its reload either.
    writeFileSync(join(t.home, 'config.yaml'), 'watch:\n  debounce_ms: 100\n');
    s = await startSidecarProcess(['--port', '0'], t.env);
  });
  after(async () => {
    await s?.stop();
    t?.cleanup();
    rmSync(outside, { recursive: true, force: true });
  });
  const reload = () => call(s.url, 'POST', '/policy/reload');
  const file = (name: string) => join(t.policyDir, 'rego', name);

  test('a FIFO as data-sandbox.json: the reload fails at once naming it, nothing hangs, the policy keeps serving', async () => {
    const revision = (await call(s.url, 'GET', '/health')).json.policy.revision;
    execFileSync('mkfifo', [file('data-sandbox.json')]);
    await sleep(400); // the watcher's reload runs (and fails) meanwhile
    const h = await call(s.url, 'GET', '/health');
    assert.equal(h.status, 200);
    assert.equal(h.json.policy.revision, revision);
    const r = await reload();
    assert.equal(r.status, 500);
    assert.equal(r.json.error, `reload failed: policy: ${file('data-sandbox.json')} is not a regular file (a FIFO)`);
    assert.equal((await call(s.url, 'POST', '/policy/evaluate/firewall', { body: { destination: 'ok.example' } })).json.action, 'allow');
    rmSync(file('data-sandbox.json'));
    assert.equal((await reload()).status, 200);
  });

  test('symbolic links: out of the directory refused (data and modules alike), inside followed', async () => {
    writeFileSync(join(outside, 'secret.json'), '{"stolen": true}');
    writeFileSync(join(outside, 'x.rego'), 'package defenseclaw.sandbox\n\nallowed_skills := ["stolen"]\n');
    symlinkSync(join(outside, 'secret.json'), file('data-sandbox.json'));
    let r = await reload();
    assert.equal(r.status, 500);
    assert.equal(r.json.error, `reload failed: policy: ${file('data-sandbox.json')} is a symbolic link to ${join(outside, 'secret.json')}, outside the policy directory ${t.policyDir}`);
    rmSync(file('data-sandbox.json'));
    symlinkSync(join(outside, 'x.rego'), file('x.rego'));
    r = await reload();
    assert.equal(r.status, 500);
    assert.match(r.json.error, /x\.rego is a symbolic link to .*, outside the policy directory/);
    rmSync(file('x.rego'));
    mkdirSync(join(t.policyDir, 'shared'));
    writeFileSync(join(t.policyDir, 'shared', 'sandbox.json'), '{"extra": 1}');
    symlinkSync(join('..', 'shared', 'sandbox.json'), file('data-sandbox.json'));
    r = await reload();
    assert.equal(r.status, 200, r.text);
    assert.deepEqual((await call(s.url, 'GET', '/v1/data/extra')).json, { result: 1 });
    rmSync(file('data-sandbox.json'));
    assert.equal((await reload()).status, 200);
  });
});

describe('history and rollback under damage', () => {
  let t: TempHome;
  let s: SidecarProcess;
  const historyDir = () => join(t.home, 'policy-history');
  const revisionDirs = () => readdirSync(historyDir()).filter((n) => /^[0-9a-f]{64}$/.test(n)).sort();
  before(async () => {
    t = tempHome({ DEFENSECLAW_GATEWAY_TOKEN: TOKEN });
    writePolicy(t, { 'firewall.rego': FIREWALL, 'admission.rego': ADMISSION, 'data.json': '{"v": 0}' });
    writeFileSync(join(t.home, 'config.yaml'), NO_WATCH_CONFIG);
    s = await startSidecarProcess(['--port', '0'], t.env);
  });
  after(async () => {
    await s?.stop();
    t?.cleanup();
  });
  const api = (method: string, path: string, body?: unknown) => call(s.url, method, path, body === undefined ? {} : { body });
  const data = () => readFileSync(join(t.policyDir, 'rego', 'data.json'), 'utf8');

  test('a damaged index.json deletes no revision; the history is rebuilt from the directories', async () => {
    for (let v = 1; v <= 5; v++) {
      writeFileSync(join(t.policyDir, 'rego', 'data.json'), JSON.stringify({ v }));
      assert.equal((await api('POST', '/policy/reload')).status, 200);
    }
    const before = revisionDirs();
    assert.equal(before.length, 6);
    writeFileSync(join(historyDir(), 'index.json'), '[{"revision": "trunc');
    writeFileSync(join(t.policyDir, 'rego', 'data.json'), JSON.stringify({ v: 6 }));
    assert.equal((await api('POST', '/policy/reload')).status, 200);
    assert.equal(revisionDirs().length, 7, 'nothing deleted');
    const h = await api('GET', '/policy/history');
    assert.equal(h.status, 200);
    assert.equal(h.json.entries.length, 7);
    assert.equal(h.json.entries.filter((e: { source: string }) => e.source === 'recovered').length, 6);
  });

  test('entries and files read back from the history are validated: nothing is written outside or besides policy files', async () => {
    const index = JSON.parse(readFileSync(join(historyDir(), 'index.json'), 'utf8'));
    const target = index[0].full_revision as string;
    // An entry whose revision escapes the folder is ignored, never followed.
    const evil = { ...index[0], full_revision: '../../../etc', revision: '../../../etc'.slice(0, 12) };
    writeFileSync(join(historyDir(), 'index.json'), JSON.stringify([evil, ...index]));
    assert.equal((await api('GET', '/policy/history')).json.entries.length, index.length);
    // A revision whose files name config.yaml: refused as damaged, the policy directory untouched.
    writeFileSync(join(historyDir(), target, 'files.json'), JSON.stringify([{ name: '../config.yaml', content: 'pwned: true' }, { name: 'config.yaml', content: 'x' }]));
    const before = data();
    const r = await api('POST', '/policy/rollback', { revision: target.slice(0, 12) });
    assert.equal(r.status, 500);
    assert.match(r.json.error, /is damaged: "\.\.\/config\.yaml" is not a policy file name/);
    assert.equal(data(), before);
    assert.ok(!existsSync(join(t.policyDir, 'rego', 'config.yaml')) && !readFileSync(join(t.home, 'config.yaml'), 'utf8').includes('pwned'));
  });

  test('a rollback that cannot be done (a directory where a file goes) changes nothing', async () => {
    const index = JSON.parse(readFileSync(join(historyDir(), 'index.json'), 'utf8'));
    const target = index[index.length - 2].full_revision as string;
    mkdirSync(join(t.policyDir, 'rego', 'zz.rego'));
    const before = readdirSync(join(t.policyDir, 'rego')).sort();
    const served = (await api('GET', '/health')).json.policy.revision;
    const r = await api('POST', '/policy/rollback', { revision: target.slice(0, 12) });
    assert.equal(r.status, 500);
    assert.match(r.json.error, /zz\.rego is a directory; nothing was changed/);
    assert.deepEqual(readdirSync(join(t.policyDir, 'rego')).sort(), before);
    assert.equal((await api('GET', '/health')).json.policy.revision, served);
    rmSync(join(t.policyDir, 'rego', 'zz.rego'), { recursive: true });
    const ok = await api('POST', '/policy/rollback', { revision: target.slice(0, 12) });
    assert.equal(ok.status, 200, ok.text);
    assert.ok(readdirSync(join(t.policyDir, 'rego')).every((n) => isPolicyFileName(n)), 'no temporary file left');
  });
});

/** Two revisions of 400 modules (the second renames some) for the rollback crash test. */
function bigRevision(tag: string): Record<string, string> {
  const files: Record<string, string> = { 'data.json': JSON.stringify({ tag }) };
  for (let i = 0; i < 400; i++) {
    const name = tag === 'B' && i >= 360 ? `n${String(i).padStart(3, '0')}.rego` : `m${String(i).padStart(3, '0')}.rego`;
    files[name] = `package gen.m${i}\n\n# ${tag}\nv := ${i}\n`;
  }
  return files;
}

function policyFilesOnDisk(dir: string): { name: string; content: string }[] {
  return readdirSync(dir)
    .filter(isPolicyFileName)
    .sort()
    .map((name) => ({ name, content: readFileSync(join(dir, name), 'utf8') }));
}

test('kill -9 during a rollback of 400 modules: after restart, exactly one revision, served, no temporary files', { timeout: 300_000 }, async (ctx) => {
  const runs = 2;
  for (let run = 0; run < runs; run++) {
    const t = tempHome({ DEFENSECLAW_GATEWAY_TOKEN: TOKEN });
    try {
      const a = { ...bigRevision('A'), 'firewall.rego': FIREWALL, 'admission.rego': ADMISSION };
      const b = { ...bigRevision('B'), 'firewall.rego': FIREWALL, 'admission.rego': ADMISSION };
      writePolicy(t, a);
      writeFileSync(join(t.home, 'config.yaml'), NO_WATCH_CONFIG);
      const regoDir = join(t.policyDir, 'rego');
      let s = await startSidecarProcess(['--port', '0'], t.env, 120_000);
      const revA = (await call(s.url, 'GET', '/health')).json.policy.revision as string;
      for (const name of Object.keys(a)) rmSync(join(regoDir, name));
      writePolicy(t, b);
      const r = await call(s.url, 'POST', '/policy/reload');
      assert.equal(r.status, 200, r.text);
      const revB = r.json.revision as string;
      const rollback = call(s.url, 'POST', '/policy/rollback', { body: { revision: revA } }).catch(() => null);
      // Anywhere from saving the replaced files to compiling the restored ones.
      await sleep(50 + Math.random() * 1500);
      await s.stop('SIGKILL');
      await rollback;
      s = await startSidecarProcess(['--port', '0'], t.env, 120_000);
      try {
        const files = policyFilesOnDisk(regoDir);
        const onDisk = computeRevision(files).slice(0, 12);
        assert.ok(onDisk === revA || onDisk === revB, `run ${run}: the directory holds neither revision`);
        assert.deepEqual(readdirSync(regoDir).filter((n) => !isPolicyFileName(n)), [], `run ${run}: no temporary file left`);
        assert.equal((await call(s.url, 'GET', '/health')).json.policy.revision, onDisk, 'the restarted sidecar serves what is on disk');
        ctx.diagnostic(`run ${run}: ${onDisk === revA ? 'rolled back (A)' : 'not rolled back (B)'}`);
      } finally {
        await s.stop();
      }
    } finally {
      t.cleanup();
    }
  }
});
