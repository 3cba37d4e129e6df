/**
 * Reading a policy directory: which directory holds the modules, which files
 * are modules, and the merged data document. Reads only, never writes (the
 * original moved unparseable modules away; we refuse to touch the operator's
 * files). Synchronous: a policy directory is small and this keeps a load one
 * uninterrupted read of the disk.
 *
 * Only regular files are read: a FIFO, socket or device named `data.json`
 * would block the event loop (or never end), so every file is `lstat`ed, opened
 * non-blocking without following links and `fstat`ed before a byte is read.
 * Symbolic links (any policy file, `.rego` or data) are followed only to a
 * regular file inside the policy directory: a Kubernetes ConfigMap mount, whose
 * files are links into its own `..data/`, loads; a link leading out of the
 * directory is refused.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { parseJsonText } from './json-text.js';
import { setOwn, type JsonObject } from '../rego/value.js';
import type { PolicyFile } from './types.js';

export const DATA_FILE = 'data.json';
/** Optional supplement; its top-level keys replace data.json's (shallow, as the original). */
export const SANDBOX_DATA_FILE = 'data-sandbox.json';

/** Files of a rego directory that make up a policy (what the revision is computed over). */
export function isPolicyFileName(name: string): boolean {
  return name.endsWith('.rego') || name === DATA_FILE || name === SANDBOX_DATA_FILE;
}

/** A policy file name as read back from elsewhere (history, journal): one plain entry of the rego directory, nothing else. */
export function isSafePolicyFileName(name: unknown): name is string {
  return typeof name === 'string' && isPolicyFileName(name) && !/[/\\\0]/.test(name) && name.length <= 255;
}

/** A load failure (missing directory, unreadable file, bad JSON...): one line, no Rego location. */
export class PolicyLoadError extends Error {
  override name = 'PolicyLoadError';
}


export interface PolicyModuleFile {
  /** Path as the user would write it: the directory as given joined with the file name. */
  file: string;
  source: string;
}

export interface PolicyDirectory {
  /** The directory as given. */
  policyDir: string;
  /** `<policyDir>/rego` when it holds modules (or cannot be listed), else `policyDir`. */
  regoDir: string;
  /** Every `*.rego` directly in regoDir (tests included), sorted by name. */
  modules: PolicyModuleFile[];
  /** data.json with data-sandbox.json's top-level keys laid over it. */
  data: JsonObject;
  /** Top-level keys of the merged data, sorted. */
  dataKeys: string[];
  /** data.json top-level keys replaced by data-sandbox.json, sorted. */
  shadowedKeys: string[];
  /** Every file read (name relative to regoDir), sorted by name: the input of the revision hash. */
  files: { name: string; content: string }[];
  /** Set when the policy comes from a bundle (`src/bundle/`): its name and manifest revision. */
  bundle?: { name: string; revision: string };
  /** Parse the modules as Rego v0 (a bundle whose manifest says `rego_version: 0`). */
  v0Compatible?: boolean;
}

function errorCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * True when `dir` lists at least one `*.rego`. A directory that exists but
 * cannot be listed (permissions, not a directory) also counts, so that a broken
 * `rego/` is selected and fails loudly instead of silently falling back to a
 * stale flat layout (the original's rule).
 */
function hasRegoFiles(dir: string): boolean {
  try {
    return readdirSync(dir).some((name) => name.endsWith('.rego'));
  } catch (e) {
    return errorCode(e) !== 'ENOENT';
  }
}

/** `dir/rego` when it holds `.rego` files (or cannot be listed), else `dir`. The path is taken literally. */
export function resolveRegoDir(dir: string): string {
  const nested = join(dir, 'rego');
  return hasRegoFiles(nested) ? nested : dir;
}

/** `O_NONBLOCK`: opening a FIFO must not wait for a writer. `O_NOFOLLOW`: the path checked is the path opened. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function notRegular(path: string, st: Stats): PolicyLoadError {
  const kind = kindOf(st);
  return new PolicyLoadError(`policy: ${path} is not a regular file${kind === 'not a regular file' ? '' : ` (${kind})`}`);
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith('..' + sep) && !isAbsolute(rel);
}

/**
 * The text of a policy file, or null when it does not exist. Only a regular
 * file is read, or a symbolic link to one inside `root` (the policy directory);
 * anything else is a `PolicyLoadError` naming the file.
 */
export function readPolicyFile(path: string, root: string): string | null {
  let target = path;
  let st: Stats;
  try {
    st = lstatSync(path);
    if (st.isSymbolicLink()) {
      const realRoot = realpathSync(root);
      target = realpathSync(path);
      if (!isInside(realRoot, target)) throw new PolicyLoadError(`policy: ${path} is a symbolic link to ${target}, outside the policy directory ${root}`);
      st = lstatSync(target);
    }
  } catch (e) {
    if (e instanceof PolicyLoadError) throw e;
    if (errorCode(e) === 'ENOENT') return null;
    throw new PolicyLoadError(`policy: cannot read ${path}: ${errorText(e)}`);
  }
  if (!st.isFile()) throw notRegular(path, st);
  let fd: number;
  try {
    fd = openSync(target, OPEN_FLAGS);
  } catch (e) {
    // Replaced by a link between lstat and open (ELOOP), or removed: refuse, never follow.
    throw new PolicyLoadError(`policy: cannot read ${path}: ${errorText(e)}`);
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile()) throw notRegular(path, opened);
    return readFileSync(fd, 'utf8');
  } catch (e) {
    if (e instanceof PolicyLoadError) throw e;
    throw new PolicyLoadError(`policy: cannot read ${path}: ${errorText(e)}`);
  } finally {
    closeSync(fd);
  }
}

function readText(path: string, root: string): string {
  const text = readPolicyFile(path, root);
  if (text === null) throw new PolicyLoadError(`policy: cannot read ${path}: it no longer exists`);
  return text;
}

function parseDataObject(path: string, text: string): JsonObject {
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    const { line, column, message } = parsed.problem;
    throw new PolicyLoadError(`policy: ${path}:${line}:${column}: invalid JSON: ${message}`);
  }
  const value = parsed.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new PolicyLoadError(`policy: ${path} must hold a JSON object, not ${kind}`);
  }
  return value as JsonObject;
}

function listModuleNames(regoDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(regoDir);
  } catch (e) {
    throw new PolicyLoadError(`policy: cannot list ${regoDir}: ${errorText(e)}`);
  }
  const modules = names.filter((n) => n.endsWith('.rego')).sort();
  if (modules.length === 0) throw new PolicyLoadError(`policy: no .rego files found in ${regoDir}`);
  return modules;
}

/** Reads a policy directory whole. Throws `PolicyLoadError` (one line) on any problem. */
export function loadPolicyDirectory(policyDir: string): PolicyDirectory {
  try {
    if (!statSync(policyDir).isDirectory()) throw new PolicyLoadError(`policy: ${policyDir} is not a directory`);
  } catch (e) {
    if (e instanceof PolicyLoadError) throw e;
    if (errorCode(e) === 'ENOENT') throw new PolicyLoadError(`policy: directory ${policyDir} does not exist`);
    throw new PolicyLoadError(`policy: cannot read ${policyDir}: ${errorText(e)}`);
  }
  const regoDir = resolveRegoDir(policyDir);
  const files: { name: string; content: string }[] = [];

  const modules = listModuleNames(regoDir).map((name) => {
    const file = join(regoDir, name);
    const source = readText(file, policyDir);
    files.push({ name, content: source });
    return { file, source };
  });

  const dataPath = join(regoDir, DATA_FILE);
  const dataText = readPolicyFile(dataPath, policyDir);
  if (dataText === null) throw new PolicyLoadError(`policy: ${dataPath} not found (required)`);
  files.push({ name: DATA_FILE, content: dataText });
  const base = parseDataObject(dataPath, dataText);

  const sandboxPath = join(regoDir, SANDBOX_DATA_FILE);
  let supplement: JsonObject | null = null;
  const sandboxText = readPolicyFile(sandboxPath, policyDir);
  if (sandboxText !== null) {
    files.push({ name: SANDBOX_DATA_FILE, content: sandboxText });
    supplement = parseDataObject(sandboxPath, sandboxText);
  }

  const data: JsonObject = {};
  for (const key of Object.keys(base)) setOwn(data, key, base[key]!);
  const shadowedKeys: string[] = [];
  if (supplement) {
    for (const key of Object.keys(supplement)) {
      if (Object.prototype.hasOwnProperty.call(base, key)) shadowedKeys.push(key);
      setOwn(data, key, supplement[key]!);
    }
  }

  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    policyDir,
    regoDir,
    modules,
    data,
    dataKeys: Object.keys(data).sort(),
    shadowedKeys: shadowedKeys.sort(),
    files,
  };
}

/**
 * The policy files now in a rego directory, read raw (no parsing, so that a
 * broken directory can still be saved before a rollback replaces it), sorted
 * by name. What cannot be read as a regular file inside `root` (a FIFO, a link
 * leading out) is left out: it is not policy content.
 */
export function readPolicyFiles(regoDir: string, root: string): PolicyFile[] {
  const files: PolicyFile[] = [];
  for (const name of readdirSync(regoDir).sort()) {
    if (!isPolicyFileName(name)) continue;
    let content: string | null;
    try {
      content = readPolicyFile(join(regoDir, name), root);
    } catch (e) {
      if (e instanceof PolicyLoadError) continue;
      throw e;
    }
    if (content !== null) files.push({ name, content });
  }
  return files;
}
