/**
 * OPA's `RewriteComprehensionTerms` stage: a comprehension whose head (term,
 * or key/value) needs evaluation (it holds a reference, a call, a nested
 * comprehension or a template string) is checked and evaluated as if written
 * `[__local0__ | body; __local0__ = head]`. The head's expression then takes
 * part in the body's reordering for safety, so variables it binds (the `i` of
 * `wanted[i]`) make later-written body expressions safe:
 * `[{"p": f(xs[i])} | not g(xs[i])]` compiles, with `i` bound by the head.
 * Heads that are plain variables or constants are left as written.
 */
import type { Body, Expr, Term, VarTerm } from '../../syntax/ast.js';
import { walkTerm } from '../../syntax/walk.js';

type Comprehension = Extract<Term, { type: 'arraycomp' | 'setcomp' | 'objectcomp' }>;

/** The body and heads a comprehension is compiled with (the written ones when no head needs evaluation). */
export interface ComprehensionParts {
  body: Body;
  heads: Term[];
}

const rewritten = new WeakMap<Comprehension, ComprehensionParts>();

/** OPA's requiresEval: the term holds something to evaluate, not only variables and constants. */
function requiresEval(t: Term): boolean {
  let found = false;
  walkTerm(t, (x) => {
    if (found) return false;
    switch (x.type) {
      case 'ref':
      case 'call':
      case 'arraycomp':
      case 'setcomp':
      case 'objectcomp':
      case 'template':
        found = true;
        return false;
      default:
        return true;
    }
  });
  return found;
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

/** The parts to compile `t` with; the same objects for the same comprehension (bodies are compile-cache keys). */
export function comprehensionParts(t: Comprehension): ComprehensionParts {
  let parts = rewritten.get(t);
  if (parts !== undefined) return parts;
  const written = t.type === 'objectcomp' ? [t.key, t.value] : [t.term];
  if (!written.some(requiresEval)) {
    parts = { body: t.body, heads: written };
  } else {
    const body = t.body.slice();
    const heads = written.map((h, i) => {
      if (!requiresEval(h)) return h;
      // `$` cannot start a Rego name: no clash with the policy's variables.
      const v: VarTerm = { type: 'var', name: `$head${i}`, loc: h.loc };
      body.push(unification(v, h));
      return v;
    });
    parts = { body, heads };
  }
  rewritten.set(t, parts);
  return parts;
}

/** Whether a variable is one of the generated head variables (never reported as unsafe: its expression's own variables are). */
export function isHeadVar(name: string): boolean {
  return name.startsWith('$head');
}
