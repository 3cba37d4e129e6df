/**
 * What `policy eval` and `policy bench` load, as `opa eval` does: a policy
 * directory (`--rego-dir`), extra `--data` files (`.rego` modules, `.json`/
 * `.yaml` documents deep-merged into data) and an `--input` document; and how
 * both report Rego errors (OPA's text, or `{"errors": [...]}` in JSON).
 */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { compile } from '../rego/index.js';
import type { ModuleSource, Policy } from '../rego/api.js';
import { RegoError, RegoErrors } from '../rego/errors.js';
import { loadPolicyDirectory } from '../policy/directory.js';
import { fromJS, isPlainObject, setOwn, type JsonObject, type Value } from '../rego/value.js';

export interface EvalInputOptions {
  regoDir?: string;
  data: string[];
  input?: string;
  v0Compatible?: boolean;
  /** Compile the traced variant (`--explain`). */
  trace?: boolean;
}

export interface EvalInputs {
  policy: Policy;
  data: JsonObject;
  input?: Value;
}

/** Deep-merges `extra` into `base` (objects only), as `opa eval --data` merges documents. */
function mergeData(base: JsonObject, extra: Value): JsonObject {
  if (!isPlainObject(extra)) return base;
  const out: JsonObject = { ...base };
  for (const k of Object.keys(extra)) {
    const a = out[k];
    const b = extra[k]!;
    setOwn(out, k, a !== undefined && isPlainObject(a) && isPlainObject(b) ? mergeData(a, b) : b);
  }
  return out;
}

function readDocument(file: string): Value {
  const text = readFileSync(file, 'utf8');
  return fromJS(file.endsWith('.yaml') || file.endsWith('.yml') ? YAML.parse(text) : JSON.parse(text));
}

/** Loads and compiles; throws `RegoErrors` for policy errors, other errors for unreadable files. */
export function loadEvalInputs(opts: EvalInputOptions): EvalInputs {
  const modules: ModuleSource[] = [];
  let data: JsonObject = {};
  if (opts.regoDir) {
    const dir = loadPolicyDirectory(opts.regoDir);
    modules.push(...dir.modules);
    data = dir.data;
  }
  for (const file of opts.data) {
    if (file.endsWith('.rego')) modules.push({ file, source: readFileSync(file, 'utf8') });
    else data = mergeData(data, readDocument(file));
  }
  const policy = compile(modules, { v0Compatible: opts.v0Compatible === true, trace: opts.trace === true });
  const out: EvalInputs = { policy, data };
  if (opts.input !== undefined) out.input = readDocument(opts.input);
  return out;
}

/** Writes an error the way `opa eval` does: OPA's text, or `{"errors": [...]}` with `--format json`. */
export function reportEvalError(e: unknown, format: string, write: (text: string) => void): void {
  const errors = e instanceof RegoErrors ? e.errors : e instanceof RegoError ? [e] : undefined;
  if (!errors) {
    write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return;
  }
  if (format === 'json') {
    write(JSON.stringify({ errors: errors.map((x) => x.toJSON()) }, null, 2) + '\n');
    return;
  }
  write((e instanceof RegoErrors ? e.message : errors[0]!.format()) + '\n');
}
