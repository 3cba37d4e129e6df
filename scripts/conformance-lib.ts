/**
 * Running OPA-format conformance cases in-process: shared by
 * `scripts/conformance.ts` (the whole suite, with counts) and
 * `test/conformance.test.ts` (the cases known to pass, as regression tests).
 *
 * A case: compile `modules`, prepare `query`, evaluate with `data` and `input`
 * (or `input_term`, a Rego term), then compare with `want_result` (the list of
 * bindings, in order unless `sort_bindings`) or `want_error_code`/`want_error`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import YAML from 'yaml';
import type { CompileOptions, ModuleSource, Policy, Result } from '../src/rego/api.js';
import { RegoError, RegoErrors } from '../src/rego/errors.js';
import { parseModule, parseQuery, parseTerm } from '../src/rego/syntax/parser.js';
import { checkModules } from '../src/rego/compile/checks/index.js';
import type { Term } from '../src/rego/syntax/ast.js';
import { compare, equals, fromJS, isObject, makeObject, RegoSet, sortedEntries, toJSONText, type JsonObject, type Value } from '../src/rego/value.js';

export type CompileFn = (sources: ModuleSource[], options?: CompileOptions) => Policy;

export interface ConformanceCase {
  note: string;
  query?: string;
  modules?: string[];
  data?: unknown;
  input?: unknown;
  input_term?: string;
  want_result?: Record<string, unknown>[];
  want_error_code?: string;
  want_error?: string;
  strict_error?: boolean;
  sort_bindings?: boolean;
  /** Our extension: parse the modules as Rego v0 (`--v0-compatible`), for cases taken from v0 suites. */
  v0_compatible?: boolean;
  skip?: boolean;
}

export interface CaseResult {
  /** YAML file, relative to the conformance root. */
  file: string;
  note: string;
  status: 'passed' | 'failed' | 'skipped';
  reason?: string;
}

/** The shared sample: `../shared/conformance` next to the repository, or `$REGO_CONFORMANCE_DIR` (a worktree elsewhere). */
export const DEFAULT_ROOT = process.env['REGO_CONFORMANCE_DIR'] ?? new URL('../../shared/conformance', import.meta.url).pathname;
/** Our own regression cases (one per root cause found on real policies), same format; every one must pass. */
export const OWN_ROOT = new URL('../test/conformance', import.meta.url).pathname;

/** Per-case evaluation budget; the evaluator checks the deadline periodically. */
const CASE_TIMEOUT_MS = 10_000;

/** Every `*.yaml` below `path` (or `path` itself), sorted. */
export function findCaseFiles(path: string): string[] {
  if (statSync(path).isFile()) return [path];
  const out: string[] = [];
  for (const name of readdirSync(path).sort()) {
    const p = join(path, name);
    if (statSync(p).isDirectory()) out.push(...findCaseFiles(p));
    else if (name.endsWith('.yaml') || name.endsWith('.yml')) out.push(p);
  }
  return out;
}

export function loadCases(file: string): ConformanceCase[] {
  // Integers as bigint so that numbers beyond 2^53 in expectations stay exact.
  const doc = YAML.parse(readFileSync(file, 'utf8'), { intAsBigInt: true }) as { cases?: ConformanceCase[] } | null;
  return doc?.cases ?? [];
}

export function caseId(root: string, file: string, note: string): string {
  return `${relative(root, file)}#${note}`;
}

/**
 * The compiler: `compile()` from `src/rego/index.ts` when it exists; otherwise
 * parsing plus the compile-time checks (enough for `--compile-only`), with
 * queries that cannot be evaluated.
 */
export async function loadCompiler(): Promise<{ compile: CompileFn; real: boolean }> {
  try {
    const mod = (await import(pathToFileURL(new URL('../src/rego/index.ts', import.meta.url).pathname).href)) as { compile?: CompileFn };
    if (typeof mod.compile === 'function') return { compile: mod.compile, real: true };
  } catch {
    /* not written yet: fall back below */
  }
  return { compile: parseAndCheck, real: false };
}

function parseAndCheck(sources: ModuleSource[], options: CompileOptions = {}): Policy {
  const modules = sources.map((s) => parseModule(s.file, s.source, { v0: options.v0Compatible === true }));
  const errors = checkModules(modules, { refusedBuiltins: options.refusedBuiltins ?? [] });
  if (errors.length > 0) throw new RegoErrors(errors);
  return {
    modules,
    prepare(query: string) {
      parseQuery(query);
      return {
        eval(): Result[] {
          throw new RegoError('eval_internal_error', 'evaluator not available (src/rego/index.ts missing)');
        },
      };
    },
  };
}

/** Runs one case; never throws. */
export function runCase(compile: CompileFn, c: ConformanceCase, opts: { compileOnly?: boolean } = {}): { status: CaseResult['status']; reason?: string } {
  if (c.skip) return { status: 'skipped' };
  try {
    return runCaseUnsafe(compile, c, opts.compileOnly === true);
  } catch (e) {
    return { status: 'failed', reason: `runner crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}` };
  }
}

function runCaseUnsafe(compile: CompileFn, c: ConformanceCase, compileOnly: boolean): { status: CaseResult['status']; reason?: string } {
  const wantsError = c.want_error_code !== undefined || c.want_error !== undefined;
  const sources = (c.modules ?? []).map((source, i) => ({ file: `test-${i}.rego`, source }));
  let results: Result[];
  try {
    const policy = compile(sources, c.v0_compatible === true ? { v0Compatible: true } : {});
    const prepared = policy.prepare(c.query ?? '');
    if (compileOnly) {
      return c.want_error_code?.startsWith('rego_') ? fail(`compiled, want ${c.want_error_code}`) : pass();
    }
    const input = c.input_term !== undefined ? termValue(parseTerm(c.input_term, 'input_term')) : c.input === undefined ? undefined : fromJS(c.input);
    results = prepared.eval({
      ...(input !== undefined ? { input } : {}),
      data: c.data === undefined ? {} : fromJS(c.data),
      strictBuiltinErrors: c.strict_error === true,
      deadline: Date.now() + CASE_TIMEOUT_MS,
    });
  } catch (e) {
    const errors = e instanceof RegoErrors ? e.errors : e instanceof RegoError ? [e] : undefined;
    if (!errors) throw e;
    if (compileOnly) {
      const compileErr = errors.find((x) => x.code.startsWith('rego_'));
      if (!compileErr) return pass();
      return c.want_error_code === compileErr.code ? pass() : fail(`unexpected ${describeErrors(errors)}`);
    }
    if (!wantsError) return fail(`unexpected ${describeErrors(errors)}`);
    return checkError(c, errors);
  }
  if (wantsError) return fail(`want error ${c.want_error_code ?? ''} ${c.want_error ?? ''}, got ${results.length} result(s)`.replace(/\s+/g, ' '));
  if (c.want_result === undefined) return pass();
  return compareResults(c, results);
}

function pass(): { status: 'passed' } {
  return { status: 'passed' };
}
function fail(reason: string): { status: 'failed'; reason: string } {
  return { status: 'failed', reason };
}

function describeErrors(errors: RegoError[]): string {
  return errors.map((e) => e.format()).join('; ');
}

/** Both the code and the message substring must match one of the errors (OPA's runner checks the first). */
function checkError(c: ConformanceCase, errors: RegoError[]): { status: CaseResult['status']; reason?: string } {
  const matches = (e: RegoError): boolean => {
    if (c.want_error_code !== undefined && e.code !== c.want_error_code) return false;
    if (c.want_error === undefined) return true;
    // OPA prints eval errors as `file:row: code: message`, compile errors with the column too.
    const forms = [e.message, e.format()];
    if (e.location) forms.push(`${e.location.file}:${e.location.row}: ${e.code}: ${e.message}`);
    return forms.some((f) => f.includes(c.want_error!));
  };
  return errors.some(matches) ? pass() : fail(`want ${c.want_error_code ?? ''} "${c.want_error ?? ''}", got ${describeErrors(errors)}`);
}

function compareResults(c: ConformanceCase, results: Result[]): { status: CaseResult['status']; reason?: string } {
  const want = c.want_result!.map((b) => bindingValue(b));
  // OPA's runner compares the JSON form of results (sets become sorted arrays, non-string keys strings).
  const got = results.map((r) => jsonForm(visibleBindings(r.bindings)));
  if (c.sort_bindings) {
    want.sort(compare);
    got.sort(compare);
  }
  if (want.length === got.length && want.every((w, i) => equals(w, got[i]!))) return pass();
  const show = (xs: Value[]): string => `[${xs.map((x) => toJSONText(x)).join(', ')}]`;
  const sameSet = want.length === got.length && [...want].sort(compare).every((w, i) => equals(w, [...got].sort(compare)[i]!));
  return fail(`${sameSet ? 'same results in another order: ' : ''}want ${show(want)}, got ${show(got)}`);
}

/**
 * The JSON form of a value as OPA's runner sees it — sets as sorted arrays,
 * non-string keys as their JSON text — keeping big integers exact.
 */
function jsonForm(v: Value | Record<string, Value>): Value {
  if (v instanceof RegoSet) return v.sorted().map(jsonForm);
  if (Array.isArray(v)) return v.map(jsonForm);
  if (isObject(v as Value)) {
    return makeObject(sortedEntries(v as JsonObject).map(([k, x]) => [typeof k === 'string' ? k : toJSONText(k), jsonForm(x)]));
  }
  return v as Value;
}

/** The user's variables of a result (generated `$`-names and wildcards dropped). */
function visibleBindings(bindings: Record<string, Value>): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const [k, v] of Object.entries(bindings)) if (!k.startsWith('$') && !k.startsWith('_')) out[k] = v;
  return out;
}

function bindingValue(b: Record<string, unknown>): Value {
  return fromJS(b ?? {});
}

/** The value of a ground term (for `input_term`). */
export function termValue(t: Term): Value {
  switch (t.type) {
    case 'null':
      return null;
    case 'boolean':
    case 'string':
    case 'number':
      return t.value;
    case 'array':
      return t.items.map(termValue);
    case 'set':
      return new RegoSet(t.items.map(termValue));
    case 'object':
      return makeObject(t.items.map(([k, v]) => [termValue(k), termValue(v)]));
    default:
      throw new RegoError('rego_parse_error', `input_term must be ground, found ${t.type}`, t.loc);
  }
}
