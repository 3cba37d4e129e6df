/**
 * Compiles resolved rule bodies, terms and queries into closures (see
 * `eval/types.ts`). Compilation tracks which variable slots are bound at each
 * point, so every decision (index or iterate, evaluate or unify) is taken once
 * here and not per evaluation. The same tracking drives the safety check: an
 * expression compiles only once the variables it needs are bound, which is how
 * bodies are reordered; what never compiles is reported as unsafe.
 *
 * This file holds the top layer, bodies; the layers below it are in
 * `closures/` (see `closures/base.ts` for the list).
 */
import type { Body, Expr, Term, VarTerm } from '../syntax/ast.js';
import type { ExprFn } from '../eval/types.js';
import { walkExpr, walkTerm } from '../syntax/walk.js';
import { exprDeclaredVars } from './resolve.js';
import { WithCompiler } from './closures/with.js';
import { covered, ROOTS, seq, type Scope } from './closures/kit.js';
import { tracedExpr } from './trace.js';
import { isHeadVar } from './closures/head-rewrite.js';

export { builtinName, Scope, shallowExprVars, shallowVars, type CompileContext } from './closures/kit.js';

const NO_NAMES: ReadonlySet<string> = new Set();

export class ClosureCompiler extends WithCompiler {
  /**
   * Compiles a body, reordering expressions so bindings come before uses.
   * `bound` is updated with everything the body binds. Unsafe expressions are
   * reported and compiled as failing.
   */
  body(body: Body, sc: Scope, bound: Set<number>, outerNames: ReadonlySet<string> = NO_NAMES): ExprFn {
    const shared = this.sharedNames(body, outerNames);
    const hiddenAfter = new Map<Expr, ReadonlySet<string>>();
    // Expressions share one set of hidden names until a declaration (going backwards) adds to it.
    let later: ReadonlySet<string> = NO_NAMES;
    const declared = new Set<string>();
    for (let j = body.length - 1; j >= 0; j--) {
      // An expression's own declarations are not visible in it either (`a := {x: a | ...}`).
      declared.clear();
      exprDeclaredVars(body[j]!, declared);
      for (const n of declared) {
        if (later.has(n)) continue;
        later = new Set([...later, ...declared]);
        break;
      }
      hiddenAfter.set(body[j]!, later);
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
          const withCoverage = this.inModule ? covered(fn, remaining[i]!.loc) : fn;
          fns.push(this.cx.trace ? tracedExpr(withCoverage, remaining[i]!) : withCoverage);
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
  protected sharedNames(body: Body, outer: ReadonlySet<string>): Set<string> {
    const seen = new Set<string>();
    const shared = new Set<string>(outer);
    const vs = new Set<string>();
    const collect = (t: Term): void => {
      if (t.type === 'var') vs.add(t.name);
    };
    for (const e of body) {
      vs.clear();
      walkExpr(e, collect);
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
      if (t.type === 'var' && !ROOTS.has(t.name) && !isHeadVar(t.name) && !bound.has(sc.slot(t.name))) vars.push(t);
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
}
