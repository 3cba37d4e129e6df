/**
 * The one walker over the syntax tree: visits the terms of a rule — head (ref,
 * args, key, value), body (with nested comprehensions, `every` bodies and
 * `with` modifiers), and the `else` chain — parents before children.
 * `visit` returns false to skip a term's children (e.g. a ref handled whole).
 * A call's operands are visited, not its function name: a name is not a
 * variable (visitors that care about functions look at the `call` term).
 */
import type { Body, Expr, Rule, Term } from './ast.js';

export type TermVisitor = (t: Term) => boolean | void;

export function walkRule(rule: Rule, visit: TermVisitor): void {
  for (const seg of rule.head.ref) walkTerm(seg, visit);
  for (const a of rule.head.args ?? []) walkTerm(a, visit);
  if (rule.head.key) walkTerm(rule.head.key, visit);
  if (rule.head.value) walkTerm(rule.head.value, visit);
  walkBody(rule.body, visit);
  if (rule.else) walkRule(rule.else, visit);
}

export function walkBody(body: Body, visit: TermVisitor): void {
  for (const e of body) walkExpr(e, visit);
}

export function walkExpr(e: Expr, visit: TermVisitor): void {
  switch (e.type) {
    case 'expr':
      walkTerm(e.term, visit);
      break;
    case 'some':
      for (const v of e.vars) walkTerm(v, visit);
      break;
    case 'somein':
      if (e.key) walkTerm(e.key, visit);
      walkTerm(e.value, visit);
      walkTerm(e.collection, visit);
      break;
    case 'every':
      if (e.key) walkTerm(e.key, visit);
      walkTerm(e.value, visit);
      walkTerm(e.domain, visit);
      walkBody(e.body, visit);
      break;
  }
  for (const w of e.with) {
    walkTerm(w.target, visit);
    walkTerm(w.value, visit);
  }
}

export function walkTerm(t: Term, visit: TermVisitor): void {
  if (visit(t) === false) return;
  switch (t.type) {
    case 'ref':
      walkTerm(t.head, visit);
      for (const p of t.path) walkTerm(p, visit);
      break;
    case 'array':
    case 'set':
      for (const x of t.items) walkTerm(x, visit);
      break;
    case 'object':
      for (const [k, v] of t.items) {
        walkTerm(k, visit);
        walkTerm(v, visit);
      }
      break;
    case 'call':
      for (const a of t.args) walkTerm(a, visit);
      break;
    case 'arraycomp':
    case 'setcomp':
      walkTerm(t.term, visit);
      walkBody(t.body, visit);
      break;
    case 'objectcomp':
      walkTerm(t.key, visit);
      walkTerm(t.value, visit);
      walkBody(t.body, visit);
      break;
    case 'template':
      for (const p of t.parts) if (typeof p !== 'string') walkTerm(p, visit);
      break;
    default:
      break;
  }
}

/** The term kinds OPA must evaluate: references, calls, comprehensions, templates. */
const EVALUATED = new Set<Term['type']>(['ref', 'call', 'arraycomp', 'setcomp', 'objectcomp', 'template']);

/** True if the term, or a member of a collection it is (at any depth), satisfies `hit`; comprehensions are not entered. */
function someMember(t: Term, hit: (t: Term) => boolean): boolean {
  if (hit(t)) return true;
  switch (t.type) {
    case 'array':
    case 'set':
      return t.items.some((x) => someMember(x, hit));
    case 'object':
      return t.items.some(([k, v]) => someMember(k, hit) || someMember(v, hit));
    default:
      return false;
  }
}

const needsEval = (t: Term): boolean => EVALUATED.has(t.type);
const notAsWritten = (t: Term): boolean => t.type === 'var' || EVALUATED.has(t.type);

/** True if the term is a value as written: no variable, reference, call, comprehension or template anywhere in it. */
export function isGroundTerm(t: Term): boolean {
  return !someMember(t, notAsWritten);
}

/** OPA's requiresEval: true if the term holds a reference, a comprehension or a call (something the body must evaluate). */
export function requiresEval(t: Term): boolean {
  return someMember(t, needsEval);
}
