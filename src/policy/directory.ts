/**
 * Reading a policy directory: which directory holds the modules, which files
 * are modules, and the merged data document. Reads only, never writes (the
 * original moved unparseable modules away; we refuse to touch the operator's
 * files). Synchronous: a policy directory is small and this keeps a load one
 * uninterrupted read of the disk.
 */
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonText } from './json-text.js';
import { setOwn, type JsonObject } from '../rego/value.js';

/** A load failure (missing directory, unreadable file, bad JSON...): one line, no Rego location. */
export class PolicyLoadError extends Error {
  override name = 'PolicyLoadError';
}

export const DATA_FILE = 'data.json';
/** Optional supplement; its top-level keys replace data.json's (shallow, as the original). */
export const SANDBOX_DATA_FILE = 'data-sandbox.json';

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

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new PolicyLoadError(`policy: cannot read ${path}: ${errorText(e)}`);
  }
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
  for (const name of modules) {
    const path = join(regoDir, name);
    let isFile: boolean;
    try {
      isFile = lstatSync(path).isFile();
    } catch (e) {
      throw new PolicyLoadError(`policy: cannot read ${path}: ${errorText(e)}`);
    }
    if (!isFile) throw new PolicyLoadError(`policy: ${path} is not a regular file`);
  }
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
    const source = readText(file);
    files.push({ name, content: source });
    return { file, source };
  });

  const dataPath = join(regoDir, DATA_FILE);
  let dataText: string;
  try {
    dataText = readFileSync(dataPath, 'utf8');
  } catch (e) {
    if (errorCode(e) === 'ENOENT') throw new PolicyLoadError(`policy: ${dataPath} not found (required)`);
    throw new PolicyLoadError(`policy: cannot read ${dataPath}: ${errorText(e)}`);
  }
  files.push({ name: DATA_FILE, content: dataText });
  const base = parseDataObject(dataPath, dataText);

  const sandboxPath = join(regoDir, SANDBOX_DATA_FILE);
  let supplement: JsonObject | null = null;
  let sandboxText: string | null = null;
  try {
    sandboxText = readFileSync(sandboxPath, 'utf8');
  } catch (e) {
    if (errorCode(e) !== 'ENOENT') throw new PolicyLoadError(`policy: cannot read ${sandboxPath}: ${errorText(e)}`);
  }
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
