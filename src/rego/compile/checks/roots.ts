/**
 * The root documents `input` and `data` may not be shadowed in v1 modules (and
 * v0 modules importing `rego.v1`): OPA 1.x reports a rule named after one
 * (`rules must not shadow input (use a different rule name)`), a function
 * argument (`args must not shadow …`) and an assignment `input := …`
 * (`variables must not shadow …`). In other v0 modules `input := …` declares a
 * local variable that hides the root document (see `resolve.ts`).
 */
import { RegoError } from '../../errors.js';
import type { Body, Expr, Module, Rule, Term } from '../../syntax/ast.js';
import { importsRegoV1 } from '../../syntax/v1rules.js';
import { walkTerm } from '../../syntax/walk.js';

const ROOTS = new Set(['input', 'data']);

/** `input` / `data` written alone (the parser makes them refs with an empty path). */
export function bareRoot(t: Term): string | undefined {
  if (t.type === 'ref' && t.path.length === 0 && t.head.type === 'var' && ROOTS.has(t.head.name)) return t.head.name;
  if (t.type === 'var' && ROOTS.has(t.name)) return t.name;
  return undefined;
}

export function checkRootShadowing(modules: Module[]): RegoError[] {
  const errors: RegoError[] = [];
  for (const module of modules) {
    if (module.v0 && !importsRegoV1(module)) continue;
    for (const top of module.rules) {
      for (let rule: Rule | undefined = top; rule !== undefined; rule = rule.else) {
        if (ROOTS.has(rule.head.name) && rule.head.ref.length === 1) {
          errors.push(new RegoError('rego_compile_error', `rules must not shadow ${rule.head.name} (use a different rule name)`, rule.loc));
        }
        for (const a of rule.head.args ?? []) {
          const name = bareRoot(a);
          if (name) errors.push(new RegoError('rego_compile_error', `args must not shadow ${name} (use a different variable name)`, a.loc));
        }
        eachExpr(rule.body, (e) => {
          if (e.type !== 'expr' || e.term.type !== 'call') return;
          const fn = e.term.fn;
          if (fn.path.length !== 0 || fn.head.type !== 'var' || fn.head.name !== 'assign') return;
          const name = e.term.args[0] && bareRoot(e.term.args[0]);
          if (name) errors.push(new RegoError('rego_compile_error', `variables must not shadow ${name} (use a different variable name)`, e.loc));
        });
      }
    }
  }
  return errors;
}

/** Every expression of a body, including those of nested comprehension and `every` bodies. */
function eachExpr(body: Body, fn: (e: Expr) => void): void {
  const nested = (t: Term): boolean | void => {
    if (t.type === 'arraycomp' || t.type === 'setcomp' || t.type === 'objectcomp') {
      eachExpr(t.body, fn);
      return false;
    }
  };
  for (const e of body) {
    fn(e);
    switch (e.type) {
      case 'expr':
        walkTerm(e.term, nested);
        break;
      case 'somein':
        walkTerm(e.collection, nested);
        break;
      case 'every':
        walkTerm(e.domain, nested);
        eachExpr(e.body, fn);
        break;
      default:
        break;
    }
    for (const w of e.with) walkTerm(w.value, nested);
  }
}
