/**
 * OPA's `RewriteComprehensionTerms` and `RewriteRefsInHead` stages, which run
 * before its safety check: a comprehension head (term, or key and value) or a
 * rule head (value, key, ref-head segments) that needs evaluation (it holds a
 * reference, a call, a comprehension or a template string) becomes a
 * generated variable, and `__local0__ = head` is appended to the body. The
 * head's expression then takes part in the body's reordering for safety, so
 * variables its references bind (the `i` of `wanted[i]`) make body
 * expressions written with them safe: `[{"p": f(xs[i])} | not g(xs[i])]` and
 * `p[xs[i]] := i if i > 0` compile.
 *
 * The evaluated form is the same either way, so the compilers compile the
 * written form first and this one only when the written one reports an error
 * (`ClosureCompilerBase.retried`): common heads keep their cheaper closures.
 */
import type { Body, Expr, Term, VarTerm } from '../../syntax/ast.js';
import { requiresEval } from '../../syntax/walk.js';

/** A body and the heads to compile with it. */
export interface HeadParts {
  body: Body;
  heads: Term[];
}

function unification(v: VarTerm, value: Term): Expr {
  const loc = value.loc;
  return {
    type: 'expr',
    negated: false,
    with: [],
    loc,
    term: { type: 'call', loc, fn: { type: 'ref', loc, head: { type: 'var', name: 'eq', loc }, path: [] }, args: [v, value] },
  };
}

const HEAD_VAR = '$head';

/** The rewritten parts, or undefined when no head needs evaluation (the written form is all there is). */
export function rewriteHeads(body: Body, heads: Term[]): HeadParts | undefined {
  if (!heads.some(requiresEval)) return undefined;
  const out = body.slice();
  const rewritten = heads.map((h, i) => {
    if (!requiresEval(h)) return h;
    // `$` cannot start a Rego name: no clash with the policy's variables.
    const v: VarTerm = { type: 'var', name: `${HEAD_VAR}${i}`, loc: h.loc };
    out.push(unification(v, h));
    return v;
  });
  return { body: out, heads: rewritten };
}

/** Whether a variable is a generated head variable (never reported as unsafe: its expression's own variables are). */
export function isHeadVar(name: string): boolean {
  return name.startsWith(HEAD_VAR);
}

/** The written body's expressions in the order chosen for the rewritten one (for the type checker, which reads the written body). */
export function writtenOrder(order: readonly Expr[], written: Body): Expr[] {
  return order.filter((e) => written.includes(e));
}
