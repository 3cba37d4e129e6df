/**
 * `defenseclaw policy build`: a policy directory as an OPA bundle, laid out as
 * `opa build` lays one out, so that `opa run -b` loads it and our sidecar
 * serves exactly what it would serve from the directory:
 *
 *   DIR/*.rego                       → /<name>.rego (packages decide where rules live)
 *   DIR/data.json + data-sandbox.json → /data.json (merged as the sidecar merges them:
 *                                       data-sandbox.json's top-level keys replace data.json's)
 *   DIR/.manifest (optional)          → /.manifest with `revision` (from --revision),
 *                                       `roots` (default [""]) and `rego_version: 1`
 *   --signing-key                     → /.signatures.json (one JWT over every file's digest)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPolicyDirectory } from '../policy/directory.js';
import { writeTarGz, type ArchiveFile } from './archive.js';
import { BundleError } from './errors.js';
import { MANIFEST_FILE, SIGNATURES_FILE } from './bundle.js';
import { checkRevision, parseManifest } from './manifest.js';
import { globMatch, signFiles, type SigningOptions } from './signature.js';

export interface BuildOptions {
  /** The manifest's revision (default: the directory's `.manifest` revision, else empty). */
  revision?: string;
  /** Module file names to leave out (`opa build --ignore`), as glob patterns. */
  ignore?: readonly string[];
  signing?: SigningOptions;
  /** Entry modification time (default now). */
  mtime?: Date;
}

export interface BuiltBundle {
  archive: Buffer;
  /** The files in the archive, `.signatures.json` last when signed. */
  files: ArchiveFile[];
  revision: string;
}

/** Builds the bundle of a policy directory. Throws `PolicyLoadError` (a bad directory) or `BundleError`. */
export async function buildBundle(policyDir: string, opts: BuildOptions = {}): Promise<BuiltBundle> {
  const dir = loadPolicyDirectory(policyDir);
  const base = readBaseManifest(dir.regoDir, policyDir);
  const revision = opts.revision ?? base.revision;
  checkRevision(revision);
  const manifest: Record<string, unknown> = { revision, roots: base.roots, rego_version: 1 };
  if (base.metadata !== undefined) manifest['metadata'] = base.metadata;

  const files: ArchiveFile[] = [{ path: 'data.json', content: Buffer.from(JSON.stringify(dir.data)) }];
  for (const m of dir.modules) {
    const name = m.file.slice(m.file.lastIndexOf('/') + 1);
    if ((opts.ignore ?? []).some((pattern) => globMatch(pattern, name))) continue;
    files.push({ path: name, content: Buffer.from(m.source, 'utf8') });
  }
  files.push({ path: MANIFEST_FILE, content: Buffer.from(JSON.stringify(manifest)) });
  if (opts.signing) files.push({ path: SIGNATURES_FILE, content: await signFiles(files, opts.signing) });
  return { archive: await writeTarGz(files, opts.mtime), files, revision };
}

/** `.manifest` in the directory (or its rego/ subdirectory), when present: roots and metadata to keep. */
function readBaseManifest(regoDir: string, policyDir: string): { revision: string; roots: string[]; metadata?: Record<string, unknown> } {
  for (const dir of [regoDir, policyDir]) {
    let content: Buffer;
    try {
      content = readFileSync(join(dir, MANIFEST_FILE));
    } catch {
      continue;
    }
    try {
      const m = parseManifest(content);
      return { revision: m.revision, roots: m.roots, ...(m.metadata ? { metadata: m.metadata } : {}) };
    } catch (err) {
      throw new BundleError(`${join(dir, MANIFEST_FILE)}: ${(err as Error).message}`);
    }
  }
  return { revision: '', roots: [''] };
}
