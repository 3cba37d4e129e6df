/**
 * Compiles resolved rule bodies, terms and queries into closures (see
 * `eval/types.ts`). Compilation tracks which variable slots are bound at each
 * point, so every decision (index or iterate, evaluate or unify) is taken once
 * here and not per evaluation. The same tracking drives the safety check: an
 * expression compiles only once the variables it needs are bound, which is how
 * bodies are reordered; what never compiles is reported as unsafe.
 */
import { RegoError, type Location } from '../errors.js';
import type { Body, CallTerm, Expr, RefTerm, Term, TermExpr, VarTerm, With } from '../syntax/ast.js';
import {
  compare,
  equals,
  isObject,
  normalizeBigInt,
  ObjectBuilder,
  objectEntries,
  objectGet,
  objectSize,
  RegoSet,
  type Value,
} from '../value.js';
import type { BuiltinImpl, RelationImpl } from '../builtins/builtin.js';
import { builtinTable, relationTable } from '../builtins/index.js';
import { formatPrintValue } from '../builtins/rego.js';
import { indexValue, iterateValue, setAtPath } from '../eval/access.js';
import { callBuiltin, callFunction } from '../eval/calls.js';
import { baseAt, dataAt, nodeValue } from '../eval/documents.js';
import type { EvalState, FunctionOverride } from '../eval/state.js';
import type { CompiledNode, CompiledTerm, Cont, ExprFn, Frame, GenFn, StepFn, UnifyFn, ValFn } from '../eval/types.js';
import { builtinCapability as builtinDecl } from '../capabilities.js';
import { collectVars, declaredVars } from './resolve.js';
import { walkExpr, walkTerm } from '../syntax/walk.js';
import type { RuleNode } from './ruletree.js';

// ---------------------------------------------------------------------------
// Scopes: variable names to frame slots

export class Scope {
  private readonly slots = new Map<string, number>();

  constructor(
    readonly layout: { size: number },
    readonly parent: Scope | undefined,
    /** Every name visible in this scope's body (its own and its ancestors'). */
    readonly names: Set<string>,
    /** Names declared here (`some`, `:=`, `every` variables): they shadow outer ones. */
    readonly declared: Set<string>,
  ) {}

  slot(name: string): number {
    const s = this.slots.get(name);
    if (s !== undefined) return s;
    if (this.parent && !this.declared.has(name) && this.parent.names.has(name)) return this.parent.slot(name);
    const n = this.layout.size++;
    this.slots.set(name, n);
    return n;
  }

  /** Names with slots in this scope (not inherited), with their slots. */
  own(): IterableIterator<[string, number]> {
    return this.slots.entries();
  }
}

/** Variables of an expression or term outside nested closures (comprehension and `every` bodies). */
export function shallowVars(t: Term, into: Set<string>): void {
  walkTerm(t, (x) => {
    if (x.type === 'var') into.add(x.name);
    else if (x.type === 'arraycomp' || x.type === 'setcomp' || x.type === 'objectcomp') return false;
  });
}

export function shallowExprVars(e: Expr, into: Set<string>): Set<string> {
  switch (e.type) {
    case 'expr':
      shallowVars(e.term, into);
      break;
    case 'some':
      for (const v of e.vars) into.add(v.name);
      break;
    case 'somein':
      if (e.key) shallowVars(e.key, into);
      shallowVars(e.value, into);
      shallowVars(e.collection, into);
      break;
    case 'every':
      shallowVars(e.domain, into);
      break;
  }
  for (const w of e.with) shallowVars(w.value, into);
  return into;
}

const ROOTS = new Set(['input', 'data']);

// ---------------------------------------------------------------------------
// Small closure combinators

/**
 * Marks an expression covered when it is evaluated (`opa test --coverage`).
 * Without a coverage sink this costs one field test per expression.
 */
function covered(fn: ExprFn, loc: Location): ExprFn {
  const step = fn.step;
  if (step !== undefined) {
    const reporting = stepExpr((st, f) => {
      if (st.coverage !== undefined) st.coverage(loc);
      return step(st, f);
    });
    reporting.uncovered = step;
    return reporting;
  }
  return (st, f, k) => {
    if (st.coverage !== undefined) st.coverage(loc);
    return fn(st, f, k);
  };
}

/** An expression from its straight-line form: no continuation closure is made to run it. */
function stepExpr(step: StepFn): ExprFn {
  const fn: ExprFn = (st, f, k) => (step(st, f) ? k() : false);
  fn.step = step;
  return fn;
}

/** Several steps in order, as one step. */
function steps(list: StepFn[]): StepFn {
  if (list.length === 1) return list[0]!;
  if (list.length === 2) {
    const [a, b] = list as [StepFn, StepFn];
    return (st, f) => a(st, f) && b(st, f);
  }
  return (st, f) => {
    for (let i = 0; i < list.length; i++) if (!list[i]!(st, f)) return false;
    return true;
  };
}

/**
 * A run of steps as one step. When each of them reports coverage (`covered`),
 * the run tests for a coverage sink once and then runs either the reporting
 * steps or the plain ones: the same reports, without a wrapper call per
 * expression on the evaluations that collect no coverage (all decisions).
 */
function runOf(run: ExprFn[]): StepFn {
  const reporting = steps(run.map((fn) => fn.step!));
  if (!run.every((fn) => fn.uncovered !== undefined)) return reporting;
  const plain = steps(run.map((fn) => fn.uncovered!));
  return (st, f) => (st.coverage === undefined ? plain(st, f) : reporting(st, f));
}

/**
 * A body: each expression runs the rest of the body as its continuation. Runs
 * of non-iterating expressions are checked one after the other without a
 * continuation each, and a body made only of them is itself a step.
 */
function seq(fns: ExprFn[]): ExprFn {
  if (fns.length === 0) return stepExpr(() => true);
  let next: ExprFn | undefined;
  let i = fns.length - 1;
  while (i >= 0) {
    const run: ExprFn[] = [];
    while (i >= 0 && fns[i]!.step !== undefined) run.unshift(fns[i--]!);
    if (run.length > 0) {
      const step = runOf(run);
      if (next === undefined) next = stepExpr(step);
      else {
        const nx = next;
        next = (st, f, k) => (step(st, f) ? nx(st, f, k) : false);
      }
      continue;
    }
    const cur = fns[i--]!;
    if (next === undefined) next = cur;
    else {
      const nx = next;
      next = (st, f, k) => cur(st, f, () => nx(st, f, k));
    }
  }
  return next!;
}

/** A pattern that matches at most one way, from its straight-line form. */
function matching(match: (st: EvalState, f: Frame, v: Value) => boolean): UnifyFn {
  const fn: UnifyFn = (st, f, v, k) => (match(st, f, v) ? k() : false);
  fn.match = match;
  return fn;
}

function constantTerm(v: Value): CompiledTerm {
  return { constant: v, val: () => v, gen: (_st, _f, k) => k(v) };
}

function fromVal(val: ValFn): CompiledTerm {
  return {
    val,
    gen: (st, f, k) => {
      const v = val(st, f);
      return v === undefined ? false : k(v);
    },
  };
}

/** Evaluates several terms, calling `k` with every combination of their values (left to right). */
function genAll(items: CompiledTerm[], k: (st: EvalState, f: Frame, vals: Value[]) => boolean): (st: EvalState, f: Frame) => boolean {
  return (st, f) => genFrom(items, 0, st, f, new Array(items.length), k);
}

/** `genAll` from item `i` on (module-level: no closure per evaluation but the value callbacks). */
function genFrom(items: CompiledTerm[], i: number, st: EvalState, f: Frame, vals: Value[], k: (st: EvalState, f: Frame, vals: Value[]) => boolean): boolean {
  if (i === items.length) return k(st, f, vals);
  return items[i]!.gen(st, f, (v) => {
    vals[i] = v;
    return genFrom(items, i + 1, st, f, vals, k);
  });
}

function allVals(items: CompiledTerm[]): ValFn[] | undefined {
  const out: ValFn[] = [];
  for (const c of items) {
    if (!c.val) return undefined;
    out.push(c.val);
  }
  return out;
}

/** The values of single-valued parts, or undefined as soon as one is undefined. */
function valuesOf(vals: readonly ValFn[], st: EvalState, f: Frame): Value[] | undefined {
  const out: Value[] = new Array(vals.length);
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i]!(st, f);
    if (v === undefined) return undefined;
    out[i] = v;
  }
  return out;
}

/** A term from values of parts: fast when all parts never iterate, else by combination. */
function combine(items: CompiledTerm[], build: (vals: Value[]) => Value | undefined): CompiledTerm {
  const vals = allVals(items);
  if (vals) {
    if (items.every((c) => c.constant !== undefined)) {
      const v = build(items.map((c) => c.constant!));
      if (v !== undefined) return constantTerm(v);
    }
    return fromVal((st, f) => {
      const out = valuesOf(vals, st, f);
      return out === undefined ? undefined : build(out);
    });
  }
  return {
    gen: (st, f, k) =>
      genAll(items, (_st, _f, vs) => {
        const v = build(vs.slice());
        return v === undefined ? false : k(v);
      })(st, f),
  };
}

type Index = (v: Value, key: Value) => Value | undefined;
const indexPlain: Index = indexValue;

/** Indexing below `data`: OPA finds object key "2" for `data.x[2]` (data refs are paths of strings). */
const indexData: Index = (v, key) => {
  const x = indexValue(v, key);
  if (x !== undefined || typeof key !== 'number' || !Number.isInteger(key) || !isObject(v)) return x;
  return indexValue(v, String(key));
};

// ---------------------------------------------------------------------------
// Callees

type Invoke = (st: EvalState, args: Value[]) => Value | undefined;

interface Callee {
  name: string;
  arity: number;
  invoke: Invoke;
  relation?: RelationImpl;
}

function notImplemented(name: string): BuiltinImpl {
  return () => {
    throw new RegoError('eval_builtin_error', `${name}: built-in not implemented`);
  };
}

/** Fast paths for comparisons (same results as the built-ins: OPA's total order). */
const inlineOps: Record<string, Invoke> = {
  equal: (_st, a) => equals(a[0]!, a[1]!),
  neq: (_st, a) => !equals(a[0]!, a[1]!),
  lt: (_st, a) => compare(a[0]!, a[1]!) < 0,
  lte: (_st, a) => compare(a[0]!, a[1]!) <= 0,
  gt: (_st, a) => compare(a[0]!, a[1]!) > 0,
  gte: (_st, a) => compare(a[0]!, a[1]!) >= 0,
};

/** Calls a `with` replacement. Inside the replacement the replaced function is the original again (OPA: no recursion). */
function applyOverride(name: string, o: FunctionOverride, st: EvalState, args: Value[], loc: Location): Value | undefined {
  if (o.kind === 'value') return o.value;
  const saved = st.fnOverrides!;
  const without = new Map(saved);
  without.delete(name);
  st.fnOverrides = without.size > 0 ? without : null;
  try {
    return o.call(st, args, loc);
  } finally {
    st.fnOverrides = saved;
  }
}

// ---------------------------------------------------------------------------
// The compiler

export interface CompileContext {
  tree: RuleNode;
  errors: RegoError[];
  refused: ReadonlySet<string>;
  /** When set, each compiled body's expressions in the order chosen for safety (the type checker follows it). */
  bodyOrder?: Map<Body, Expr[]>;
}

function refPathStrings(r: RefTerm): string[] | undefined {
  const out: string[] = [];
  for (const p of r.path) {
    if (p.type !== 'string') return undefined;
    out.push(p.value);
  }
  return out;
}

/** Full name of a built-in call target (`strings.replace_n`), or undefined. */
export function builtinName(fn: RefTerm): string | undefined {
  if (fn.head.type !== 'var') return undefined;
  const rest = refPathStrings(fn);
  if (!rest) return undefined;
  return [fn.head.name, ...rest].join('.');
}

export class ClosureCompiler {
  private readonly reported = new Set<string>();
  /** Query expressions whose value is recorded in a frame slot (for result `expressions`). */
  readonly valueSlots = new Map<Expr, number>();
  /**
   * Names declared with `:=`/`some` by later expressions of the body being
   * compiled: `:=` scopes positionally, so a closure before the declaration
   * has its own variable of that name.
   */
  private hidden: ReadonlySet<string> = new Set();
  /** Whether evaluated expressions report coverage: true for modules, false for queries (not part of any module). */
  reportCoverage = true;

  constructor(readonly cx: CompileContext) {}

  error(code: RegoError['code'], message: string, loc: Location): void {
    const key = `${loc.file}:${loc.row}:${loc.col}:${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.cx.errors.push(new RegoError(code, message, loc));
  }

  // ---- bodies -------------------------------------------------------------

  /**
   * Compiles a body, reordering expressions so bindings come before uses.
   * `bound` is updated with everything the body binds. Unsafe expressions are
   * reported and compiled as failing.
   */
  body(body: Body, sc: Scope, bound: Set<number>, outerNames: Set<string> = new Set()): ExprFn {
    const shared = this.sharedNames(body, outerNames);
    const hiddenAfter = new Map<Expr, Set<string>>();
    const later = new Set<string>();
    for (let j = body.length - 1; j >= 0; j--) {
      // An expression's own declarations are not visible in it either (`a := {x: a | ...}`).
      for (const n of declaredVars([body[j]!], new Set())) later.add(n);
      hiddenAfter.set(body[j]!, new Set(later));
    }
    const outerHidden = this.hidden;
    const remaining = body.slice();
    const fns: ExprFn[] = [];
    const ordered: Expr[] = [];
    while (remaining.length > 0) {
      let progressed = false;
      for (let i = 0; i < remaining.length; i++) {
        const trial = new Set(bound);
        this.hidden = hiddenAfter.get(remaining[i]!)!;
        let fn: ExprFn | null;
        try {
          fn = this.expr(remaining[i]!, sc, trial, shared);
        } finally {
          this.hidden = outerHidden;
        }
        if (fn) {
          for (const s of trial) bound.add(s);
          fns.push(this.reportCoverage ? covered(fn, remaining[i]!.loc) : fn);
          ordered.push(remaining[i]!);
          remaining.splice(i, 1);
          progressed = true;
          break;
        }
      }
      if (!progressed) {
        for (const e of remaining) this.reportUnsafe(e, sc, bound);
        fns.push(() => false);
        break;
      }
    }
    this.cx.bodyOrder?.set(body, ordered);
    return seq(fns);
  }

  /** Names that occur in more than one expression, or outside the body: negated expressions must find them bound. */
  private sharedNames(body: Body, outer: Set<string>): Set<string> {
    const seen = new Set<string>();
    const shared = new Set<string>(outer);
    for (const e of body) {
      const vs = new Set<string>();
      walkExpr(e, (t) => {
        if (t.type === 'var') vs.add(t.name);
      });
      for (const v of vs) {
        if (seen.has(v)) shared.add(v);
        seen.add(v);
      }
    }
    return shared;
  }

  reportUnsafe(e: Expr | Term, sc: Scope, bound: Set<number>): void {
    const vars: VarTerm[] = [];
    const visit = (t: Term): void => {
      if (t.type === 'var' && !ROOTS.has(t.name) && !bound.has(sc.slot(t.name))) vars.push(t);
    };
    if ('negated' in e) {
      if (e.type === 'every') walkTerm(e.domain, visit);
      else
        walkExpr(e, (t) => {
          visit(t);
        });
    } else walkTerm(e, visit);
    const names = new Set<string>();
    vars.sort((a, b) => a.loc.row - b.loc.row || a.loc.col - b.loc.col);
    for (const v of vars) {
      const name = v.wildcard ? '_' : v.name;
      if (names.has(name)) continue;
      names.add(name);
      this.error('rego_unsafe_var_error', `var ${name} is unsafe`, v.loc);
    }
    if (names.size === 0) this.error('rego_unsafe_var_error', 'expression is unsafe', e.loc);
  }

  // ---- expressions --------------------------------------------------------

  expr(e: Expr, sc: Scope, bound: Set<number>, shared: Set<string>): ExprFn | null {
    if (e.with.length > 0) return this.withExpr(e, sc, bound, shared);
    if (e.negated) return this.notExpr(e, sc, bound, shared);
    return this.positive(e, sc, bound);
  }

  private notExpr(e: Expr, sc: Scope, bound: Set<number>, shared: Set<string>): ExprFn | null {
    // OPA: every variable of a negated expression must be bound elsewhere (`not q[x]` alone is unsafe).
    const vs = shallowExprVars(e, new Set());
    for (const name of vs) {
      if (ROOTS.has(name)) continue;
      if (!bound.has(sc.slot(name))) return null;
    }
    void shared;
    const inner = this.positive(e, sc, new Set(bound));
    if (!inner) return null;
    const innerStep = inner.step;
    if (innerStep !== undefined) return stepExpr((st, f) => !innerStep(st, f));
    return (st, f, k) => {
      let found = false;
      inner(st, f, () => {
        found = true;
        return true;
      });
      return found ? false : k();
    };
  }

  private positive(e: Expr, sc: Scope, bound: Set<number>): ExprFn | null {
    switch (e.type) {
      case 'some':
        return stepExpr(() => true);
      case 'somein':
        return this.someIn(e.key, e.value, e.collection, sc, bound);
      case 'every':
        return this.every(e, sc, bound);
      case 'expr':
        return this.termExpr(e, sc, bound);
    }
  }

  private termExpr(e: TermExpr, sc: Scope, bound: Set<number>): ExprFn | null {
    const t = e.term;
    const vslot = this.valueSlots.get(e);
    if (t.type === 'call') {
      const name = t.fn.path.length === 0 && t.fn.head.type === 'var' ? t.fn.head.name : undefined;
      if ((name === 'eq' || name === 'assign') && t.args.length === 2) return this.unifyTerms(t.args[0]!, t.args[1]!, sc, bound);
      const callee = this.callee(t);
      if (!callee) return null;
      if (callee.arity >= 0 && t.args.length === callee.arity + 1) {
        const fn = this.callWithOutput(t, callee, sc, bound);
        if (!fn || vslot === undefined) return fn;
        const step = fn.step;
        if (step !== undefined) return stepExpr((st, f) => step(st, f) && ((f[vslot] = true), true));
        return (st, f, k) => fn(st, f, () => ((f[vslot] = true), k()));
      }
    }
    const c = this.term(t, sc, bound);
    if (!c) return null;
    if (vslot !== undefined) {
      if (c.val) {
        const val = c.val;
        return stepExpr((st, f) => {
          const v = val(st, f);
          if (v === undefined || v === false) return false;
          f[vslot] = v;
          return true;
        });
      }
      const gen = c.gen;
      return (st, f, k) => gen(st, f, (v) => (v !== false ? ((f[vslot] = v), k()) : false));
    }
    if (c.val) {
      const val = c.val;
      return stepExpr((st, f) => {
        const v = val(st, f);
        return v !== undefined && v !== false;
      });
    }
    const gen = c.gen;
    return (st, f, k) => gen(st, f, (v) => (v !== false ? k() : false));
  }

  /** `f(a, b, out)`: evaluate the call, then match its result against the output operand. */
  private callWithOutput(t: CallTerm, callee: Callee, sc: Scope, bound: Set<number>): ExprFn | null {
    const inputs: CompiledTerm[] = [];
    for (let i = 0; i < callee.arity; i++) {
      const c = this.term(t.args[i]!, sc, bound);
      if (!c) return null;
      inputs.push(c);
    }
    const out = this.pattern(t.args[callee.arity]!, sc, bound);
    if (!out) return null;
    const loc = t.loc;
    if (callee.relation) {
      const rel = callee.relation;
      return (st, f, k) =>
        genAll(inputs, (_st, _f, vals) => {
          let outputs: Iterable<Value>;
          try {
            outputs = rel(vals.slice(), st);
          } catch (err) {
            const r = callBuiltin(st, () => {
              throw err;
            }, [], loc);
            void r;
            return false;
          }
          for (const v of outputs) if (out(st, f, v, k)) return true;
          return false;
        })(st, f);
    }
    return unifyWith(this.callTerm(inputs, callee), out);
  }

  private someIn(key: Term | undefined, value: Term, collection: Term, sc: Scope, bound: Set<number>): ExprFn | null {
    const coll = this.term(collection, sc, bound);
    if (!coll) return null;
    const kp = key ? this.pattern(key, sc, bound) : undefined;
    if (key && !kp) return null;
    const vp = this.pattern(value, sc, bound);
    if (!vp) return null;
    return (st, f, k) =>
      coll.gen(st, f, (c) => {
        if (Array.isArray(c) || c instanceof RegoSet || isObject(c)) {
          return iterateValue(c, (kk, vv) => {
            st.tick();
            return kp ? kp(st, f, kk, () => vp(st, f, vv, k)) : vp(st, f, vv, k);
          });
        }
        return false;
      });
  }

  private closureReady(t: Term | Body, sc: Scope, bound: Set<number>, declared: Set<string>): boolean {
    const vs = new Set<string>();
    if (Array.isArray(t)) {
      for (const e of t) {
        walkExpr(e, (x) => {
          if (x.type === 'var') vs.add(x.name);
        });
      }
    } else collectVars(t, vs);
    for (const name of vs) {
      if (ROOTS.has(name) || declared.has(name) || this.hidden.has(name)) continue;
      if (sc.names.has(name) && !bound.has(sc.slot(name))) return false;
    }
    return true;
  }

  private nestedScope(sc: Scope, body: Body, extraTerms: Term[], declared: Set<string>): Scope {
    const names = new Set(sc.names);
    for (const e of body) shallowExprVars(e, names);
    for (const t of extraTerms) shallowVars(t, names);
    const shadowing = new Set(declared);
    for (const n of this.hidden) shadowing.add(n);
    return new Scope(sc.layout, sc, names, shadowing);
  }

  private every(e: Extract<Expr, { type: 'every' }>, sc: Scope, bound: Set<number>): ExprFn | null {
    const domain = this.term(e.domain, sc, bound);
    if (!domain) return null;
    const declared = declaredVars(e.body, new Set());
    if (e.key) declared.add(e.key.name);
    declared.add(e.value.name);
    if (!this.closureReady(e.body, sc, bound, declared)) return null;
    const inner = this.nestedScope(sc, e.body, e.key ? [e.key, e.value] : [e.value], declared);
    const innerBound = new Set(bound);
    const ks = e.key ? inner.slot(e.key.name) : -1;
    const vs = inner.slot(e.value.name);
    if (ks >= 0) innerBound.add(ks);
    innerBound.add(vs);
    const body = this.body(e.body, inner, innerBound, sc.names);
    return (st, f, k) =>
      domain.gen(st, f, (d) => {
        const failed = iterateValue(d, (kk, vv) => {
          if (ks >= 0) f[ks] = kk;
          f[vs] = vv;
          let found = false;
          body(st, f, () => {
            found = true;
            return true;
          });
          if (ks >= 0) f[ks] = undefined;
          f[vs] = undefined;
          return !found;
        });
        return failed ? false : k();
      });
  }

  private withExpr(e: Expr, sc: Scope, bound: Set<number>, shared: Set<string>): ExprFn | null {
    const mods: { apply: (st: EvalState, f: Frame) => boolean }[] = [];
    for (const w of e.with) {
      const m = this.withModifier(w, sc, bound);
      if (!m) return null;
      mods.push(m);
    }
    const plain = { ...e, with: [] } as Expr;
    const vslot = this.valueSlots.get(e);
    if (vslot !== undefined) this.valueSlots.set(plain, vslot);
    const inner = this.expr(plain, sc, bound, shared);
    if (!inner) return null;
    return (st, f, k) => {
      const saved = { input: st.input, data: st.dataOverrides, fns: st.fnOverrides, memo: st.memo, nodeMemo: st.nodeMemo };
      for (const m of mods) {
        if (!m.apply(st, f)) {
          restore(st, saved);
          return false;
        }
      }
      st.memo = null;
      st.nodeMemo = new Map();
      const inside = { input: st.input, data: st.dataOverrides, fns: st.fnOverrides, memo: st.memo, nodeMemo: st.nodeMemo };
      try {
        return inner(st, f, () => {
          restore(st, saved);
          const r = k();
          restore(st, inside);
          return r;
        });
      } finally {
        restore(st, saved);
      }
    };
  }

  private withModifier(w: With, sc: Scope, bound: Set<number>): { apply: (st: EvalState, f: Frame) => boolean } | null {
    const target = w.target;
    const head = target.head.type === 'var' ? target.head.name : undefined;
    const path = refPathStrings(target);
    if (head === 'input' && path) {
      const value = this.term(w.value, sc, bound);
      if (!value) return null;
      return {
        apply: (st, f) => {
          const v = firstValue(st, f, value);
          if (v === undefined) return false;
          st.input = path.length === 0 ? v : setAtPath(st.input, path, v);
          return true;
        },
      };
    }
    if (head === 'data' && path) {
      const node = findNodeAt(this.cx.tree, path);
      if (node && node.kind === 'function') return this.functionOverride('data.' + path.join('.'), w, sc, bound);
      const value = this.term(w.value, sc, bound);
      if (!value) return null;
      return {
        apply: (st, f) => {
          const v = firstValue(st, f, value);
          if (v === undefined) return false;
          st.dataOverrides = [{ path, value: v }, ...(st.dataOverrides ?? [])];
          return true;
        },
      };
    }
    const name = builtinName(target);
    if (name !== undefined && builtinDecl(name)) return this.functionOverride(name, w, sc, bound);
    this.error('rego_compile_error', `with keyword target must reference existing input, data, or a function`, w.loc);
    return { apply: () => false };
  }

  private functionOverride(name: string, w: With, sc: Scope, bound: Set<number>): { apply: (st: EvalState, f: Frame) => boolean } | null {
    const v = w.value;
    if (v.type === 'ref' || (v.type === 'var' && !ROOTS.has(v.name) && !bound.has(sc.slot(v.name)))) {
      const ref: RefTerm = v.type === 'ref' ? v : { type: 'ref', head: v, path: [], loc: v.loc };
      const callee = this.resolveCallee(ref, w.loc, false);
      if (callee) {
        const o: FunctionOverride = { kind: 'callee', call: (st, args) => callee.invoke(st, args) };
        return { apply: (st) => (setFnOverride(st, name, o), true) };
      }
    }
    const value = this.term(v, sc, bound);
    if (!value) return null;
    return {
      apply: (st, f) => {
        const x = firstValue(st, f, value);
        if (x === undefined) return false;
        setFnOverride(st, name, { kind: 'value', value: x });
        return true;
      },
    };
  }

  // ---- unification ---------------------------------------------------------

  /** `a = b` / `a := b`: evaluate whichever side can be, match the other against it. */
  unifyTerms(a: Term, b: Term, sc: Scope, bound: Set<number>): ExprFn | null {
    // One side evaluated, the other matched against its value; variables bound only if that order works.
    const oneWay = (value: Term, pattern: Term): ExprFn | null => {
      const trial = new Set(bound);
      const v = this.term(value, sc, trial);
      const p = v && this.pattern(pattern, sc, trial);
      if (!v || !p) return null;
      for (const s of trial) bound.add(s);
      return unifyWith(v, p);
    };
    const direct = oneWay(a, b) ?? oneWay(b, a);
    if (direct) return direct;
    // Both sides have unbound variables: arrays (or objects) unify element-wise.
    if (a.type === 'array' && b.type === 'array') {
      if (a.items.length !== b.items.length) return (_st, _f, _k) => false;
      return this.unifyPairs(a.items.map((x, i) => [x, b.items[i]!] as [Term, Term]), sc, bound);
    }
    if (a.type === 'object' && b.type === 'object') {
      if (a.items.length !== b.items.length) return (_st, _f, _k) => false;
      const pairs: [Term, Term][] = [];
      for (const [ka, va] of a.items) {
        const match = b.items.find(([kb]) => kb.type !== 'var' && ka.type !== 'var' && JSON.stringify(stripLoc(kb)) === JSON.stringify(stripLoc(ka)));
        if (!match) return null;
        pairs.push([va, match[1]]);
      }
      return this.unifyPairs(pairs, sc, bound);
    }
    return null;
  }

  private unifyPairs(pairs: [Term, Term][], sc: Scope, bound: Set<number>): ExprFn | null {
    const remaining = pairs.slice();
    const fns: ExprFn[] = [];
    const trial = new Set(bound);
    while (remaining.length > 0) {
      let progressed = false;
      for (let i = 0; i < remaining.length; i++) {
        const t2 = new Set(trial);
        const fn = this.unifyTerms(remaining[i]![0], remaining[i]![1], sc, t2);
        if (fn) {
          for (const s of t2) trial.add(s);
          fns.push(fn);
          remaining.splice(i, 1);
          progressed = true;
          break;
        }
      }
      if (!progressed) return null;
    }
    for (const s of trial) bound.add(s);
    return seq(fns);
  }

  /** A pattern: matches a value, binding its unbound variables. Evaluable parts are compared. */
  pattern(t: Term, sc: Scope, bound: Set<number>): UnifyFn | null {
    if (t.type === 'var' && !ROOTS.has(t.name)) {
      const s = sc.slot(t.name);
      if (bound.has(s)) return matching((_st, f, v) => equals(f[s]!, v));
      bound.add(s);
      const bind: UnifyFn = (st, f, v, k) => {
        f[s] = v;
        const r = k();
        f[s] = undefined;
        return r;
      };
      // As a step the binding stays in the frame (see `eval/types.ts`).
      bind.match = (_st, f, v) => ((f[s] = v), true);
      return bind;
    }
    if (t.type === 'array') {
      const n = t.items.length;
      const items: UnifyFn[] = [];
      for (const x of t.items) {
        const u = this.pattern(x, sc, bound);
        if (!u) return null;
        items.push(u);
      }
      let next: (st: EvalState, f: Frame, arr: Value[], k: Cont) => boolean = (_st, _f, _arr, k) => k();
      for (let i = n - 1; i >= 0; i--) {
        const u = items[i]!;
        const nx = next;
        next = (st, f, arr, k) => u(st, f, arr[i]!, () => nx(st, f, arr, k));
      }
      const chain = next;
      const matches = items.every((u) => u.match !== undefined) ? items.map((u) => u.match!) : undefined;
      if (matches !== undefined) {
        return matching((st, f, v) => {
          if (!Array.isArray(v) || v.length !== n) return false;
          for (let i = 0; i < n; i++) if (!matches[i]!(st, f, v[i]!)) return false;
          return true;
        });
      }
      return (st, f, v, k) => (Array.isArray(v) && v.length === n ? chain(st, f, v, k) : false);
    }
    if (t.type === 'object') {
      const keys: CompiledTerm[] = [];
      const vals: UnifyFn[] = [];
      for (const [kt, vt] of t.items) {
        const kc = this.term(kt, sc, bound);
        if (!kc || !kc.val) return null;
        keys.push(kc);
        const u = this.pattern(vt, sc, bound);
        if (!u) return null;
        vals.push(u);
      }
      const n = keys.length;
      const step = (st: EvalState, f: Frame, o: Value, i: number, k: Cont): boolean => {
        if (i === n) return k();
        const key = keys[i]!.val!(st, f);
        if (key === undefined) return false;
        const x = objectGet(o as Parameters<typeof objectGet>[0], key);
        if (x === undefined) return false;
        return vals[i]!(st, f, x, () => step(st, f, o, i + 1, k));
      };
      return (st, f, v, k) => (isObject(v) && objectSize(v) === n ? step(st, f, v, 0, k) : false);
    }
    const c = this.term(t, sc, bound);
    if (!c) return null;
    if (c.constant !== undefined) {
      const cv = c.constant;
      return matching((_st, _f, v) => equals(cv, v));
    }
    return (st, f, v, k) => c.gen(st, f, (x) => (equals(x, v) ? k() : false));
  }

  // ---- terms ---------------------------------------------------------------

  /** Compiles a term to be evaluated; null if a variable it needs is not bound yet. Binds ref iteration variables. */
  term(t: Term, sc: Scope, bound: Set<number>): CompiledTerm | null {
    switch (t.type) {
      case 'null':
        return constantTerm(null);
      case 'boolean':
        return constantTerm(t.value);
      case 'number':
        return constantTerm(typeof t.value === 'bigint' ? normalizeBigInt(t.value) : t.value);
      case 'string':
        return constantTerm(t.value);
      case 'var': {
        if (t.name === 'input') return fromVal((st) => st.input);
        if (t.name === 'data') return this.dataRef([], [], sc, bound);
        const s = sc.slot(t.name);
        if (!bound.has(s)) return null;
        return fromVal((_st, f) => f[s]);
      }
      case 'ref':
        return this.ref(t, sc, bound);
      case 'array': {
        const items = this.terms(t.items, sc, bound);
        return items && combine(items, (vs) => vs);
      }
      case 'set': {
        const items = this.terms(t.items, sc, bound);
        return items && combine(items, (vs) => new RegoSet(vs));
      }
      case 'object': {
        const flat: Term[] = [];
        for (const [k, v] of t.items) flat.push(k, v);
        const items = this.terms(flat, sc, bound);
        return (
          items &&
          combine(items, (vs) => {
            const b = new ObjectBuilder();
            for (let i = 0; i < vs.length; i += 2) b.set(vs[i]!, vs[i + 1]!);
            return b.build();
          })
        );
      }
      case 'call':
        return this.call(t, sc, bound);
      case 'arraycomp':
      case 'setcomp':
      case 'objectcomp':
        return this.comprehension(t, sc, bound);
      case 'template': {
        const parts: CompiledTerm[] = [];
        for (const p of t.parts) {
          if (typeof p === 'string') parts.push(constantTerm(p));
          else {
            const c = this.term(p, sc, bound);
            if (!c) return null;
            parts.push(c);
          }
        }
        const stringParts = t.parts.map((p) => typeof p === 'string');
        return combine(parts, (vs) => vs.map((v, i) => (stringParts[i] ? (v as string) : formatPrintValue(v))).join(''));
      }
    }
  }

  private terms(ts: Term[], sc: Scope, bound: Set<number>): CompiledTerm[] | null {
    const out: CompiledTerm[] = [];
    for (const t of ts) {
      const c = this.term(t, sc, bound);
      if (!c) return null;
      out.push(c);
    }
    return out;
  }

  private comprehension(t: Extract<Term, { type: 'arraycomp' | 'setcomp' | 'objectcomp' }>, sc: Scope, bound: Set<number>): CompiledTerm | null {
    const declared = declaredVars(t.body, new Set());
    if (!this.closureReady(t, sc, bound, declared)) return null;
    const heads = t.type === 'objectcomp' ? [t.key, t.value] : [t.term];
    const inner = this.nestedScope(sc, t.body, heads, declared);
    const innerBound = new Set(bound);
    const body = this.body(t.body, inner, innerBound, sc.names);
    const hs: CompiledTerm[] = [];
    for (const h of heads) {
      const c = this.term(h, inner, innerBound);
      if (!c) {
        this.reportUnsafe(h, inner, innerBound);
        return constantTerm(null);
      }
      hs.push(c);
    }
    const h0 = hs[0]!;
    if (t.type === 'arraycomp') {
      return fromVal((st, f) => {
        const out: Value[] = [];
        body(st, f, () => h0.gen(st, f, (v) => (out.push(v), false)));
        return out;
      });
    }
    if (t.type === 'setcomp') {
      return fromVal((st, f) => {
        const out = new RegoSet();
        body(st, f, () => h0.gen(st, f, (v) => (out.add(v), false)));
        return out;
      });
    }
    const h1 = hs[1]!;
    const loc = t.loc;
    return fromVal((st, f) => {
      const out = new ObjectBuilder();
      body(st, f, () =>
        h0.gen(st, f, (key) =>
          h1.gen(st, f, (v) => {
            const prev = out.get(key);
            if (prev !== undefined && !equals(prev, v)) throw new RegoError('eval_conflict_error', 'object keys must be unique', loc);
            out.set(key, v);
            return false;
          }),
        ),
      );
      return out.build();
    });
  }

  // ---- references ------------------------------------------------------------

  private ref(t: RefTerm, sc: Scope, bound: Set<number>): CompiledTerm | null {
    if (t.head.type === 'var' && t.head.name === 'data') {
      const prefix: string[] = [];
      let i = 0;
      for (; i < t.path.length; i++) {
        const p = t.path[i]!;
        if (p.type !== 'string') break;
        prefix.push(p.value);
      }
      return this.dataRef(prefix, t.path.slice(i), sc, bound);
    }
    const head = this.term(t.head, sc, bound);
    if (!head) return null;
    return this.path(head, t.path, sc, bound);
  }

  /** Applies path segments to a head term: ground segments index, others iterate and bind. */
  private path(head: CompiledTerm, segs: Term[], sc: Scope, bound: Set<number>, indexValue: Index = indexPlain): CompiledTerm | null {
    if (segs.length === 0) return head;
    type Step = { key?: CompiledTerm; pat?: UnifyFn; slot?: number };
    const steps: Step[] = [];
    for (const seg of segs) {
      const trial = new Set(bound);
      const key = this.term(seg, sc, trial);
      if (key) {
        for (const s of trial) bound.add(s);
        steps.push({ key });
        continue;
      }
      if (seg.type === 'var' && !ROOTS.has(seg.name)) {
        const s = sc.slot(seg.name);
        bound.add(s);
        steps.push({ slot: s });
        continue;
      }
      const pat = this.pattern(seg, sc, bound);
      if (!pat) return null;
      steps.push({ pat });
    }
    const keyVals = steps.every((s) => s.key?.val) ? steps.map((s) => s.key!.val!) : undefined;
    if (keyVals && head.val) {
      const hv = head.val;
      if (keyVals.length === 1) {
        const k0 = keyVals[0]!;
        return fromVal((st, f) => {
          const v = hv(st, f);
          if (v === undefined) return undefined;
          const key = k0(st, f);
          return key === undefined ? undefined : indexValue(v, key);
        });
      }
      return fromVal((st, f) => {
        let v = hv(st, f);
        for (let i = 0; i < keyVals.length && v !== undefined; i++) {
          const key = keyVals[i]!(st, f);
          if (key === undefined) return undefined;
          v = indexValue(v, key);
        }
        return v;
      });
    }
    type PathFn = (st: EvalState, f: Frame, v: Value, k: (v: Value) => boolean) => boolean;
    let next: PathFn = (_st, _f, v, k) => k(v);
    for (let i = steps.length - 1; i >= 0; i--) {
      const step = steps[i]!;
      const nx = next;
      if (step.key) {
        const key = step.key;
        if (key.val) {
          const kv = key.val;
          next = (st, f, v, k) => {
            const kk = kv(st, f);
            if (kk === undefined) return false;
            const x = indexValue(v, kk);
            return x === undefined ? false : nx(st, f, x, k);
          };
        } else {
          next = (st, f, v, k) =>
            key.gen(st, f, (kk) => {
              const x = indexValue(v, kk);
              return x === undefined ? false : nx(st, f, x, k);
            });
        }
      } else if (step.slot !== undefined) {
        const s = step.slot;
        next = (st, f, v, k) => {
          return iterateValue(v, (kk, x) => {
            st.tick();
            f[s] = kk;
            const r = nx(st, f, x, k);
            f[s] = undefined;
            return r;
          });
        };
      } else {
        const pat = step.pat!;
        next = (st, f, v, k) => iterateValue(v, (kk, x) => pat(st, f, kk, () => nx(st, f, x, k)));
      }
    }
    const walk = next;
    const hg = head.gen;
    return { gen: (st, f, k) => hg(st, f, (v) => walk(st, f, v, k)) };
  }

  /** `data.<prefix><rest>`: the constant prefix is resolved against the rule tree once, here. */
  private dataRef(prefix: string[], rest: Term[], sc: Scope, bound: Set<number>): CompiledTerm | null {
    const tree = this.cx.tree;
    // Walk the tree as dataAt does, to find what the prefix reads at evaluation time.
    let node = tree;
    let i = 0;
    let below = true;
    for (; i < prefix.length; i++) {
      if (node.kind !== undefined || node.dynamic.length > 0) break;
      const next = node.children.get(prefix[i]!);
      if (!next) {
        below = false;
        break;
      }
      node = next;
    }
    let head: CompiledTerm;
    if (!below) {
      head = fromVal((st) => (st.dataOverrides !== null ? dataAt(st, tree, prefix) : baseAt(st, prefix)));
    } else {
      const target = node;
      const tail = prefix.slice(i);
      if (tail.length === 0) {
        if (rest.length > 0 && target.kind === undefined && target.dynamic.length === 0) return this.dataWalk(target, prefix, rest, sc, bound);
        head = fromVal((st) => (st.dataOverrides !== null ? dataAt(st, tree, prefix) : nodeValue(st, target)));
      } else
        head = fromVal((st) => {
          if (st.dataOverrides !== null) return dataAt(st, tree, prefix);
          let v = nodeValue(st, target);
          for (let j = 0; j < tail.length && v !== undefined; j++) v = indexValue(v, tail[j]!);
          return v;
        });
    }
    return this.path(head, rest, sc, bound, indexData);
  }

  /**
   * `data.pkg[k]...` at a rule-tree node without rules of its own: a key picks
   * one child, so only that subtree is evaluated (not the whole document,
   * which may include the rule asking). Keys are looked up as strings, as OPA
   * does for data (`data[2]` reads key "2").
   */
  private dataWalk(node: RuleNode, prefix: string[], rest: Term[], sc: Scope, bound: Set<number>): CompiledTerm | null {
    const tree = this.cx.tree;
    const seg = rest[0]!;
    const trial = new Set(bound);
    const key = this.term(seg, sc, trial);
    let pat: UnifyFn | null = null;
    if (key) for (const s of trial) bound.add(s);
    else {
      pat = this.pattern(seg, sc, bound);
      if (!pat) return null;
    }
    // The remainder, applied to the child's value (a fresh path compiled over a placeholder head).
    let current: Value | undefined;
    const placeholder = fromVal(() => current);
    const tail = this.path(placeholder, rest.slice(1), sc, bound);
    if (!tail) return null;
    const whole = fromVal((st) => (st.dataOverrides !== null ? dataAt(st, tree, prefix) : nodeValue(st, node)));
    const wholePath = this.path(whole, rest, sc, new Set(bound));
    const childValue = (st: EvalState, k: Value): Value | undefined => {
      const name = typeof k === 'string' ? k : typeof k === 'number' ? String(k) : undefined;
      if (name === undefined) return undefined;
      const child = node.children.get(name);
      if (child) return nodeValue(st, child);
      return baseAt(st, [...prefix, name]);
    };
    const continueWith = (st: EvalState, f: Frame, v: Value, k: (v: Value) => boolean): boolean => {
      const saved = current;
      current = v;
      try {
        return tail.gen(st, f, k);
      } finally {
        current = saved;
      }
    };
    if (key) {
      return {
        gen: (st, f, k) => {
          if (st.dataOverrides !== null) return wholePath!.gen(st, f, k);
          return key.gen(st, f, (kk) => {
            const v = childValue(st, kk);
            return v === undefined ? false : continueWith(st, f, v, k);
          });
        },
      };
    }
    const p = pat!;
    return {
      gen: (st, f, k) => {
        if (st.dataOverrides !== null) return wholePath!.gen(st, f, k);
        const names = new Set<string>(node.children.keys());
        const base = baseAt(st, prefix);
        if (base !== undefined && isObject(base)) for (const [bk] of objectEntries(base)) if (typeof bk === 'string') names.add(bk);
        for (const name of names) {
          const v = childValue(st, name);
          if (v === undefined) continue;
          if (p(st, f, name, () => continueWith(st, f, v, k))) return true;
        }
        return false;
      },
    };
  }

  // ---- calls -------------------------------------------------------------------

  private callee(t: CallTerm): Callee | null {
    return this.resolveCallee(t.fn, t.loc, true);
  }

  resolveCallee(fn: RefTerm, loc: Location, report: boolean): Callee | null {
    if (fn.head.type === 'var' && fn.head.name === 'data') {
      const path = refPathStrings(fn);
      const node = path && findNodeAt(this.cx.tree, path);
      if (!node || node.kind !== 'function') {
        if (report) this.error('rego_type_error', `undefined function data.${(path ?? []).join('.')}`, loc);
        return report ? { name: 'undefined', arity: -1, invoke: () => undefined } : null;
      }
      const name = 'data.' + path!.join('.');
      const c = (): CompiledNode => node.compiled as CompiledNode;
      const arity = node.rules[0]?.rule.head.args?.length ?? 0;
      return {
        name,
        arity,
        invoke: (st, args) => {
          if (st.fnOverrides !== null) {
            const o = st.fnOverrides.get(name);
            if (o) return applyOverride(name, o, st, args, loc);
          }
          return callFunction(st, c(), args);
        },
      };
    }
    const name = builtinName(fn);
    const decl = name !== undefined ? builtinDecl(name) : undefined;
    if (!name || !decl) {
      if (report) this.error('rego_type_error', `undefined function ${name ?? '?'}`, loc);
      return report ? { name: name ?? '?', arity: -1, invoke: () => undefined } : null;
    }
    // A refused built-in is refused however it is reached: called, or put in place of another function by `with`.
    if (this.cx.refused.has(name)) this.error('rego_type_error', `unsafe built-in function calls in expression: ${name}`, loc);
    const relation = relationTable.get(name);
    const impl = inlineOps[name] ?? null;
    const builtin = builtinTable.get(name) ?? notImplemented(name);
    const invoke: Invoke = impl
      ? (st, args) => {
          if (st.fnOverrides !== null) {
            const o = st.fnOverrides.get(name);
            if (o) return applyOverride(name, o, st, args, loc);
          }
          return impl(st, args);
        }
      : (st, args) => {
          if (st.fnOverrides !== null) {
            const o = st.fnOverrides.get(name);
            if (o) return applyOverride(name, o, st, args, loc);
          }
          return callBuiltin(st, builtin, args, loc);
        };
    return { name, arity: decl.arity, invoke, ...(relation ? { relation } : {}) };
  }

  private call(t: CallTerm, sc: Scope, bound: Set<number>): CompiledTerm | null {
    const callee = this.callee(t);
    if (!callee) return null;
    if (callee.name === 'print') return this.print(t, sc, bound);
    const args = this.terms(t.args, sc, bound);
    if (!args) return null;
    if (callee.relation) {
      const rel = callee.relation;
      const loc = t.loc;
      return {
        gen: (st, f, k) =>
          genAll(args, (_st, _f, vals) => {
            let outs: Iterable<Value> = [];
            try {
              outs = rel(vals.slice(), st);
            } catch (e) {
              callBuiltin(st, () => {
                throw e;
              }, [], loc);
            }
            for (const v of outs) if (k(v)) return true;
            return false;
          })(st, f),
      };
    }
    return this.callTerm(args, callee);
  }

  private callTerm(args: CompiledTerm[], callee: Callee): CompiledTerm {
    const invoke = callee.invoke;
    const vals = allVals(args);
    if (vals) {
      const n = vals.length;
      if (n === 2) {
        const a0 = vals[0]!;
        const a1 = vals[1]!;
        return fromVal((st, f) => {
          const x = a0(st, f);
          if (x === undefined) return undefined;
          const y = a1(st, f);
          if (y === undefined) return undefined;
          return invoke(st, [x, y]);
        });
      }
      return fromVal((st, f) => {
        const a = valuesOf(vals, st, f);
        return a === undefined ? undefined : invoke(st, a);
      });
    }
    return {
      gen: (st, f, k) =>
        genAll(args, (_st, _f, vs) => {
          const r = invoke(st, vs.slice());
          return r === undefined ? false : k(r);
        })(st, f),
    };
  }

  /** `print(...)`: every operand is collected (undefined prints `<undefined>`), combinations printed. */
  private print(t: CallTerm, sc: Scope, bound: Set<number>): CompiledTerm | null {
    const args = this.terms(t.args, sc, bound);
    if (!args) return null;
    return fromVal((st, f) => {
      const sets: Value[][] = args.map((a) => {
        const vs: Value[] = [];
        a.gen(st, f, (v) => (vs.push(v), false));
        return vs;
      });
      const lines: string[] = [];
      const walk = (i: number, acc: string[]): void => {
        if (i === sets.length) {
          lines.push(acc.join(' '));
          return;
        }
        const vs = sets[i]!;
        if (vs.length === 0) walk(i + 1, [...acc, '<undefined>']);
        else for (const v of vs) walk(i + 1, [...acc, formatPrintValue(v)]);
      };
      walk(0, []);
      for (const l of lines) st.print(l);
      return true;
    });
  }
}

function restore(
  st: EvalState,
  s: { input: Value | undefined; data: EvalState['dataOverrides']; fns: EvalState['fnOverrides']; memo: EvalState['memo']; nodeMemo: EvalState['nodeMemo'] },
): void {
  st.nodeMemo = s.nodeMemo;
  st.input = s.input;
  st.dataOverrides = s.data;
  st.fnOverrides = s.fns;
  st.memo = s.memo;
}

function setFnOverride(st: EvalState, name: string, o: FunctionOverride): void {
  const m = new Map(st.fnOverrides ?? []);
  m.set(name, o);
  st.fnOverrides = m;
}

/** Matches a pattern against a term's values; without a closure per evaluation when the term never iterates. */
function unifyWith(c: CompiledTerm, pat: UnifyFn): ExprFn {
  if (c.val) {
    const val = c.val;
    const match = pat.match;
    if (match !== undefined) {
      return stepExpr((st, f) => {
        const v = val(st, f);
        return v !== undefined && match(st, f, v);
      });
    }
    return (st, f, k) => {
      const v = val(st, f);
      return v === undefined ? false : pat(st, f, v, k);
    };
  }
  const gen = c.gen;
  return (st, f, k) => gen(st, f, (v) => pat(st, f, v, k));
}

function firstValue(st: EvalState, f: Frame, c: CompiledTerm): Value | undefined {
  if (c.val) return c.val(st, f);
  let out: Value | undefined;
  c.gen(st, f, (v) => {
    out = v;
    return true;
  });
  return out;
}

function findNodeAt(root: RuleNode, path: string[]): RuleNode | undefined {
  let node: RuleNode | undefined = root;
  for (const p of path) {
    node = node.children.get(p);
    if (!node) return undefined;
  }
  return node;
}

function stripLoc(t: Term): unknown {
  return JSON.parse(JSON.stringify(t, (k, v) => (k === 'loc' ? undefined : typeof v === 'bigint' ? v.toString() : v)));
}

export { objectEntries };
