/**
 * The bundle's `.manifest` (OPA's `bundle.Manifest`): `revision`, `roots` (the
 * parts of `data` the bundle owns; default `[""]`, everything), `rego_version`,
 * `file_rego_versions`, `metadata`. Roots are `/`-separated paths below
 * `data`; a module's package and every data file must lie under one of them.
 */
import { BundleError } from './errors.js';
import { globMatch } from './signature.js';

export interface Manifest {
  revision: string;
  roots: string[];
  regoVersion?: 0 | 1;
  fileRegoVersions?: Record<string, 0 | 1>;
  metadata?: Record<string, unknown>;
}

/**
 * A revision becomes the `X-DefenseClaw-Policy-Revision` header of every
 * decision and a field of logs and audit rows: printable ASCII, bounded.
 */
const MAX_REVISION_LENGTH = 256;

export function parseManifest(content: Buffer): Manifest {
  let doc: unknown;
  try {
    doc = JSON.parse(content.toString('utf8'));
  } catch (err) {
    throw new BundleError(`bundle load failed on manifest decode: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new BundleError('bundle load failed on manifest decode: not a JSON object');
  const m = doc as Record<string, unknown>;
  const revision = m['revision'] ?? '';
  if (typeof revision !== 'string') throw new BundleError('.manifest: revision must be a string');
  checkRevision(revision);
  const manifest: Manifest = { revision, roots: parseRoots(m['roots']) };
  const version = m['rego_version'];
  if (version !== undefined && version !== null) manifest.regoVersion = regoVersion(version, 'rego_version');
  const perFile = m['file_rego_versions'];
  if (perFile !== undefined && perFile !== null) {
    if (typeof perFile !== 'object' || Array.isArray(perFile)) throw new BundleError('.manifest: file_rego_versions must be an object');
    manifest.fileRegoVersions = {};
    for (const [pattern, v] of Object.entries(perFile)) manifest.fileRegoVersions[pattern] = regoVersion(v, `file_rego_versions[${JSON.stringify(pattern)}]`);
  }
  const metadata = m['metadata'];
  if (metadata !== undefined && metadata !== null) {
    if (typeof metadata !== 'object' || Array.isArray(metadata)) throw new BundleError('.manifest: metadata must be an object');
    manifest.metadata = metadata as Record<string, unknown>;
  }
  const wasm = m['wasm'];
  if (Array.isArray(wasm) && wasm.length > 0) throw new BundleError('.manifest: Wasm modules are not supported (the bundle must carry Rego)');
  validateRoots(manifest.roots);
  return manifest;
}

export function checkRevision(revision: string): void {
  if (revision.length > MAX_REVISION_LENGTH) throw new BundleError(`.manifest: revision is longer than ${MAX_REVISION_LENGTH} characters`);
  for (let i = 0; i < revision.length; i++) {
    const c = revision.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new BundleError('.manifest: revision must be printable ASCII (it is sent in a response header)');
  }
}

function regoVersion(v: unknown, what: string): 0 | 1 {
  if (v !== 0 && v !== 1) throw new BundleError(`.manifest: ${what} must be 0 or 1`);
  return v;
}

function parseRoots(v: unknown): string[] {
  if (v === undefined || v === null) return [''];
  if (!Array.isArray(v) || !v.every((r) => typeof r === 'string')) throw new BundleError('.manifest: roots must be a list of strings');
  // Standardised as OPA does: no leading or trailing slash.
  return (v as string[]).map((r) => r.replace(/^\/+|\/+$/g, ''));
}

function validateRoots(roots: readonly string[]): void {
  for (let i = 0; i < roots.length; i++) {
    for (let j = i + 1; j < roots.length; j++) {
      if (rootContains(roots[i]!, roots[j]!) || rootContains(roots[j]!, roots[i]!)) {
        throw new BundleError(`manifest has overlapped roots: '${roots[i]}' and '${roots[j]}'`);
      }
    }
  }
}

/** True when `root` (an empty root is everything) contains `path` (both `/`-separated). */
export function rootContains(root: string, path: string): boolean {
  if (root === '') return true;
  const r = root.split('/');
  const p = path.split('/');
  if (r.length > p.length) return false;
  return r.every((seg, i) => seg === p[i]);
}

export function rootsContain(roots: readonly string[], path: string): boolean {
  return roots.some((r) => rootContains(r, path));
}

/**
 * Checks that every value of the data document lies under a root (OPA's depth
 * first walk: an object on the way to a root is descended into, anything else
 * outside the roots is an error).
 */
export function checkDataRoots(roots: readonly string[], data: Record<string, unknown>): void {
  const walk = (path: string[], node: unknown): void => {
    const joined = path.join('/');
    if (rootsContain(roots, joined)) return;
    if (path.length === 0 || (typeof node === 'object' && node !== null && !Array.isArray(node) && roots.some((r) => rootContains(joined, r)))) {
      for (const [k, v] of Object.entries(node as Record<string, unknown>)) walk([...path, k], v);
      return;
    }
    throw new BundleError(`manifest roots ${goList(roots)} do not permit data at path '/${joined}' (hint: check bundle directory structure)`);
  };
  walk([], data);
}

/** Go's `%v` of a string list. */
export function goList(items: readonly string[]): string {
  return '[' + items.join(' ') + ']';
}

/** The Rego version of a module: its `file_rego_versions` pattern (paths are `/`-rooted), else the bundle's, else v1. */
export function moduleRegoVersion(manifest: Manifest, path: string): 0 | 1 {
  const rooted = '/' + path;
  for (const [pattern, v] of Object.entries(manifest.fileRegoVersions ?? {})) {
    if (globMatch(pattern, rooted) || globMatch(pattern, path)) return v;
  }
  return manifest.regoVersion ?? 1;
}
