/**
 * Compiles a query (a body of expressions) against a compiled policy: one
 * frame layout, expression values captured in hidden slots (for OPA's result
 * `expressions`), and the user variables reported as bindings.
 */
import type { Location } from '../errors.js';
import type { Body, Expr, Term } from '../syntax/ast.js';
import { walkExpr } from '../syntax/walk.js';
import { relationTable } from '../builtins/index.js';
import type { ExprFn, CompiledTerm } from '../eval/types.js';
import { builtinName, ClosureCompiler, Scope, shallowExprVars } from './closures.js';
import { tracedQuery } from './trace.js';

export interface CompiledQuery {
  run: ExprFn;
  frameSize: number;
  /** Query expressions in source order, with the slot that holds their value (-1: always true). */
  exprs: { slot: number; text: string; location: Location }[];
  /** User variables (not wildcards or generated names) and their slots. */
  vars: { name: string; slot: number }[];
  /** For a single-term query: the term, evaluable directly (no result set). */
  single?: CompiledTerm;
}

/** Source text of each expression: from its start to the next expression's start. */
function exprTexts(source: string, body: Body): string[] {
  const lineStarts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === '\n') lineStarts.push(i + 1);
  const offset = (l: Location): number => (lineStarts[l.row - 1] ?? 0) + l.col - 1;
  const starts = body.map((e) => offset(e.loc));
  return body.map((_, i) => {
    const end = i + 1 < starts.length ? starts[i + 1]! : source.length;
    return source
      .slice(starts[i], end)
      .trim()
      .replace(/[;\s]+$/u, '');
  });
}

function isUserVar(name: string): boolean {
  return !name.startsWith('$') && !name.startsWith('__') && name !== 'input' && name !== 'data';
}

export function compileQuery(cc: ClosureCompiler, body: Body, source: string): CompiledQuery {
  cc.inModule = false;
  cc.falseIsResult = body.length === 1 && !iterates(body);
  const layout = { size: 0 };
  const names = new Set<string>();
  for (const e of body) shallowExprVars(e, names);
  const sc = new Scope(layout, undefined, names, new Set());
  const texts = exprTexts(source, body);
  const exprs: CompiledQuery['exprs'] = [];
  for (let i = 0; i < body.length; i++) {
    const e = body[i]!;
    const slot = capturesValue(e) ? layout.size++ : -1;
    if (slot >= 0) cc.valueSlots.set(e, slot);
    exprs.push({ slot, text: texts[i]!, location: e.loc });
  }
  const bound = new Set<number>();
  const compiled = cc.body(body, sc, bound);
  const run = cc.cx.trace ? tracedQuery(compiled, body) : compiled;
  const vars: CompiledQuery['vars'] = [];
  for (const name of names) if (isUserVar(name)) vars.push({ name, slot: sc.slot(name) });
  let single: CompiledTerm | undefined;
  if (body.length === 1 && capturesValue(body[0]!) && body[0]!.with.length === 0) {
    const e = body[0] as Extract<Expr, { type: 'expr' }>;
    single = cc.term(e.term, sc, new Set()) ?? undefined;
  }
  return { run, frameSize: layout.size, exprs, vars, ...(single ? { single } : {}) };
}

/**
 * Whether a query iterates, as OPA's rego package decides when it rewrites a
 * query to capture its values: a reference with a variable segment, or a
 * relation (a built-in with several results), outside comprehensions.
 */
function iterates(body: Body): boolean {
  let found = false;
  const visit = (t: Term): boolean => {
    if (found || t.type === 'arraycomp' || t.type === 'setcomp' || t.type === 'objectcomp') return false;
    if (t.type === 'ref' && t.path.some((p) => p.type === 'var')) found = true;
    if (t.type === 'call') {
      const name = builtinName(t.fn);
      if (name !== undefined && relationTable.has(name)) found = true;
    }
    return !found;
  };
  for (const e of body) walkExpr(e, visit);
  return found;
}

/** Expressions whose result value is the term's value (not `true`): plain terms and calls without output. */
function capturesValue(e: Expr): boolean {
  if (e.type !== 'expr' || e.negated) return false;
  const t = e.term;
  if (t.type === 'call' && t.fn.path.length === 0 && t.fn.head.type === 'var' && (t.fn.head.name === 'eq' || t.fn.head.name === 'assign')) return false;
  return true;
}
