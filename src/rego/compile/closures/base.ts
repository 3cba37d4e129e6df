/**
 * The closure compiler's shared state and the contract between its layers:
 * reported errors, value slots of query expressions, names hidden by later
 * `:=` declarations, and the scopes of nested closures (comprehension and
 * `every` bodies). The layers, each in its own file, from the bottom: calls
 * (`calls.ts`), references (`refs.ts`), terms and comprehensions
 * (`terms.ts`), unification (`unify.ts`), expressions (`exprs.ts`), `with`
 * (`with.ts`) and bodies (`../closures.ts`).
 */
import { RegoError, type Location } from '../../errors.js';
import type { Body, CallTerm, Expr, RefTerm, Term } from '../../syntax/ast.js';
import type { CompiledTerm, ExprFn, UnifyFn } from '../../eval/types.js';
import { walkExpr } from '../../syntax/walk.js';
import { collectVars } from '../resolve.js';
import { ROOTS, Scope, shallowExprVars, shallowVars, type CompileContext } from './kit.js';
import type { Callee } from './calls.js';

export abstract class CompilerBase {
  protected readonly reported = new Set<string>();
  /** Query expressions whose value is recorded in a frame slot (for result `expressions`). */
  readonly valueSlots = new Map<Expr, number>();
  /**
   * Names declared with `:=`/`some` by later expressions of the body being
   * compiled: `:=` scopes positionally, so a closure before the declaration
   * has its own variable of that name.
   */
  protected hidden: ReadonlySet<string> = new Set();
  /** Counter for the variables of operands hoisted out of negations (`$hN`). */
  protected hoisted = 0;
  /**
   * Compiling modules (true) or a query (false). Only module expressions report
   * coverage, and only the module compiler takes `a == b` as `a = b` (OPA's
   * `RewriteEquals` stage, which its query compiler skips; see `hoist.ts`).
   */
  inModule = true;
  /**
   * A query expression whose value is captured succeeds with the value `false`
   * (OPA's query rewrite to capture values: a query of one expression without
   * iteration reports `false`; otherwise a captured `false` fails the query).
   */
  falseIsResult = false;

  constructor(readonly cx: CompileContext) {}

  error(code: RegoError['code'], message: string, loc: Location): void {
    const key = `${loc.file}:${loc.row}:${loc.col}:${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.reportedKeys.push(key);
    this.cx.errors.push(new RegoError(code, message, loc));
  }

  /** Keys of `reported` in the order added, so that `retried` can take a first attempt's errors back. */
  private readonly reportedKeys: string[] = [];

  /**
   * `first()`, unless it reports an error and there is a `second` way: then
   * `second()` with the first attempt's errors taken back (see `head-rewrite.ts`).
   */
  retried<T>(first: () => T, second: (() => T) | undefined): T {
    const errors = this.cx.errors.length;
    const keys = this.reportedKeys.length;
    const r = first();
    if (second === undefined || this.cx.errors.length === errors) return r;
    this.cx.errors.length = errors;
    for (const k of this.reportedKeys.splice(keys)) this.reported.delete(k);
    return second();
  }

  /** Compiles a body, reordering expressions so bindings come before uses (see `ClosureCompiler`). */
  abstract body(body: Body, sc: Scope, bound: Set<number>, outerNames?: Set<string>): ExprFn;
  abstract reportUnsafe(e: Expr | Term, sc: Scope, bound: Set<number>): void;
  abstract expr(e: Expr, sc: Scope, bound: Set<number>, shared: Set<string>): ExprFn | null;
  abstract term(t: Term, sc: Scope, bound: Set<number>): CompiledTerm | null;
  abstract pattern(t: Term, sc: Scope, bound: Set<number>): UnifyFn | null;
  abstract unifyTerms(a: Term, b: Term, sc: Scope, bound: Set<number>): ExprFn | null;
  abstract resolveCallee(fn: RefTerm, loc: Location, report: boolean): Callee | null;
  protected abstract terms(ts: Term[], sc: Scope, bound: Set<number>, inOrder?: boolean): CompiledTerm[] | null;
  protected abstract callee(t: CallTerm): Callee | null;
  protected abstract withExpr(e: Expr, sc: Scope, bound: Set<number>, shared: Set<string>): ExprFn | null;

  protected closureReady(t: Term | Body, sc: Scope, bound: Set<number>, declared: Set<string>): boolean {
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

  protected nestedScope(sc: Scope, body: Body, extraTerms: Term[], declared: Set<string>): Scope {
    const names = new Set(sc.names);
    for (const e of body) shallowExprVars(e, names);
    for (const t of extraTerms) shallowVars(t, names);
    const shadowing = new Set(declared);
    for (const n of this.hidden) shadowing.add(n);
    return new Scope(sc.layout, sc, names, shadowing);
  }
}
