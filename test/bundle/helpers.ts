/** Shared bundle-test fixtures: keys, small policy directories, hand-made archives. */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import type { KeyConfig, VerificationConfig } from '../../src/bundle/signature.js';

export interface KeyPair {
  privatePem: string;
  publicPem: string;
}

let rsa: KeyPair | null = null;

/** One RSA key pair per test process (generating them is slow). */
export function rsaKeys(): KeyPair {
  rsa ??= pemPair(generateKeyPairSync('rsa', { modulusLength: 2048 }));
  return rsa;
}

export function ecKeys(): KeyPair {
  return pemPair(generateKeyPairSync('ec', { namedCurve: 'P-256' }));
}

function pemPair(k: { privateKey: import('node:crypto').KeyObject; publicKey: import('node:crypto').KeyObject }): KeyPair {
  return { privatePem: k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicPem: k.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export function verification(keys: Record<string, KeyConfig>, opts: Partial<Omit<VerificationConfig, 'keys'>> = {}): VerificationConfig {
  return { keyId: opts.keyId ?? Object.keys(keys)[0] ?? '', scope: opts.scope ?? '', excludeFiles: opts.excludeFiles ?? [], keys: new Map(Object.entries(keys)) };
}

/** A temporary policy directory with the given files; `cleanup` removes it. */
export function policyDir(files: Record<string, string>): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'dc-bundle-src-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The small policy the fleet tests publish: a decision that names the revision its data came from. */
export function fleetPolicy(revision: string): Record<string, string> {
  return {
    'fleet.rego': 'package fleet\n\ndecision := {"revision": data.meta.revision, "allow": input.x == 1}\n',
    'data.json': JSON.stringify({ meta: { revision } }),
  };
}

export interface RawEntry {
  name: string;
  content?: string | Buffer;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo';
  linkname?: string;
}

/** A .tar.gz with exactly these entries (names and types as given, nothing sanitised). */
export async function rawTarGz(entries: RawEntry[]): Promise<Buffer> {
  const p = tarPack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of p) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    const content = typeof e.content === 'string' ? Buffer.from(e.content) : (e.content ?? Buffer.alloc(0));
    const type = e.type ?? 'file';
    await new Promise<void>((resolve, reject) =>
      p.entry(
        { name: e.name, type, size: type === 'file' ? content.length : 0, ...(e.linkname ? { linkname: e.linkname } : {}) },
        type === 'file' ? content : Buffer.alloc(0),
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }
  p.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}
