import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTarGz, writeTarGz } from '../../src/bundle/archive.js';
import { buildBundle } from '../../src/bundle/build.js';
import { bundlePolicyDirectory, readBundle } from '../../src/bundle/bundle.js';
import { runBuild, runInspect, type CommandIO } from '../../src/cli/commands/bundle.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import { compile } from '../../src/rego/index.js';
import { policyDir, rsaKeys, verification } from './helpers.js';

const POLICIES = join(import.meta.dirname, '..', '..', 'policies');

function io(): CommandIO & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

test("the bundled policies as a bundle: opa build's layout, and the same decisions as the directory", async () => {
  const built = await buildBundle(POLICIES, { revision: 'v1.2.3' });
  const entries = await readTarGz(built.archive, { sizeLimitBytes: 1 << 24 });
  assert.equal(entries[0]!.path, 'data.json');
  assert.equal(entries.at(-1)!.path, '.manifest');
  assert.ok(entries.some((e) => e.path === 'firewall.rego'));
  assert.deepEqual(JSON.parse(entries.at(-1)!.content.toString()), { revision: 'v1.2.3', roots: [''], rego_version: 1 });

  const bundle = await readBundle(built.archive, { name: 'dc', verification: null, sizeLimitBytes: 1 << 24 });
  const fromBundle = await PolicyEngine.create('bundle:dc', { compile, loadDirectory: () => bundlePolicyDirectory(bundle) });
  const fromDir = PolicyEngine.open(POLICIES, { compile });
  assert.equal(fromBundle.current()?.revision, 'v1.2.3');
  assert.deepEqual(fromBundle.current()?.bundle, { name: 'dc', revision: 'v1.2.3' });
  for (const destination of ['api.openai.com', 'evil.example', '169.254.169.254']) {
    assert.deepEqual(fromBundle.firewall({ destination, port: 443 }).output, fromDir.firewall({ destination, port: 443 }).output, destination);
  }
  const admission = { target_type: 'skill', target_name: 'x', path: '/p', scan_result: { max_severity: 'HIGH', total_findings: 2 } };
  assert.deepEqual(fromBundle.admission(admission).output, fromDir.admission(admission).output);
});

test('data-sandbox.json is merged into /data.json as the sidecar merges it; --ignore leaves modules out', async () => {
  const src = policyDir({ 'a.rego': 'package a\n', 'a_test.rego': 'package a\ntest_x if true\n', 'data.json': '{"x": 1, "y": {"z": 1}}', 'data-sandbox.json': '{"y": {"w": 2}}' });
  try {
    const built = await buildBundle(src.dir, { ignore: ['*_test.rego'] });
    const b = await readBundle(built.archive, { name: 'n', verification: null, sizeLimitBytes: 1 << 20 });
    assert.deepEqual(b.data, { x: 1, y: { w: 2 } });
    assert.deepEqual(b.modules.map((m) => m.path), ['a.rego']);
    assert.equal(b.manifest.revision, '');
  } finally {
    src.cleanup();
  }
});

test("a directory's own .manifest gives roots and the default revision", async () => {
  const src = policyDir({ 'a.rego': 'package defenseclaw.a\n', 'data.json': '{"config": {}}', '.manifest': '{"revision": "from-file", "roots": ["defenseclaw", "config"]}' });
  try {
    const b = await readBundle((await buildBundle(src.dir)).archive, { name: 'n', verification: null, sizeLimitBytes: 1 << 20 });
    assert.equal(b.manifest.revision, 'from-file');
    assert.deepEqual(b.manifest.roots, ['defenseclaw', 'config']);
    writeFileSync(join(src.dir, 'b.rego'), 'package elsewhere\n');
    await assert.rejects(buildBundle(src.dir).then((x) => readBundle(x.archive, { name: 'n', verification: null, sizeLimitBytes: 1 << 20 })), /do not permit 'package elsewhere'/);
  } finally {
    src.cleanup();
  }
});

test('policy build and policy inspect: signed with a key file, verified, tampering detected', async () => {
  const work = mkdtempSync(join(tmpdir(), 'dc-build-cli-'));
  try {
    const { privatePem, publicPem } = rsaKeys();
    writeFileSync(join(work, 'priv.pem'), privatePem);
    writeFileSync(join(work, 'pub.pem'), publicPem);
    const out = join(work, 'bundle.tar.gz');
    const b = io();
    assert.equal(await runBuild(POLICIES, { output: out, revision: 'r9', signingKey: join(work, 'priv.pem'), signingAlg: 'RS256', verificationKeyId: 'release', ignore: [] }, b), 0, b.errors.join('\n'));
    assert.match(b.lines[0]!, /wrote .*bundle\.tar\.gz \(\d+ bytes, revision "r9", \d+ files, signed\)/);
    // The sidecar's reader accepts it with the public key.
    const loaded = await readBundle(readFileSync(out), { name: 'dc', verification: verification({ release: { algorithm: 'RS256', key: publicPem } }), sizeLimitBytes: 1 << 24 });
    assert.equal(loaded.signature?.keyId, 'release');

    const plain = io();
    assert.equal(await runInspect(out, { format: 'pretty', verificationKeyId: 'default', signingAlg: 'RS256' }, plain), 0);
    const text = plain.lines.join('\n');
    assert.match(text, /revision: {2}"r9"/);
    assert.match(text, /signature: unverified: file digests match/);
    assert.match(text, /\/firewall\.rego +\d+ B {2}package defenseclaw\.firewall/);
    assert.match(text, /\/data\.json +\d+ B {2}data/);

    const verified = io();
    assert.equal(await runInspect(out, { format: 'json', verificationKey: join(work, 'pub.pem'), verificationKeyId: 'release', signingAlg: 'RS256' }, verified), 0);
    const report = JSON.parse(verified.lines.join('\n'));
    assert.equal(report.signature.status, 'verified');
    assert.equal(report.manifest.revision, 'r9');
    assert.ok(report.files.some((x: { path: string; kind: string }) => x.path === '/admission.rego' && x.kind === 'package defenseclaw.admission'));

    // Tamper: replace one module, keep the old signature.
    const entries = await readTarGz(readFileSync(out), { sizeLimitBytes: 1 << 24 });
    const tampered = entries.map((e) => (e.path === 'firewall.rego' ? { path: e.path, content: Buffer.from(e.content.toString().replace('"deny"', '"allow"')) } : e));
    writeFileSync(out, await writeTarGz(tampered));
    const bad = io();
    assert.equal(await runInspect(out, { format: 'pretty', verificationKeyId: 'default', signingAlg: 'RS256' }, bad), 1);
    assert.match(bad.lines.join('\n'), /signature: invalid: firewall\.rego: digest mismatch/);
    const badKey = io();
    assert.equal(await runInspect(out, { format: 'json', verificationKey: join(work, 'pub.pem'), verificationKeyId: 'release', signingAlg: 'RS256' }, badKey), 1);
    assert.match(JSON.parse(badKey.lines.join('\n')).signature.detail, /firewall\.rego: digest mismatch/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('policy build refuses a policy that does not compile, with file:row:col', async () => {
  const src = policyDir({ 'a.rego': 'package a\n\nallow if {\n', 'data.json': '{}' });
  try {
    const b = io();
    assert.equal(await runBuild(src.dir, { output: join(src.dir, 'out.tar.gz'), signingAlg: 'RS256', verificationKeyId: 'default', ignore: [] }, b), 1);
    assert.match(b.errors.join('\n'), /a\.rego:\d+:\d+: rego_parse_error/);
    const missing = io();
    assert.equal(await runInspect(join(src.dir, 'nope.tar.gz'), { format: 'pretty', verificationKeyId: 'default', signingAlg: 'RS256' }, missing), 1);
    assert.match(missing.errors[0]!, /cannot read/);
  } finally {
    src.cleanup();
  }
});
