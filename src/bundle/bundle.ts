/**
 * Reading a bundle (OPA's `bundle.Reader`): the archive, its signature, its
 * manifest, its modules and data, checked whole before anything is used.
 *
 * Data files (`data.json`, `data.yaml`, `data.yml`) are placed in `data` at
 * their directory's path (`roles/bindings/data.json` → `data.roles.bindings`)
 * and merged; two files setting the same non-object path conflict. Modules
 * land where their `package` says. With a signature, every file but
 * `.signatures.json` must be listed in it with a matching digest, and every
 * listed file must be present. Then the manifest's roots must contain every
 * package and every data path. Any failure is a `BundleError`; a loaded
 * bundle becomes a `PolicyDirectory`, the engine's input.
 */
import { parse as parseYaml } from 'yaml';
import type { PolicyDirectory } from '../policy/directory.js';
import { parseJsonText } from '../policy/json-text.js';
import { parseModule } from '../rego/index.js';
import { setOwn, type JsonObject, type Value } from '../rego/value.js';
import { readTarGz, type ArchiveFile } from './archive.js';
import { BundleError } from './errors.js';
import { checkDataRoots, goList, moduleRegoVersion, parseManifest, rootsContain, type Manifest } from './manifest.js';
import { globMatch, parseSignaturesFile, unmatchedFiles, verifyFile, verifySignatures, type VerificationConfig } from './signature.js';

export const SIGNATURES_FILE = '.signatures.json';
export const MANIFEST_FILE = '.manifest';
const DATA_FILES = new Set(['data.json', 'data.yaml', 'data.yml']);

export interface BundleModule {
  /** Path in the bundle (no leading `/`). */
  path: string;
  source: string;
  regoVersion: 0 | 1;
}

export interface SignatureInfo {
  keyId: string;
  scope: string;
  issuer?: string;
  issuedAt?: number;
}

export interface LoadedBundle {
  name: string;
  manifest: Manifest;
  /** False when the bundle has no `.manifest` (revision empty, roots `[""]`). */
  hasManifest: boolean;
  modules: BundleModule[];
  data: JsonObject;
  /** Every file but `.signatures.json`, in archive order. */
  files: ArchiveFile[];
  /** The verified signature, or null for an unsigned bundle. */
  signature: SignatureInfo | null;
  /** Size of the archive as received. */
  sizeBytes: number;
}

export interface ReadOptions {
  /** The bundle's name in the configuration (for messages and provenance). */
  name: string;
  /** The bundle's `signing` configuration; null: signatures are not expected (and refused). */
  verification: VerificationConfig | null;
  sizeLimitBytes: number;
  /** Read a signed bundle without checking its signature (`opa --skip-verify`; inspection only). */
  skipVerification?: boolean;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function dirSegments(path: string): string[] {
  const i = path.lastIndexOf('/');
  return i < 0 ? [] : path.slice(0, i).split('/');
}

/** Reads and checks a bundle archive. Throws `BundleError`. */
export async function readBundle(raw: Buffer, opts: ReadOptions): Promise<LoadedBundle> {
  const entries = await readTarGz(raw, { sizeLimitBytes: opts.sizeLimitBytes });
  const signaturesFile = entries.find((f) => f.path === SIGNATURES_FILE);
  const files = entries.filter((f) => f !== signaturesFile);
  for (const f of files) {
    const base = baseName(f.path);
    if (base === 'patch.json') throw new BundleError(`delta bundles are not supported (${f.path})`);
    if ((base === MANIFEST_FILE || base === SIGNATURES_FILE) && f.path !== base) throw new BundleError(`${f.path}: ${base} must be at the bundle root`);
  }

  const signature = opts.skipVerification ? null : await checkSignature(signaturesFile, files, opts);

  const manifestFile = files.find((f) => f.path === MANIFEST_FILE);
  const manifest: Manifest = manifestFile ? parseManifest(manifestFile.content) : { revision: '', roots: [''] };
  const data: JsonObject = {};
  const modules: BundleModule[] = [];
  for (const f of files) {
    const base = baseName(f.path);
    if (f.path.endsWith('.rego')) modules.push({ path: f.path, source: f.content.toString('utf8'), regoVersion: moduleRegoVersion(manifest, f.path) });
    else if (DATA_FILES.has(base)) insertData(data, dirSegments(f.path), parseData(f), f.path);
  }
  checkModuleRoots(manifest, modules);
  checkDataRoots(manifest.roots, data);
  return { name: opts.name, manifest, hasManifest: manifestFile !== undefined, modules, data, files, signature, sizeBytes: raw.length };
}

/** OPA's verification table: signed iff signing is configured; every file covered, every covered file present. */
async function checkSignature(signaturesFile: ArchiveFile | undefined, files: readonly ArchiveFile[], opts: ReadOptions): Promise<SignatureInfo | null> {
  const config = opts.verification;
  if (signaturesFile === undefined) {
    if (config !== null) throw new BundleError('bundle missing .signatures.json file (signing is configured for this bundle)');
    return null;
  }
  if (config === null) throw new BundleError(`verification key not provided (bundle is signed; configure bundles.${opts.name}.signing)`);
  const verified = await verifySignatures(parseSignaturesFile(signaturesFile.content), config);
  for (const f of files) {
    if (config.excludeFiles.some((pattern) => globMatch(pattern, f.path))) verified.files.delete(f.path);
    else verifyFile(f.path, f.content, verified);
  }
  unmatchedFiles(verified);
  const info: SignatureInfo = { keyId: verified.keyId, scope: verified.scope };
  if (verified.issuer !== undefined) info.issuer = verified.issuer;
  if (verified.issuedAt !== undefined) info.issuedAt = verified.issuedAt;
  return info;
}

function parseData(f: ArchiveFile): Value {
  const text = f.content.toString('utf8');
  if (f.path.endsWith('.json')) {
    const parsed = parseJsonText(text);
    if (!parsed.ok) throw new BundleError(`bundle load failed on ${f.path}:${parsed.problem.line}:${parsed.problem.column}: invalid JSON: ${parsed.problem.message}`);
    return parsed.value as Value;
  }
  try {
    // YAML data is converted to JSON, as OPA does: plain data only.
    return JSON.parse(JSON.stringify(parseYaml(text) ?? null)) as Value;
  } catch (err) {
    throw new BundleError(`bundle load failed on ${f.path}: ${(err as Error).message.split('\n')[0]}`);
  }
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Places a data file's value at its directory path; conflicting non-object values fail the load. */
function insertData(data: JsonObject, key: string[], value: Value, file: string): void {
  if (key.length === 0 && !isObject(value)) throw new BundleError(`bundle load failed on ${file}: root value must be object`);
  let tree: Value = value;
  for (let i = key.length - 1; i >= 0; i--) {
    const node: JsonObject = {};
    setOwn(node, key[i]!, tree);
    tree = node;
  }
  if (!mergeInto(data, tree as JsonObject)) throw new BundleError(`bundle load failed on ${file}: failed to insert data file from path ${key.join('/')}`);
}

/** Deep merge of `b` into `a`, refusing any key both set unless both values are objects. */
function mergeInto(a: JsonObject, b: JsonObject): boolean {
  const conflicts = (x: JsonObject, y: JsonObject): boolean =>
    Object.keys(y).some((k) => Object.prototype.hasOwnProperty.call(x, k) && (!isObject(x[k]) || !isObject(y[k]) || conflicts(x[k] as JsonObject, y[k] as JsonObject)));
  if (conflicts(a, b)) return false;
  const merge = (x: JsonObject, y: JsonObject): void => {
    for (const k of Object.keys(y)) {
      if (Object.prototype.hasOwnProperty.call(x, k)) merge(x[k] as JsonObject, y[k] as JsonObject);
      else setOwn(x, k, y[k]!);
    }
  };
  merge(a, b);
  return true;
}

/** Every module's package must lie under a root (a module that does not parse is left to the compiler's error). */
function checkModuleRoots(manifest: Manifest, modules: readonly BundleModule[]): void {
  if (manifest.roots.includes('')) return;
  for (const m of modules) {
    let pkg: string[];
    try {
      pkg = parseModule(m.path, m.source, { v0: m.regoVersion === 0 }).package.path;
    } catch {
      continue;
    }
    if (!rootsContain(manifest.roots, pkg.join('/'))) {
      throw new BundleError(`manifest roots ${goList(manifest.roots)} do not permit 'package ${pkg.join('.')}' in module '/${m.path}'`);
    }
  }
}

/** The policy-directory view of a bundle, for the engine (modules named by their bundle paths). */
export function bundlePolicyDirectory(bundle: LoadedBundle): PolicyDirectory {
  const versions = new Set(bundle.modules.map((m) => m.regoVersion));
  if (versions.size > 1) throw new BundleError('bundle mixes Rego v0 and v1 modules (file_rego_versions); compile them as one version');
  const label = `bundle:${bundle.name}`;
  const textFiles = bundle.files
    .filter((f) => f.path.endsWith('.rego') || DATA_FILES.has(baseName(f.path)) || f.path === MANIFEST_FILE)
    .map((f) => ({ name: f.path, content: f.content.toString('utf8') }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const dir: PolicyDirectory = {
    policyDir: label,
    regoDir: label,
    modules: bundle.modules.map((m) => ({ file: m.path, source: m.source })),
    data: bundle.data,
    dataKeys: Object.keys(bundle.data).sort(),
    shadowedKeys: [],
    files: textFiles,
    bundle: { name: bundle.name, revision: bundle.manifest.revision },
  };
  if (versions.has(0)) dir.v0Compatible = true;
  return dir;
}
