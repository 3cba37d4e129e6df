/**
 * `defenseclaw policy eval --rego-dir DIR [--data FILE]... [--input FILE] QUERY`,
 * like `opa eval`: prints `{"result": [...]}` (OPA's JSON, 2-space indent;
 * no `result` key when undefined), exit 0 when defined; errors OPA-style on
 * stderr, exit 1.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import YAML from 'yaml';
import { compile } from '../../rego/index.js';
import type { ModuleSource, Result } from '../../rego/api.js';
import { RegoError, RegoErrors } from '../../rego/errors.js';
import { loadPolicyDirectory } from '../../policy/directory.js';
import { fromJS, isPlainObject, setOwn, toJSONText, type JsonObject, type Value } from '../../rego/value.js';

interface EvalCliOptions {
  regoDir?: string;
  data: string[];
  input?: string;
  format: string;
  strictBuiltinErrors?: boolean;
  v0Compatible?: boolean;
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

function resultJSON(results: Result[]): string {
  const body = results.map((r) => {
    const exprs = r.expressions.map((e) => `{"value":${toJSONText(e.value)},"text":${JSON.stringify(e.text)},"location":{"row":${e.location.row},"col":${e.location.col}}}`);
    const names = Object.keys(r.bindings).sort();
    const bindings = names.length > 0 ? `,"bindings":{${names.map((n) => `${JSON.stringify(n)}:${toJSONText(r.bindings[n]!)}`).join(',')}}` : '';
    return `{"expressions":[${exprs.join(',')}]${bindings}}`;
  });
  const text = results.length > 0 ? `{"result":[${body.join(',')}]}` : '{}';
  return JSON.stringify(JSON.parse(text), null, 2);
}

function prettyText(results: Result[]): string {
  if (results.length === 0) return 'undefined';
  if (results.length === 1 && results[0]!.expressions.length === 1 && Object.keys(results[0]!.bindings).length === 0) {
    return JSON.stringify(JSON.parse(toJSONText(results[0]!.expressions[0]!.value)), null, 2);
  }
  return resultJSON(results);
}

function reportError(e: unknown, format: string): void {
  const errors = e instanceof RegoErrors ? e.errors : e instanceof RegoError ? [e] : undefined;
  if (!errors) {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return;
  }
  if (format === 'json') {
    process.stderr.write(JSON.stringify({ errors: errors.map((x) => x.toJSON()) }, null, 2) + '\n');
    return;
  }
  process.stderr.write((e instanceof RegoErrors ? e.message : errors[0]!.format()) + '\n');
}

export function runEval(query: string, opts: EvalCliOptions): number {
  try {
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
    const input = opts.input !== undefined ? readDocument(opts.input) : undefined;
    const policy = compile(modules, { v0Compatible: opts.v0Compatible === true });
    const results = policy.prepare(query).eval({
      ...(input !== undefined ? { input } : {}),
      data,
      strictBuiltinErrors: opts.strictBuiltinErrors === true,
      print: (m) => process.stderr.write(m + '\n'),
    });
    process.stdout.write((opts.format === 'pretty' ? prettyText(results) : resultJSON(results)) + '\n');
    return 0;
  } catch (e) {
    reportError(e, opts.format);
    return 1;
  }
}

export function registerEval(policy: Command): void {
  policy
    .command('eval')
    .description('evaluate a Rego query against a policy directory (like `opa eval`)')
    .argument('<query>', 'Rego query, e.g. data.defenseclaw.admission')
    .option('--rego-dir <dir>', 'policy directory (its .rego modules and data.json)')
    .option('--data <file>', 'additional .rego, .json or .yaml file (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--input <file>', 'input document (.json or .yaml)')
    .option('--format <format>', 'json or pretty', 'json')
    .option('--strict-builtin-errors', 'fail on built-in errors instead of treating them as undefined')
    .option('--v0-compatible', 'parse modules as Rego v0')
    .action((query: string, opts: EvalCliOptions) => {
      process.exitCode = runEval(query, opts);
    });
}
