import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeTarGz, type ArchiveFile } from '../../src/bundle/archive.js';
import { bundlePolicyDirectory, readBundle, type ReadOptions } from '../../src/bundle/bundle.js';
import { BundleError } from '../../src/bundle/errors.js';
import { signFiles, type VerificationConfig } from '../../src/bundle/signature.js';
import { ecKeys, rawTarGz, rsaKeys, verification } from './helpers.js';

const f = (path: string, content: string): ArchiveFile => ({ path, content: Buffer.from(content) });
const opts = (v: VerificationConfig | null = null): ReadOptions => ({ name: 'dc', verification: v, sizeLimitBytes: 1 << 20 });

async function signed(files: ArchiveFile[], key: string, algorithm = 'RS256', extra: { keyId?: string; claims?: Record<string, unknown> } = {}): Promise<ArchiveFile[]> {
  return [...files, { path: '.signatures.json', content: await signFiles(files, { algorithm, key, ...extra }) }];
}

async function rejects(archive: Promise<Buffer> | Buffer, o: ReadOptions, pattern: RegExp): Promise<void> {
  await assert.rejects(readBundle(await archive, o), (err: unknown) => {
    assert.ok(err instanceof BundleError, String(err));
    assert.match((err as Error).message, pattern);
    return true;
  });
}

test('data files land at their directory path and merge; modules keep their bundle paths', async () => {
  const b = await readBundle(
    await writeTarGz([
      f('data.json', '{"top": {"a": 1}}'),
      f('top/b/data.json', '{"c": 2}'),
      f('roles/data.yaml', 'admins: [alice]\n'),
      f('lists/data.json', '[1, 2]'),
      f('http/authz/policy.rego', 'package http.authz\n\nallow := true\n'),
      f('.manifest', '{"revision": "abc123", "roots": [""]}'),
      f('README.md', 'ignored'),
    ]),
    opts(),
  );
  assert.deepEqual(b.data, { top: { a: 1, b: { c: 2 } }, roles: { admins: ['alice'] }, lists: [1, 2] });
  assert.deepEqual(b.modules.map((m) => m.path), ['http/authz/policy.rego']);
  assert.equal(b.manifest.revision, 'abc123');
  assert.equal(b.signature, null);
  const dir = bundlePolicyDirectory(b);
  assert.deepEqual(dir.bundle, { name: 'dc', revision: 'abc123' });
  assert.deepEqual(dir.files.map((x) => x.name), ['.manifest', 'data.json', 'http/authz/policy.rego', 'lists/data.json', 'roles/data.yaml', 'top/b/data.json']);
});

test('no manifest: revision empty, roots everything; conflicting and invalid data are refused', async () => {
  const b = await readBundle(await writeTarGz([f('x.rego', 'package x\n')]), opts());
  assert.equal(b.hasManifest, false);
  assert.deepEqual(b.manifest, { revision: '', roots: [''] });
  await rejects(writeTarGz([f('data.json', '{"a": 1}'), f('a/data.json', '{"b": 2}')]), opts(), /bundle load failed on a\/data\.json: failed to insert data file from path a/);
  await rejects(writeTarGz([f('data.json', '[1]')]), opts(), /root value must be object/);
  await rejects(writeTarGz([f('data.json', '{"a": }')]), opts(), /bundle load failed on data\.json:1:7: invalid JSON/);
  await rejects(writeTarGz([f('x/.manifest', '{}')]), opts(), /x\/\.manifest: \.manifest must be at the bundle root/);
  await rejects(writeTarGz([f('patch.json', '{"data": []}')]), opts(), /delta bundles are not supported/);
});

test('manifest: roots must contain every package and every data path; no overlaps; revision is printable', async () => {
  const manifest = (m: unknown): ArchiveFile => f('.manifest', JSON.stringify(m));
  await readBundle(await writeTarGz([manifest({ roots: ['defenseclaw', 'config'] }), f('data.json', '{"config": {"x": 1}}'), f('a.rego', 'package defenseclaw.admission\n')]), opts());
  await rejects(writeTarGz([manifest({ roots: ['defenseclaw'] }), f('a.rego', 'package other.x\n')]), opts(), /manifest roots \[defenseclaw\] do not permit 'package other\.x' in module '\/a\.rego'/);
  await rejects(writeTarGz([manifest({ roots: ['defenseclaw'] }), f('data.json', '{"config": 1}')]), opts(), /do not permit data at path '\/config'/);
  await rejects(writeTarGz([manifest({ roots: ['a/b'] }), f('a/c/data.json', '{}')]), opts(), /do not permit data at path '\/a\/c'/);
  await readBundle(await writeTarGz([manifest({ roots: ['a/b'] }), f('a/b/c/data.json', '{"d": 1}')]), opts());
  await rejects(writeTarGz([manifest({ roots: ['a', 'a/b'] })]), opts(), /manifest has overlapped roots: 'a' and 'a\/b'/);
  await rejects(writeTarGz([manifest({ revision: 'bad\nrevision' })]), opts(), /revision must be printable ASCII/);
  await rejects(writeTarGz([manifest({ revision: 7 })]), opts(), /revision must be a string/);
  await rejects(writeTarGz([manifest({ wasm: [{ entrypoint: 'a/b', module: '/policy.wasm' }] })]), opts(), /Wasm modules are not supported/);
});

test('rego_version 0 bundles compile as v0; mixed versions are refused', async () => {
  const v0 = await readBundle(await writeTarGz([f('.manifest', '{"rego_version": 0}'), f('a.rego', 'package a\nallow { true }\n')]), opts());
  assert.equal(bundlePolicyDirectory(v0).v0Compatible, true);
  const mixed = await readBundle(
    await writeTarGz([f('.manifest', '{"rego_version": 1, "file_rego_versions": {"/old/*.rego": 0}}'), f('old/a.rego', 'package a\nallow { true }\n'), f('b.rego', 'package b\n')]),
    opts(),
  );
  assert.deepEqual(mixed.modules.map((m) => [m.path, m.regoVersion]), [['old/a.rego', 0], ['b.rego', 1]]);
  assert.throws(() => bundlePolicyDirectory(mixed), /mixes Rego v0 and v1/);
});

test('signatures: a signed bundle verifies; the key comes from the config, else the token', async () => {
  const { privatePem, publicPem } = rsaKeys();
  const files = [f('data.json', '{"a": 1}'), f('p/policy.rego', 'package p\n'), f('.manifest', '{"revision": "r1"}')];
  const archive = await writeTarGz(await signed(files, privatePem, 'RS256', { keyId: 'release' }));
  const b = await readBundle(archive, opts(verification({ release: { algorithm: 'RS256', key: publicPem } })));
  assert.deepEqual(b.signature, { keyId: 'release', scope: '' });
  // No keyid configured: the token's kid picks the key.
  const viaKid = await readBundle(archive, opts(verification({ other: { algorithm: 'RS256', key: 'unused' }, release: { algorithm: 'RS256', key: publicPem } }, { keyId: '' })));
  assert.equal(viaKid.signature?.keyId, 'release');
  // ES256 and HS256 keys work the same way.
  const ec = ecKeys();
  await readBundle(await writeTarGz(await signed(files, ec.privatePem, 'ES256')), opts(verification({ k: { algorithm: 'ES256', key: ec.publicPem } })));
  await readBundle(await writeTarGz(await signed(files, 'sekrit', 'HS256')), opts(verification({ k: { algorithm: 'HS256', key: 'sekrit' } })));
  await rejects(writeTarGz(await signed(files, 'sekrit', 'HS256')), opts(verification({ k: { algorithm: 'HS256', key: 'other' } })), /signature verification failed/);
});

test('signatures: unsigned when required, signed when not configured, wrong key or algorithm are refused', async () => {
  const { privatePem, publicPem } = rsaKeys();
  const files = [f('data.json', '{"a": 1}'), f('policy.rego', 'package p\n')];
  const v = verification({ release: { algorithm: 'RS256', key: publicPem } });
  await rejects(writeTarGz(files), opts(v), /bundle missing \.signatures\.json file/);
  await rejects(writeTarGz(await signed(files, privatePem)), opts(null), /verification key not provided/);
  await rejects(writeTarGz(await signed(files, ecKeys().privatePem, 'ES256')), opts(v), /signature verification failed/);
  await rejects(writeTarGz(await signed(files, privatePem)), opts(verification({ release: { algorithm: 'RS256', key: ecKeys().publicPem } })), /signature verification failed/);
  await rejects(writeTarGz(await signed(files, privatePem)), opts(verification({ release: { algorithm: 'RS256', key: publicPem } }, { keyId: '' })), /verification key ID is empty/);
  await rejects(writeTarGz(await signed(files, privatePem, 'RS256', { keyId: 'nope' })), opts(verification({ release: { algorithm: 'RS256', key: publicPem } }, { keyId: '' })), /verification key corresponding to ID nope not found/);
  const two = [...files, f('.signatures.json', JSON.stringify({ signatures: ['a.b.c', 'd.e.f'] }))];
  await rejects(writeTarGz(two), opts(v), /multiple JWTs not supported/);
  await rejects(writeTarGz([...files, f('.signatures.json', '{"signatures": []}')]), opts(v), /missing JWT/);
  await rejects(writeTarGz([...files, f('.signatures.json', '{"plugin": "kms", "signatures": ["x"]}')]), opts(v), /signature plugin "kms" is not supported/);
});

test('signatures: a tampered, added or missing file is refused; the scope must match', async () => {
  const { privatePem, publicPem } = rsaKeys();
  const files = [f('data.json', '{"a": 1}'), f('policy.rego', 'package p\n')];
  const v = verification({ release: { algorithm: 'RS256', key: publicPem } });
  const good = await signed(files, privatePem);
  const tampered = good.map((x) => (x.path === 'policy.rego' ? f('policy.rego', 'package p\n\nallow := true\n') : x));
  await rejects(writeTarGz(tampered), opts(v), /policy\.rego: digest mismatch \(want: [0-9a-f]{64}, got: [0-9a-f]{64}\)/);
  await rejects(writeTarGz([...good, f('extra.rego', 'package extra\n')]), opts(v), /file extra\.rego not included in bundle signature/);
  await rejects(writeTarGz(good.filter((x) => x.path !== 'data.json')), opts(v), /file\(s\) \[data\.json\] specified in bundle signatures but not found/);
  // Reformatting signed JSON data changes nothing (structured files hash canonically).
  await readBundle(await writeTarGz(good.map((x) => (x.path === 'data.json' ? f('data.json', '{\n  "a" : 1\n}\n') : x))), opts(v));
  // exclude_files: an excluded file needs no digest.
  await readBundle(await writeTarGz([...good, f('notes/extra.txt', 'x')]), opts(verification({ release: { algorithm: 'RS256', key: publicPem } }, { excludeFiles: ['notes/*'] })));
  // Scope: the bundle's, else the key's; exact match.
  const scoped = await writeTarGz(await signed(files, privatePem, 'RS256', { claims: { scope: 'write' } }));
  await readBundle(scoped, opts(verification({ release: { algorithm: 'RS256', key: publicPem } }, { scope: 'write' })));
  await readBundle(scoped, opts(verification({ release: { algorithm: 'RS256', key: publicPem, scope: 'write' } })));
  await rejects(Promise.resolve(scoped), opts(v), /scope mismatch/);
  await rejects(writeTarGz(good), opts(verification({ release: { algorithm: 'RS256', key: publicPem } }, { scope: 'read' })), /scope mismatch/);
});

test('an OPA-built layout loads: /-rooted names, directory entries, signature over bundle paths', async () => {
  const { privatePem, publicPem } = rsaKeys();
  const data = f('data.json', '{"roles": {"admin": ["alice"]}}');
  const rego = f('example/authz/authz.rego', 'package example.authz\n\nallow if input.user in data.roles.admin\n');
  const manifest = f('.manifest', '{"revision":"7864d60","roots":[""],"rego_version":1}');
  const sig = await signFiles([data, rego, manifest], { algorithm: 'RS256', key: privatePem, keyId: 'default' });
  const archive = await rawTarGz([
    { name: '/data.json', content: data.content },
    { name: '/example/', type: 'directory' },
    { name: '/example/authz/authz.rego', content: rego.content },
    { name: '/.signatures.json', content: sig },
    { name: '/.manifest', content: manifest.content },
  ]);
  const b = await readBundle(archive, opts(verification({ default: { algorithm: 'RS256', key: publicPem } }, { keyId: '' })));
  assert.equal(b.manifest.revision, '7864d60');
  assert.deepEqual(b.data, { roles: { admin: ['alice'] } });
  assert.deepEqual(b.modules.map((m) => m.path), ['example/authz/authz.rego']);
});
