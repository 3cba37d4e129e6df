/**
 * The traced variant of compiled closures, made only when a policy is
 * compiled with `trace: true` (`--explain`): each expression, rule body,
 * closure body and query is wrapped to report OPA's trace events to the
 * evaluation's `Tracer`. An ordinary compile never calls these, so decisions
 * pay nothing for tracing. Wrapped closures drop their straight-line `step`
 * form, so the evaluator takes the continuation path that the wrappers see.
 */
import type { Location } from '../errors.js';
import type { Body, Expr } from '../syntax/ast.js';
import type { ExprFn } from '../eval/types.js';
import type { TraceNode } from '../eval/trace.js';
import { bodyText, exprText } from '../format/print.js';

/** Eval, then Redo after each solution's continuation returns, or Fail when there was none. */
export function tracedExpr(fn: ExprFn, expr: Expr): ExprFn {
  const text = exprText(expr);
  const loc = expr.loc;
  return (st, f, k) => {
    const t = st.tracer;
    if (t === undefined) return fn(st, f, k);
    const q = t.qid;
    t.emit('Eval', 'expr', text, loc);
    let defined = false;
    const stop = fn(st, f, () => {
      defined = true;
      const s = k();
      t.qid = q;
      t.emit('Redo', 'expr', text, loc);
      return s;
    });
    t.qid = q;
    if (!defined) t.emit('Fail', 'expr', text, loc);
    return stop;
  };
}

/**
 * A query of its own below the current one: Enter, its events, Exit at each
 * solution, Redo when the search comes back. The continuation of a rule or
 * closure body computes the head (the rule's value, the comprehension's
 * term), which belongs to the same query.
 */
function subquery(fn: ExprFn, node: TraceNode, text: string, loc: Location): ExprFn {
  return (st, f, k) => {
    const t = st.tracer;
    if (t === undefined) return fn(st, f, k);
    const parent = t.open();
    const q = t.qid;
    t.emit('Enter', node, text, loc);
    const stop = fn(st, f, () => {
      t.qid = q;
      t.emit('Exit', node, text, loc);
      const s = k();
      t.qid = q;
      t.emit('Redo', node, text, loc);
      return s;
    });
    t.qid = parent;
    return stop;
  };
}

/** A rule's body, shown by the rule's path (`data.pkg.p`). */
export function tracedRule(fn: ExprFn, path: string, loc: Location): ExprFn {
  return subquery(fn, 'rule', path, loc);
}

/** A comprehension's or `every`'s body. */
export function tracedClosure(fn: ExprFn, body: Body, loc: Location): ExprFn {
  return subquery(fn, 'body', bodyText(body), loc);
}

/** The top query: it is query 0, so no new query is opened. */
export function tracedQuery(fn: ExprFn, body: Body): ExprFn {
  const text = bodyText(body);
  const loc = body[0]?.loc;
  return (st, f, k) => {
    const t = st.tracer;
    if (t === undefined) return fn(st, f, k);
    t.emit('Enter', 'body', text, loc);
    return fn(st, f, () => {
      t.qid = 0;
      t.emit('Exit', 'body', text, loc);
      const s = k();
      t.qid = 0;
      t.emit('Redo', 'body', text, loc);
      return s;
    });
  };
}
