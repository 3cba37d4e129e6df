import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { entryPath, readTarGz, writeTarGz, type ArchiveLimits } from '../../src/bundle/archive.js';
import { BundleError } from '../../src/bundle/errors.js';
import { PolicyLoadError } from '../../src/policy/directory.js';
import { rawTarGz } from './helpers.js';

const LIMITS = { sizeLimitBytes: 1024 * 1024 };

async function refused(archive: Buffer, pattern: RegExp, limits: ArchiveLimits = LIMITS): Promise<void> {
  await assert.rejects(readTarGz(archive, limits), (err: unknown) => {
    assert.ok(err instanceof BundleError, String(err));
    assert.ok(err instanceof PolicyLoadError, 'a bundle error is a policy load failure');
    assert.match((err as Error).message, pattern);
    return true;
  });
}

test('round trip: files written as opa build names them (/-rooted) read back relative to the root', async () => {
  const files = [
    { path: 'data.json', content: Buffer.from('{}') },
    { path: 'roles/bindings/data.json', content: Buffer.from('[1]') },
    { path: 'policy.rego', content: Buffer.from('package p\n') },
  ];
  const read = await readTarGz(await writeTarGz(files), LIMITS);
  assert.deepEqual(
    read.map((f) => [f.path, f.content.toString()]),
    files.map((f) => [f.path, f.content.toString()]),
  );
});

test('names: one leading / (opa build) or ./ (tar -C dir .) is the bundle root; directories are skipped', async () => {
  const read = await readTarGz(
    await rawTarGz([
      { name: './', type: 'directory' },
      { name: './a/', type: 'directory' },
      { name: './a/data.json', content: '{"x":1}' },
      { name: '/b.rego', content: 'package b' },
      { name: 'c/d.rego', content: 'package c.d' },
    ]),
    LIMITS,
  );
  assert.deepEqual(
    read.map((f) => f.path),
    ['a/data.json', 'b.rego', 'c/d.rego'],
  );
});

test('entries with .. or an absolute path are refused, whole', async () => {
  await refused(await rawTarGz([{ name: 'ok.rego', content: 'package ok' }, { name: '../evil.rego', content: 'x' }]), /"\.\.\/evil\.rego" refused: "\.\." in the path/);
  await refused(await rawTarGz([{ name: 'a/../../etc/passwd', content: 'x' }]), /"\.\." in the path/);
  await refused(await rawTarGz([{ name: '//etc/passwd', content: 'x' }]), /absolute path/);
  await refused(await rawTarGz([{ name: 'C:/windows/x.rego', content: 'x' }]), /absolute path/);
  await refused(await rawTarGz([{ name: 'a\\..\\b', content: 'x' }]), /backslash/);
  await refused(await rawTarGz([{ name: 'a/./b.rego', content: 'x' }]), /"\." path segment/);
  await refused(await rawTarGz([{ name: 'a\u0001b', content: 'x' }]), /control character/);
  for (const bad of ['', '../x', '//x', 'x/../y', 'a//b']) assert.throws(() => entryPath(bad), BundleError, bad);
});

test('links and special files are refused', async () => {
  await refused(await rawTarGz([{ name: 'data.json', type: 'symlink', linkname: '/etc/passwd' }]), /is a symlink; only regular files/);
  await refused(await rawTarGz([{ name: 'a.rego', content: 'package a' }, { name: 'b.rego', type: 'link', linkname: 'a.rego' }]), /is a link; only regular files/);
  await refused(await rawTarGz([{ name: 'pipe', type: 'fifo' }]), /is a fifo/);
});

test('corrupt, empty, duplicate and oversized archives are refused', async () => {
  await refused(Buffer.from('not gzip at all'), /not a gzip archive/);
  const good = await rawTarGz([{ name: 'a.rego', content: 'package a\n'.repeat(100) }]);
  await refused(good.subarray(0, good.length - 20), /not a gzip archive|corrupt tar archive/);
  await refused(gzipSync(Buffer.alloc(10_000, 0x41)), /corrupt tar archive|archive is empty/);
  await refused(gzipSync(Buffer.alloc(0)), /archive is empty/);
  await refused(await rawTarGz([{ name: 'a.rego', content: 'x' }, { name: '/a.rego', content: 'y' }]), /has a\.rego twice/);
  await refused(await rawTarGz([{ name: 'big.json', content: Buffer.alloc(2048, 0x20) }]), /big\.json is 2048 bytes, over the size limit \(1000 bytes\)/, { sizeLimitBytes: 1000 });
  await refused(
    await rawTarGz([0, 1, 2].map((i) => ({ name: `f${i}.rego`, content: Buffer.alloc(400, 0x20) }))),
    /add up to more than the size limit/,
    { sizeLimitBytes: 1000 },
  );
  await refused(await rawTarGz([0, 1, 2].map((i) => ({ name: `f${i}.rego`, content: 'x' }))), /more than 2 entries/, { sizeLimitBytes: 1000, maxEntries: 2 });
  await refused(Buffer.alloc(2000), /over the size limit/, { sizeLimitBytes: 1000 });
});

test('a gzip bomb stops inflating at the limit', async () => {
  const bomb = await rawTarGz([{ name: 'zeros.json', content: Buffer.alloc(50 * 1024 * 1024) }]);
  assert.ok(bomb.length < 200 * 1024, `the bomb is small (${bomb.length} bytes)`);
  const before = process.memoryUsage().rss;
  await refused(bomb, /inflates beyond the size limit/);
  assert.ok(process.memoryUsage().rss - before < 40 * 1024 * 1024, 'the bomb was not inflated whole');
});
