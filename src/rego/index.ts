/**
 * The Rego engine's entry point (API in `api.ts`): compile modules once into an
 * immutable policy, prepare queries, evaluate them many times (concurrently:
 * all per-evaluation state lives in an `EvalState`).
 */
import type { CompileOptions, EvalOptions, FieldList, FieldValues, ModuleSource, Policy, PreparedFields, PreparedQuery, Result } from './api.js';
import { ERROR_LIMIT, RegoError, RegoErrors } from './errors.js';
import type { Body, Expr, Module } from './syntax/ast.js';
import { parseModule, parseQuery } from './syntax/parser.js';
import { checkStages, checkSteps } from './compile/checks/index.js';
import { inlineMetadataCalls } from './compile/metadata.js';
import { ClosureCompiler } from './compile/closures.js';
import { compileQuery, type CompiledQuery } from './compile/query.js';
import { Resolver } from './compile/resolve.js';
import { compileTree } from './compile/rules.js';
import { buildRuleTree, type RuleNode } from './compile/ruletree.js';
import { checkQueryTypes, checkTypeSteps, type RuleTypes } from './compile/typecheck/index.js';
import { compileFieldReader } from './eval/fields.js';
import { EvalState } from './eval/state.js';
import type { Frame } from './eval/types.js';
import type { Value } from './value.js';

export type { CompileOptions, EvalOptions, FieldList, FieldValues, ModuleSource, Policy, PreparedFields, PreparedQuery, Result } from './api.js';
export { parseModule, parseQuery } from './syntax/parser.js';
export { BudgetExceededError, DEFAULT_BUDGETS } from './eval/state.js';

function sortErrors(errors: RegoError[]): RegoError[] {
  const seen = new Set<string>();
  const unique = errors.filter((e) => {
    const key = `${e.code}|${e.message}|${e.location ? `${e.location.file}:${e.location.row}:${e.location.col}` : ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique
    .map((e, i) => ({ e, i }))
    .sort((a, b) => {
      const x = a.e.location;
      const y = b.e.location;
      if (!x || !y) return a.i - b.i;
      return x.file < y.file ? -1 : x.file > y.file ? 1 : x.row - y.row || x.col - y.col || a.i - b.i;
    })
    .map((x) => x.e)
    .slice(0, ERROR_LIMIT);
}

/** Parses the sources (parsed modules pass through), pausing after each; every module's errors are collected. */
function* parseAll(sources: (ModuleSource | Module)[], opts: CompileOptions): Generator<void, Module[], void> {
  const modules: Module[] = [];
  const errors: RegoError[] = [];
  for (const s of sources) {
    if ('package' in s) {
      modules.push(s);
      continue;
    }
    try {
      modules.push(parseModule(s.file, s.source, { v0: opts.v0Compatible === true }));
    } catch (e) {
      if (e instanceof RegoErrors) errors.push(...e.errors);
      else if (e instanceof RegoError) errors.push(e);
      else throw e;
    }
    yield;
  }
  if (errors.length > 0) throw new RegoErrors(errors.slice(0, ERROR_LIMIT));
  return modules;
}

class CompiledPolicy implements Policy {
  constructor(
    readonly modules: readonly Module[],
    private readonly tree: RuleNode,
    private readonly refused: ReadonlySet<string>,
    private readonly types: RuleTypes,
    private readonly trace: boolean,
  ) {}

  prepare(query: string): PreparedQuery {
    let body;
    try {
      body = parseQuery(query);
    } catch (e) {
      if (e instanceof RegoError) throw new RegoErrors([e]);
      throw e;
    }
    const errors: RegoError[] = [];
    const bodyOrder = new Map<Body, Expr[]>();
    const cc = new ClosureCompiler({ tree: this.tree, errors, refused: this.refused, bodyOrder, trace: this.trace });
    const resolved = new Resolver([]).resolveQuery(body);
    const compiled = compileQuery(cc, resolved, query);
    // As OPA's query compiler: type checking follows a successful safety check.
    if (errors.length === 0) errors.push(...checkQueryTypes(resolved, this.types, bodyOrder));
    if (errors.length > 0) throw new RegoErrors(sortErrors(errors));
    return new Prepared(compiled);
  }

  prepareFields(packagePath: readonly string[], fields: readonly string[]): PreparedFields | undefined {
    const read = compileFieldReader(this.tree, packagePath, fields);
    if (!read) return undefined;
    return {
      evalFieldList: (opts: EvalOptions = {}): FieldList => read(newState(opts)),
      evalFields: (opts: EvalOptions = {}): FieldValues => {
        const list = read(newState(opts));
        const out: FieldValues = {};
        for (let i = 0; i < fields.length; i++) out[fields[i]!] = list[i];
        return out;
      },
    };
  }
}

function newState(opts: EvalOptions): EvalState {
  const st = new EvalState(
    opts.input,
    opts.data ?? {},
    opts.strictBuiltinErrors === true,
    opts.nowNs,
    opts.print,
    opts.deadline,
    opts.coverage,
    opts.timeoutMs,
    opts.budgets,
  );
  if (opts.tracer !== undefined) st.tracer = opts.tracer;
  return st;
}

class Prepared implements PreparedQuery {
  constructor(private readonly q: CompiledQuery) {}

  eval(opts: EvalOptions = {}): Result[] {
    const q = this.q;
    const st = newState(opts);
    const f: Frame = new Array(q.frameSize);
    const results: Result[] = [];
    q.run(st, f, () => {
      const bindings: Record<string, Value> = {};
      for (const v of q.vars) {
        const x = f[v.slot];
        if (x !== undefined) bindings[v.name] = x;
      }
      results.push({
        expressions: q.exprs.map((e) => ({ value: e.slot >= 0 ? (f[e.slot] as Value) : true, text: e.text, location: e.location })),
        bindings,
      });
      return false;
    });
    return results;
  }

  /** The value of a single-term query (`data.x.decision`), without building a result set. */
  evalValue(opts: EvalOptions = {}): Value | undefined {
    const single = this.q.single;
    if (!single) {
      const rs = this.eval(opts);
      return rs.length === 1 ? rs[0]!.expressions[0]?.value : undefined;
    }
    const st = newState(opts);
    const f: Frame = new Array(this.q.frameSize);
    if (single.val) return single.val(st, f);
    let out: Value | undefined;
    single.gen(st, f, (v) => {
      out = v;
      return true;
    });
    return out;
  }
}

/**
 * The compile, as steps: it pauses (`yield`) between modules and between rule
 * tree nodes. `compile` runs the steps at once; `compileAsync` gives the event
 * loop a turn whenever a few milliseconds have passed.
 */
function* compileSteps(sources: (ModuleSource | Module)[], opts: CompileOptions): Generator<void, Policy, void> {
  // Annotations are static: metadata calls become constants before anything else sees the rules.
  const modules = (yield* parseAll(sources, opts)).map(inlineMetadataCalls);
  const checkOpts = { ...(opts.refusedBuiltins ? { refusedBuiltins: opts.refusedBuiltins } : {}), strict: opts.strict === true };
  const stopping = checkStages(modules, checkOpts);
  if (stopping.length > 0) throw new RegoErrors(sortErrors(stopping));
  const errors: RegoError[] = yield* checkSteps(modules, checkOpts);
  yield;
  const refused = new Set(opts.refusedBuiltins ?? []);
  const resolver = new Resolver(modules);
  const rules = resolver.resolveAll();
  errors.push(...resolver.errors);
  const tree = buildRuleTree(rules);
  yield;
  const bodyOrder = new Map<Body, Expr[]>();
  const cc = new ClosureCompiler({ tree, errors, refused, bodyOrder, trace: opts.trace === true });
  yield* compileTree(cc, tree);
  if (errors.length > 0) throw new RegoErrors(sortErrors(errors));
  // OPA type-checks once every earlier stage has passed, following the order the safety check gave each body.
  const typed = yield* checkTypeSteps(rules, tree, bodyOrder);
  if (typed.errors.length > 0) throw new RegoErrors(sortErrors(typed.errors));
  return new CompiledPolicy(modules, tree, refused, typed.types, opts.trace === true);
}

/** Compiles modules (sources or parsed) into an immutable policy. Throws `RegoErrors` (at most 10, as OPA). */
export function compile(sources: (ModuleSource | Module)[], opts: CompileOptions = {}): Policy {
  const steps = compileSteps(sources, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Like `compile`, without holding the event loop for more than about `sliceMs`
 * at a time: a server reloading its policy keeps answering requests meanwhile.
 * Rejects with `RegoErrors`.
 */
export async function compileAsync(sources: (ModuleSource | Module)[], opts: CompileOptions = {}, sliceMs = 3): Promise<Policy> {
  const steps = compileSteps(sources, opts);
  let sliceStart = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}

/** Prepares and evaluates a query once. */
export function evalQuery(policy: Policy, query: string, opts: EvalOptions = {}): Result[] {
  return policy.prepare(query).eval(opts);
}
