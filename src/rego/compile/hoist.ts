/**
 * What OPA evaluates *before* a negated expression rather than under its `not`.
 *
 * OPA's compiler rewrites every expression so that nested calls
 * (`RewriteExprTerms`) and, in call expressions, references among the operands
 * (`RewriteDynamicTerms`) are assigned to generated variables by expressions
 * placed ahead of it. For a negated expression this is visible: those
 * expressions stay outside the negation, so `not f(input.missing)` is
 * undefined (the operand has no value), not true, and `not f(xs[_])` holds for
 * each element that `f` rejects. OPA documents this as by design (issue #1877).
 *
 * The rules, as OPA applies them:
 * - any call that is not the expression's own operator is hoisted (after its
 *   own operands), wherever it occurs outside comprehension bodies: operands,
 *   collection items, reference segments and call-headed references;
 * - in a call expression (`f(a)`, `a == b`, `x in xs`), an operand that is a
 *   reference is hoisted, as is every reference inside an operand that is a
 *   collection;
 * - in `a = b` and in a plain term, the reference itself stays (so
 *   `not input.x` is true when `input.x` is undefined), but references used as
 *   its segments are hoisted. In modules `a == b` counts as `a = b`: OPA's
 *   `RewriteEquals` stage turns it into a unification before the hoisting (so
 *   `not input.x == 1` is true when `input.x` is undefined); the query compiler
 *   skips that stage, so in a query `==` is a call like any other.
 */
import type { Term, TermExpr, VarTerm } from '../syntax/ast.js';

/** A generated variable and the term evaluated into it before the expression. */
export type Hoisted = [VarTerm, Term];

/** The expression with hoisted parts replaced by generated variables, and those parts in evaluation order. */
export function hoistNegatedOperands(
  e: TermExpr,
  fresh: (loc: Term['loc']) => VarTerm,
  inModule: boolean,
): { expr: TermExpr; support: Hoisted[] } {
  const support: Hoisted[] = [];
  const hoist = (t: Term): VarTerm => {
    const v = fresh(t.loc);
    support.push([v, t]);
    return v;
  };

  // RewriteExprTerms: nested calls.
  const calls = (t: Term): Term => {
    switch (t.type) {
      case 'call':
        return hoist({ ...t, args: t.args.map(calls) });
      case 'ref':
        return { ...t, head: calls(t.head), path: t.path.map(calls) };
      case 'array':
      case 'set':
        return { ...t, items: t.items.map(calls) };
      case 'object':
        return { ...t, items: t.items.map(([k, v]): [Term, Term] => [calls(k), calls(v)]) };
      default:
        return t;
    }
  };

  // RewriteDynamicTerms: references among operands.
  const dynamicOne = (t: Term): Term => {
    switch (t.type) {
      case 'ref':
        return hoist({ ...t, path: t.path.map(dynamicOne) });
      case 'array':
      case 'set':
        return { ...t, items: t.items.map(dynamicOne) };
      case 'object':
        return { ...t, items: t.items.map(([k, v]): [Term, Term] => [dynamicOne(k), dynamicOne(v)]) };
      default:
        return t;
    }
  };
  const dynamicIn = (t: Term): Term => (t.type === 'ref' ? { ...t, path: t.path.map(dynamicOne) } : isComprehension(t) ? t : dynamicOne(t));

  const top = e.term;
  let term: Term;
  if (top.type === 'call') {
    const args = top.args.map(calls);
    const op = top.fn.path.length === 0 && top.fn.head.type === 'var' ? top.fn.head.name : undefined;
    const unify = op === 'eq' || (inModule && op === 'equal' && args.length === 2);
    term = { ...top, args: args.map(unify ? dynamicIn : dynamicOne) };
  } else {
    term = dynamicIn(calls(top));
  }
  return support.length === 0 ? { expr: e, support } : { expr: { ...e, term }, support };
}

function isComprehension(t: Term): boolean {
  return t.type === 'arraycomp' || t.type === 'setcomp' || t.type === 'objectcomp';
}
