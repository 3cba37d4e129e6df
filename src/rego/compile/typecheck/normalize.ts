/**
 * Expressions as OPA's checker sees them after the compiler's rewriting
 * stages (v1/ast/compile.go): a call nested in a term becomes a call of its
 * own with an output variable, checked first (`x := count(y)` is
 * `count(y, $t0); x = $t0`); `:=` and, in modules, `==` are unifications;
 * `some k, v in xs` is `v = xs[k]`; an `every` domain is bound to a variable
 * first. Terms without nested calls are kept as they are (no copies).
 */
import type { Location } from '../../errors.js';
import type { Every, Expr, RefTerm, Term, VarTerm, With } from '../../syntax/ast.js';
import { refText } from './terms.js';

export type Step =
  | { kind: 'eq'; a: Term; b: Term; loc: Location; with: With[] }
  | { kind: 'call'; fn: RefTerm; args: Term[]; loc: Location; with: With[] }
  | { kind: 'term'; term: Term; loc: Location; with: With[] }
  | { kind: 'every'; every: Every; loc: Location; with: With[] }
  /** `print(a, b)`: OPA checks each operand on its own, as a closure (`{x | x = a}`). */
  | { kind: 'print'; args: Term[]; loc: Location; with: With[] };

/** Hands out the checker's own variable names (`$t0`, …), which no Rego variable can have. */
export class VarGen {
  private n = 0;
  next(loc: Location): VarTerm {
    return { type: 'var', name: `$t${this.n++}`, loc };
  }
}

/** A call's name as OPA prints it: `count`, `strings.replace_n`, `data.lib.f`. */
export function callName(fn: RefTerm): string {
  return fn.path.length === 0 && fn.head.type === 'var' ? fn.head.name : refText(fn.head, fn.path);
}

/** The name of a call to one of the operators OPA rewrites (`assign`, `eq`, `equal`, `print`), if it is one. */
function plainName(fn: RefTerm): string | undefined {
  return fn.path.length === 0 && fn.head.type === 'var' ? fn.head.name : undefined;
}

export function normalizeExpr(e: Expr, gen: VarGen, rewriteEquals: boolean): Step[] {
  const steps: Step[] = [];
  const withs = e.with.length === 0 ? e.with : e.with.map((w) => ({ ...w, value: expandTerm(w.value, steps, gen, []) }));
  switch (e.type) {
    case 'some':
      break;
    case 'somein': {
      const key = e.key ? expandTerm(e.key, steps, gen, withs) : gen.next(e.loc);
      const coll = expandTerm(e.collection, steps, gen, withs);
      const value = expandTerm(e.value, steps, gen, withs);
      const elem: RefTerm = coll.type === 'ref' ? { ...coll, path: [...coll.path, key] } : { type: 'ref', head: coll, path: [key], loc: coll.loc };
      steps.push({ kind: 'eq', a: value, b: elem, loc: e.loc, with: withs });
      break;
    }
    case 'every': {
      const domain = expandTerm(e.domain, steps, gen, withs);
      steps.push({ kind: 'eq', a: gen.next(e.domain.loc), b: domain, loc: e.domain.loc, with: withs });
      steps.push({ kind: 'every', every: e, loc: e.loc, with: withs });
      break;
    }
    case 'expr': {
      const t = e.term;
      if (t.type !== 'call') {
        steps.push({ kind: 'term', term: expandTerm(t, steps, gen, withs), loc: e.loc, with: withs });
        break;
      }
      const name = plainName(t.fn);
      if (t.args.length === 2 && (name === 'assign' || name === 'eq' || (rewriteEquals && name === 'equal'))) {
        const a = expandTerm(t.args[0]!, steps, gen, withs);
        const b = expandTerm(t.args[1]!, steps, gen, withs);
        steps.push({ kind: 'eq', a, b, loc: e.loc, with: withs });
      } else if (name === 'print') {
        steps.push({ kind: 'print', args: t.args, loc: e.loc, with: withs });
      } else {
        const args = t.args.map((a) => expandTerm(a, steps, gen, withs));
        steps.push({ kind: 'call', fn: t.fn, args, loc: e.loc, with: withs });
      }
      break;
    }
  }
  return steps;
}

/**
 * Moves the calls nested in `t` into steps of their own (innermost and
 * leftmost first) and returns the term with each call replaced by its output
 * variable. Comprehensions are left alone: their bodies are checked with them.
 */
export function expandTerm(t: Term, steps: Step[], gen: VarGen, withs: With[]): Term {
  switch (t.type) {
    case 'call': {
      const args = t.args.map((a) => expandTerm(a, steps, gen, withs));
      const out = gen.next(t.loc);
      steps.push({ kind: 'call', fn: t.fn, args: [...args, out], loc: t.loc, with: withs });
      return out;
    }
    case 'ref': {
      const head = expandTerm(t.head, steps, gen, withs);
      const path = mapSame(t.path, (p) => expandTerm(p, steps, gen, withs));
      return head === t.head && path === t.path ? t : { ...t, head, path };
    }
    case 'array':
    case 'set': {
      const items = mapSame(t.items, (x) => expandTerm(x, steps, gen, withs));
      return items === t.items ? t : { ...t, items };
    }
    case 'object': {
      let changed = false;
      const items = t.items.map(([k, v]): [Term, Term] => {
        const k2 = expandTerm(k, steps, gen, withs);
        const v2 = expandTerm(v, steps, gen, withs);
        if (k2 !== k || v2 !== v) changed = true;
        return [k2, v2];
      });
      return changed ? { ...t, items } : t;
    }
    default:
      return t;
  }
}

/** `items.map(f)`, or `items` itself when `f` changed nothing. */
function mapSame(items: Term[], f: (t: Term) => Term): Term[] {
  let out: Term[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const x = f(items[i]!);
    if (x !== items[i] && !out) out = items.slice(0, i);
    if (out) out.push(x);
  }
  return out ?? items;
}
