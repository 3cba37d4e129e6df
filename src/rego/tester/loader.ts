/**
 * Loading what `opa test PATH…` loads: every `.rego` file as a module and every
 * `.json`/`.yaml`/`.yml` file as data, walking directories recursively. A data
 * file lands at the data path of its directory relative to the path argument
 * (`root/a/b/x.json` → `data.a.b`), and all data documents are deep-merged;
 * two files setting the same leaf is a load error, as OPA's loader has it.
 */
import { readFileSync, readdirSync, statSync, type Stats } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ModuleSource } from '../api.js';
import { fromJS, hasOwn, isPlainObject, setOwn, type JsonObject, type Value } from '../value.js';
import { parseJsonText } from '../../policy/json-text.js';
import { globMatch } from './glob.js';

/** A file that cannot be read, parsed or merged: one line naming the file. */
export class TestLoadError extends Error {
  override name = 'TestLoadError';
}

export interface LoadOptions {
  /** `--ignore` patterns, matched (Go `filepath.Match`) against the name of every file and directory below a path argument. */
  ignore?: readonly string[];
}

export interface LoadedFiles {
  /** Modules in load order: argument order, then lexical order within directories. */
  modules: ModuleSource[];
  /** The merged data document. */
  data: JsonObject;
  /** Every data file loaded (as named in errors). */
  dataFiles: string[];
}

const MODULE_EXT = '.rego';
const DATA_EXT = new Set(['.json', '.yaml', '.yml']);

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new TestLoadError(`${file}: ${errorText(e)}`);
  }
}

/** Parses a JSON or YAML data file into a Rego value. */
export function parseDataFile(file: string, text: string): Value {
  if (extname(file) === '.json') {
    const parsed = parseJsonText(text);
    if (!parsed.ok) {
      const { line, column, message } = parsed.problem;
      throw new TestLoadError(`${file}:${line}:${column}: invalid JSON: ${message}`);
    }
    return toValue(file, parsed.value);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new TestLoadError(`${file}: invalid YAML: ${errorText(e)}`);
  }
  // An empty YAML file holds no document: nothing to merge.
  return toValue(file, doc === undefined ? null : doc);
}

function toValue(file: string, doc: unknown): Value {
  try {
    return fromJS(doc);
  } catch (e) {
    throw new TestLoadError(`${file}: ${errorText(e)}`);
  }
}

function dataPathText(path: readonly string[]): string {
  return ['data', ...path].join('.');
}

/**
 * Deep-merges `doc` into `target` at `path` (creating objects on the way).
 * `target` is owned by the loader; `doc` is copied where it is merged into, so
 * no parsed value is ever mutated. Conflicts (a leaf set twice, or an object
 * meeting a non-object) throw `<file>: merge error …`.
 */
export function mergeDataAt(target: JsonObject, path: readonly string[], doc: Value, file: string): void {
  if (path.length === 0) {
    if (doc === null) return;
    if (!isPlainObject(doc)) throw new TestLoadError(`${file}: data at the root must be an object`);
    mergeObjects(target, doc, [], file);
    return;
  }
  let node = target;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const next = hasOwn(node, key) ? node[key]! : undefined;
    if (next === undefined) {
      const fresh: JsonObject = {};
      setOwn(node, key, fresh);
      node = fresh;
    } else if (isPlainObject(next)) {
      node = next;
    } else {
      throw conflict(file, path.slice(0, i + 1));
    }
  }
  mergeObjects(node, { [path[path.length - 1]!]: doc } as JsonObject, path.slice(0, -1), file);
}

function mergeObjects(target: JsonObject, source: JsonObject, at: string[], file: string): void {
  for (const key of Object.keys(source)) {
    const incoming = source[key]!;
    if (!hasOwn(target, key)) {
      setOwn(target, key, isPlainObject(incoming) ? copyObject(incoming) : incoming);
      continue;
    }
    const existing = target[key]!;
    if (isPlainObject(existing) && isPlainObject(incoming)) {
      mergeObjects(existing, incoming, [...at, key], file);
    } else {
      throw conflict(file, [...at, key]);
    }
  }
}

/** Copies the object spine so later merges can write into it without touching the parsed value. */
function copyObject(obj: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(obj)) {
    const v = obj[key]!;
    setOwn(out, key, isPlainObject(v) ? copyObject(v) : v);
  }
  return out;
}

function conflict(file: string, path: string[]): TestLoadError {
  return new TestLoadError(`${file}: merge error: ${dataPathText(path)} is already defined by another data file`);
}

function isIgnored(name: string, ignore: readonly string[]): boolean {
  return ignore.some((pattern) => globMatch(pattern, name));
}

interface FoundFile {
  /** Path as shown to the user (the argument joined with the relative path). */
  file: string;
  /** Data path (directory segments relative to the argument). */
  dataPath: string[];
  kind: 'module' | 'data';
}

function kindOf(file: string): FoundFile['kind'] | undefined {
  const ext = extname(file);
  if (ext === MODULE_EXT) return 'module';
  if (DATA_EXT.has(ext)) return 'data';
  return undefined;
}

function statOrThrow(path: string): Stats {
  try {
    return statSync(path);
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? (e as { code: unknown }).code : undefined;
    if (code === 'ENOENT') throw new TestLoadError(`${path}: no such file or directory`);
    throw new TestLoadError(`${path}: ${errorText(e)}`);
  }
}

/** Walks one path argument; directories in lexical order, as Go's `filepath.Walk`. */
function collect(root: string, ignore: readonly string[], out: FoundFile[]): void {
  const stat = statOrThrow(root);
  if (!stat.isDirectory()) {
    // A file named on the command line is loaded whatever its extension says; data goes at the root.
    out.push({ file: root, dataPath: [], kind: kindOf(root) ?? 'data' });
    return;
  }
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (e) {
      throw new TestLoadError(`${dir}: ${errorText(e)}`);
    }
    for (const name of names) {
      if (isIgnored(name, ignore)) continue;
      const path = join(dir, name);
      if (statOrThrow(path).isDirectory()) {
        walk(path);
        continue;
      }
      const kind = kindOf(name);
      if (!kind) continue;
      const rel = relative(root, dirname(path));
      out.push({ file: path, dataPath: rel === '' ? [] : rel.split(sep), kind });
    }
  };
  walk(root);
}

/** Loads modules and data from the paths, as `opa test PATH…` does. Throws `TestLoadError`. */
export function loadTestFiles(paths: readonly string[], opts: LoadOptions = {}): LoadedFiles {
  const ignore = opts.ignore ?? [];
  const found: FoundFile[] = [];
  for (const path of paths) collect(path, ignore, found);

  const seen = new Set<string>();
  const modules: ModuleSource[] = [];
  const data: JsonObject = {};
  const dataFiles: string[] = [];
  for (const f of found) {
    if (f.kind === 'module') {
      // A module reached twice (a file and its directory) is one module, as OPA keys modules by path.
      const key = resolve(f.file);
      if (seen.has(key)) continue;
      seen.add(key);
      modules.push({ file: f.file, source: readText(f.file) });
    } else {
      const text = readText(f.file);
      mergeDataAt(data, f.dataPath, parseDataFile(f.file, text), f.file);
      dataFiles.push(f.file);
    }
  }
  return { modules, data, dataFiles };
}
