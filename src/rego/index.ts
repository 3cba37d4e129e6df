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
import { buildRuleTree, nodeTable, type RuleNode } from './compile/ruletree.js';
import { optionsKey, sameTypeEffects, type CompileReport, type IncrementalPlan } from './compile/incremental.js';
import type { ModuleEdges } from './compile/checks/recursion.js';
import type { ResolvedRule } from './compile/resolve.js';
import { checkQueryTypes, checkTypeSteps, type RuleTypes, type TypeEffect, type TypeMemo } from './compile/typecheck/index.js';
import { compileFieldReader } from './eval/fields.js';
import { EvalState, NodeTables } from './eval/state.js';
import type { Frame } from './eval/types.js';
import type { Value } from './value.js';

export type { CompileOptions, EvalOptions, FieldList, FieldValues, ModuleSource, Policy, PreparedFields, PreparedQuery, Result } from './api.js';
export { parseModule, parseQuery } from './syntax/parser.js';
export { CompileCache, type CompileReport } from './compile/incremental.js';
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

/**
 * Parses the sources (parsed modules pass through), pausing after each; every
 * module's errors are collected. Annotations are static: metadata calls become
 * constants here, before anything else sees the rules. With a cache, a file
 * whose text it has seen is not parsed again.
 */
function* parseAll(sources: (ModuleSource | Module)[], opts: CompileOptions): Generator<void, Module[], void> {
  const modules: Module[] = [];
  const errors: RegoError[] = [];
  const v0 = opts.v0Compatible === true;
  const cache = opts.cache;
  if (cache) cache.report = undefined;
  try {
    for (const s of sources) {
      if ('package' in s) {
        modules.push(inlineMetadataCalls(s));
        continue;
      }
      try {
        modules.push(cache ? cache.module(s.file, s.source, v0) : inlineMetadataCalls(parseModule(s.file, s.source, { v0 })));
      } catch (e) {
        if (e instanceof RegoErrors) errors.push(...e.errors);
        else if (e instanceof RegoError) errors.push(e);
        else throw e;
      }
      yield;
    }
  } finally {
    if (cache) cache.report = { kind: 'full', parsed: cache.endParse(), compiled: 0 };
  }
  if (errors.length > 0) throw new RegoErrors(errors.slice(0, ERROR_LIMIT));
  return modules;
}

class CompiledPolicy implements Policy {
  /** The tree's nodes by id: what compiled closures read rules from (`EvalState.nodes`). */
  private readonly nodes: readonly RuleNode[];
  /** The memo tables of this policy's evaluations (`EvalState.table`). */
  private readonly tables: NodeTables;

  constructor(
    readonly modules: readonly Module[],
    private readonly tree: RuleNode,
    private readonly refused: ReadonlySet<string>,
    private readonly types: RuleTypes,
    private readonly trace: boolean,
  ) {
    this.nodes = nodeTable(tree);
    this.tables = new NodeTables(this.nodes.length);
  }

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
    return new Prepared(compiled, this.nodes, this.tables);
  }

  prepareFields(packagePath: readonly string[], fields: readonly string[]): PreparedFields | undefined {
    const read = compileFieldReader(this.tree, packagePath, fields);
    if (!read) return undefined;
    const nodes = this.nodes;
    const tables = this.tables;
    const evalFieldList = (opts: EvalOptions = {}): FieldList => {
      const st = newState(opts, nodes, tables);
      try {
        return read(st);
      } finally {
        tables.give(st.table);
      }
    };
    return {
      evalFieldList,
      evalFields: (opts: EvalOptions = {}): FieldValues => {
        const list = evalFieldList(opts);
        const out: FieldValues = {};
        for (let i = 0; i < fields.length; i++) out[fields[i]!] = list[i];
        return out;
      },
    };
  }
}

/** A new evaluation's state; its table goes back to `tables` when the evaluation ends (`tables.give`). */
function newState(opts: EvalOptions, nodes: readonly RuleNode[], tables: NodeTables): EvalState {
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
  st.nodes = nodes;
  st.table = tables.take();
  if (opts.tracer !== undefined) st.tracer = opts.tracer;
  if (opts.testCase !== undefined) st.testCaseSink = opts.testCase;
  return st;
}

class Prepared implements PreparedQuery {
  constructor(
    private readonly q: CompiledQuery,
    private readonly nodes: readonly RuleNode[],
    private readonly tables: NodeTables,
  ) {}

  eval(opts: EvalOptions = {}): Result[] {
    const q = this.q;
    const st = newState(opts, this.nodes, this.tables);
    const f: Frame = new Array(q.frameSize);
    const results: Result[] = [];
    try {
      this.run(st, f, results);
    } finally {
      this.tables.give(st.table);
    }
    return results;
  }

  private run(st: EvalState, f: Frame, results: Result[]): void {
    const q = this.q;
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
  }

  /** The value of a single-term query (`data.x.decision`), without building a result set. */
  evalValue(opts: EvalOptions = {}): Value | undefined {
    const single = this.q.single;
    if (!single) {
      const rs = this.eval(opts);
      return rs.length === 1 ? rs[0]!.expressions[0]?.value : undefined;
    }
    const st = newState(opts, this.nodes, this.tables);
    const f: Frame = new Array(this.q.frameSize);
    try {
      if (single.val) return single.val(st, f);
      let out: Value | undefined;
      single.gen(st, f, (v) => {
        out = v;
        return true;
      });
      return out;
    } finally {
      this.tables.give(st.table);
    }
  }
}

/**
 * The compile, as steps: it pauses (`yield`) between modules and between rule
 * tree nodes. `compile` runs the steps at once; `compileAsync` gives the event
 * loop a turn whenever a few milliseconds have passed. With a cache
 * (`CompileOptions.cache`), it builds on the last successful compile where
 * that gives the same result (`compile/incremental.ts`).
 */
function* compileSteps(sources: (ModuleSource | Module)[], opts: CompileOptions): Generator<void, Policy, void> {
  const modules = yield* parseAll(sources, opts);
  const cache = opts.cache;
  const key = cache ? optionsKey(opts) : '';
  const plan = cache?.plan(modules, key);
  const report = (kind: CompileReport['kind'], compiled: number): void => {
    if (cache?.report) Object.assign(cache.report, { kind, compiled });
  };
  // The same modules with the same options: the same (immutable) policy.
  if (plan !== undefined && plan.changed.length === 0) {
    report('same', 0);
    return plan.record.policy;
  }
  if (plan !== undefined) {
    try {
      report('incremental', plan.changed.length);
      return yield* compileModules(modules, opts, key, plan);
    } catch (e) {
      // Errors are reported as a full compile reports them (all of them, in its order).
      if (!(e instanceof RegoErrors)) throw e;
    }
  }
  report('full', modules.length);
  return yield* compileModules(modules, opts, key, undefined);
}

function* compileModules(modules: Module[], opts: CompileOptions, key: string, plan: IncrementalPlan | undefined): Generator<void, Policy, void> {
  const cache = opts.cache;
  const checkOpts = { ...(opts.refusedBuiltins ? { refusedBuiltins: opts.refusedBuiltins } : {}), strict: opts.strict === true };
  const stopping = checkStages(plan ? [...plan.changed] : modules, checkOpts);
  if (stopping.length > 0) throw new RegoErrors(sortErrors(stopping));
  // A copy: a compile that fails leaves the last record as it was.
  const edges: ModuleEdges = new Map(plan?.record.edges);
  const errors: RegoError[] = yield* checkSteps(modules, checkOpts, { ...(plan ? { changed: plan.changed } : {}), edges });
  yield;
  const refused = new Set(opts.refusedBuiltins ?? []);
  const resolver = new Resolver(modules);
  const resolved = new Map<Module, ResolvedRule[]>();
  const rules: ResolvedRule[] = [];
  for (const m of modules) {
    // Unchanged modules resolve as before (see incremental.ts): their resolved rules, and all compiled from them, serve again.
    const rs = (plan?.record.resolved.get(m) as ResolvedRule[] | undefined) ?? resolver.resolveModule(m);
    resolved.set(m, rs);
    for (const r of rs) rules.push(r);
  }
  errors.push(...resolver.errors);
  const tree = buildRuleTree(rules);
  yield;
  const bodyOrder = cache ? cache.bodyOrder : new Map<Body, Expr[]>();
  const cc = new ClosureCompiler({ tree, errors, refused, bodyOrder, trace: opts.trace === true });
  yield* compileTree(cc, tree, cache ? { compiled: cache.compiledRules, ...(plan ? { previous: plan.record.nodes } : {}) } : undefined);
  if (errors.length > 0) throw new RegoErrors(sortErrors(errors));
  // OPA type-checks once every earlier stage has passed, following the order the safety check gave each body.
  const recorded = new Map<ResolvedRule, readonly TypeEffect[]>();
  const memo: TypeMemo | undefined = cache ? { recorded, ...(plan ? { replay: (rr: ResolvedRule) => cache.typeEffects.get(rr) } : {}) } : undefined;
  let typed = yield* checkTypeSteps(rules, tree, bodyOrder, memo);
  if (plan && typed.errors.length === 0 && !sameTypeEffects(plan, resolved, recorded, cache!.typeEffects)) {
    // An edit changed the type of a rule: others may see other types now, so every rule is checked again.
    recorded.clear();
    typed = yield* checkTypeSteps(rules, tree, bodyOrder, { recorded });
  }
  if (typed.errors.length > 0) throw new RegoErrors(sortErrors(typed.errors));
  const policy = new CompiledPolicy(modules, tree, refused, typed.types, opts.trace === true);
  if (cache) {
    for (const [rr, effects] of recorded) cache.typeEffects.set(rr, effects);
    cache.last = {
      optionsKey: key,
      interfaces: modules.map((m) => cache.interfaceOf(m)),
      modules,
      resolved,
      edges,
      nodes: nodeTable(tree),
      policy,
    };
  }
  return policy;
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
