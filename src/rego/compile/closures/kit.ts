/**
 * The pieces every closure compiler layer builds with: scopes (variable
 * names to frame slots), the small closure combinators (steps, sequences,
 * constant and single-valued terms, combinations of values) and lookups in
 * the rule tree. Nothing here decides what a Rego construct means.
 */
import type { Location, RegoError } from '../../errors.js';
import type { Body, Expr, RefTerm, Term } from '../../syntax/ast.js';
import { isObject, type Value } from '../../value.js';
import { indexValue } from '../../eval/access.js';
import type { EvalState } from '../../eval/state.js';
import type { CompiledTerm, ExprFn, Frame, StepFn, UnifyFn, ValFn } from '../../eval/types.js';
import { walkTerm } from '../../syntax/walk.js';
import type { RuleNode } from '../ruletree.js';

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

export const ROOTS = new Set(['input', 'data']);

// ---------------------------------------------------------------------------
// Small closure combinators

/**
 * Marks an expression covered when it is evaluated (`opa test --coverage`).
 * Without a coverage sink this costs one field test per expression.
 */
export function covered(fn: ExprFn, loc: Location): ExprFn {
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
export function stepExpr(step: StepFn): ExprFn {
  const fn: ExprFn = (st, f, k) => (step(st, f) ? k() : false);
  fn.step = step;
  return fn;
}

/** Several steps in order, as one step. */
export function steps(list: StepFn[]): StepFn {
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
export function runOf(run: ExprFn[]): { step: StepFn; plain?: StepFn } {
  const reporting = steps(run.map((fn) => fn.step!));
  if (!run.every((fn) => fn.uncovered !== undefined)) return { step: reporting };
  const plain = steps(run.map((fn) => fn.uncovered!));
  return { step: (st, f) => (st.coverage === undefined ? plain(st, f) : reporting(st, f)), plain };
}

/**
 * A body: each expression runs the rest of the body as its continuation. Runs
 * of non-iterating expressions are checked one after the other without a
 * continuation each, and a body made only of them is itself a step.
 */
export function seq(fns: ExprFn[]): ExprFn {
  if (fns.length === 0) return stepExpr(() => true);
  let next: ExprFn | undefined;
  let i = fns.length - 1;
  while (i >= 0) {
    const run: ExprFn[] = [];
    while (i >= 0 && fns[i]!.step !== undefined) run.unshift(fns[i--]!);
    if (run.length > 0) {
      const { step, plain } = runOf(run);
      if (next === undefined) {
        next = stepExpr(step);
        // A body that is one run: whoever runs it may test for a coverage sink itself (see `CompiledRule.plainStep`).
        if (plain !== undefined) next.uncovered = plain;
      } else {
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
export function matching(match: (st: EvalState, f: Frame, v: Value) => boolean): UnifyFn {
  const fn: UnifyFn = (st, f, v, k) => (match(st, f, v) ? k() : false);
  fn.match = match;
  return fn;
}

export function constantTerm(v: Value): CompiledTerm {
  return { constant: v, val: () => v, gen: (_st, _f, k) => k(v) };
}

/** `input` (one shared term: references below it are recognised by identity and read `st.input` directly). */
export const INPUT_TERM: CompiledTerm = fromVal((st) => st.input);

/** `v[k0][k1]…` for constant keys. */
export function atKeys(v: Value | undefined, keys: readonly Value[], index: Index): Value | undefined {
  for (let i = 0; i < keys.length && v !== undefined; i++) v = index(v, keys[i]!);
  return v;
}

export function fromVal(val: ValFn): CompiledTerm {
  return {
    val,
    gen: (st, f, k) => {
      const v = val(st, f);
      return v === undefined ? false : k(v);
    },
  };
}

/** Evaluates several terms, calling `k` with every combination of their values (left to right). */
export function genAll(items: CompiledTerm[], k: (st: EvalState, f: Frame, vals: Value[]) => boolean): (st: EvalState, f: Frame) => boolean {
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

export function allVals(items: CompiledTerm[]): ValFn[] | undefined {
  const out: ValFn[] = [];
  for (const c of items) {
    if (!c.val) return undefined;
    out.push(c.val);
  }
  return out.slice(); // kept by closures: exact size, no spare capacity
}

/** The values of single-valued parts, or undefined as soon as one is undefined. */
export function valuesOf(vals: readonly ValFn[], st: EvalState, f: Frame): Value[] | undefined {
  const out: Value[] = new Array(vals.length);
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i]!(st, f);
    if (v === undefined) return undefined;
    out[i] = v;
  }
  return out;
}

/** A term from values of parts: fast when all parts never iterate, else by combination. */
export function combine(items: CompiledTerm[], build: (vals: Value[]) => Value | undefined): CompiledTerm {
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

/** Matches a pattern against a term's values; without a closure per evaluation when the term never iterates. */
export function unifyWith(c: CompiledTerm, pat: UnifyFn): ExprFn {
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

// ---------------------------------------------------------------------------
// Indexing and the rule tree

export type Index = (v: Value, key: Value) => Value | undefined;

export const indexPlain: Index = indexValue;

/** Indexing below `data`: OPA finds object key "2" for `data.x[2]` (data refs are paths of strings). */
export const indexData: Index = (v, key) => {
  const x = indexValue(v, key);
  if (x !== undefined || typeof key !== 'number' || !Number.isInteger(key) || !isObject(v)) return x;
  return indexValue(v, String(key));
};

export interface CompileContext {
  tree: RuleNode;
  errors: RegoError[];
  refused: ReadonlySet<string>;
  /**
   * When set, each compiled body's expressions in the order chosen for safety
   * (the type checker follows it). A `WeakMap` when kept between compiles.
   */
  bodyOrder?: { get(body: Body): Expr[] | undefined; set(body: Body, order: Expr[]): unknown };
  /** Compile the traced variant (see `compile/trace.ts`). */
  trace?: boolean;
}

export function refPathStrings(r: RefTerm): string[] | undefined {
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
  if (fn.path.length === 0) return fn.head.name; // operators and most built-ins: no array, no join
  const rest = refPathStrings(fn);
  if (!rest) return undefined;
  return [fn.head.name, ...rest].join('.');
}

export function findNodeAt(root: RuleNode, path: string[]): RuleNode | undefined {
  let node: RuleNode | undefined = root;
  for (const p of path) {
    node = node.children.get(p);
    if (!node) return undefined;
  }
  return node;
}

export function stripLoc(t: Term): unknown {
  return JSON.parse(JSON.stringify(t, (k, v) => (k === 'loc' ? undefined : typeof v === 'bigint' ? v.toString() : v)));
}
