/**
 * Unification (`=`, `:=`): evaluate whichever side can be and match the
 * other against its value, binding the variables it leaves unbound; arrays
 * and objects with unbound variables on both sides unify element-wise.
 */
import type { Term } from '../../syntax/ast.js';
import { equals, isObject, objectGet, objectSize, type Value } from '../../value.js';
import type { EvalState } from '../../eval/state.js';
import type { CompiledTerm, Cont, ExprFn, Frame, UnifyFn } from '../../eval/types.js';
import { TermCompiler } from './terms.js';
import { matching, ROOTS, seq, stripLoc, unifyWith, type Scope } from './kit.js';

export abstract class UnifyCompiler extends TermCompiler {
  /** `a = b` / `a := b`: evaluate whichever side can be, match the other against it. */
  unifyTerms(a: Term, b: Term, sc: Scope, bound: Set<number>): ExprFn | null {
    // Two arrays (or objects) of different sizes never match, and OPA's safety
    // check (ast/unify.go) binds nothing across them: `[a, b] = []` leaves a and b unsafe.
    if (differentSizes(a, b)) {
      const probe = new Set(bound);
      return this.term(a, sc, probe) && this.term(b, sc, probe) ? (_st, _f, _k) => false : null;
    }
    // One side evaluated, the other matched against its value; variables bound only if that order works.
    const oneWay = (value: Term, pattern: Term): ExprFn | null => {
      const trial = new Set(bound);
      const v = this.term(value, sc, trial);
      const p = v && this.pattern(pattern, sc, trial);
      if (!v || !p) return null;
      for (const s of trial) bound.add(s);
      return unifyWith(v, p);
    };
    const direct = oneWay(a, b) ?? oneWay(b, a);
    if (direct) return direct;
    // Both sides have unbound variables: arrays (or objects) unify element-wise.
    if (a.type === 'array' && b.type === 'array') {
      return this.unifyPairs(a.items.map((x, i) => [x, b.items[i]!] as [Term, Term]), sc, bound);
    }
    if (a.type === 'object' && b.type === 'object') {
      const pairs: [Term, Term][] = [];
      for (const [ka, va] of a.items) {
        const match = b.items.find(([kb]) => kb.type !== 'var' && ka.type !== 'var' && JSON.stringify(stripLoc(kb)) === JSON.stringify(stripLoc(ka)));
        if (!match) return null;
        pairs.push([va, match[1]]);
      }
      return this.unifyPairs(pairs, sc, bound);
    }
    return null;
  }

  protected unifyPairs(pairs: [Term, Term][], sc: Scope, bound: Set<number>): ExprFn | null {
    const remaining = pairs.slice();
    const fns: ExprFn[] = [];
    const trial = new Set(bound);
    while (remaining.length > 0) {
      let progressed = false;
      for (let i = 0; i < remaining.length; i++) {
        const t2 = new Set(trial);
        const fn = this.unifyTerms(remaining[i]![0], remaining[i]![1], sc, t2);
        if (fn) {
          for (const s of t2) trial.add(s);
          fns.push(fn);
          remaining.splice(i, 1);
          progressed = true;
          break;
        }
      }
      if (!progressed) return null;
    }
    for (const s of trial) bound.add(s);
    return seq(fns);
  }

  /** A pattern: matches a value, binding its unbound variables. Evaluable parts are compared. */
  pattern(t: Term, sc: Scope, bound: Set<number>): UnifyFn | null {
    if (t.type === 'var' && !ROOTS.has(t.name)) {
      const s = sc.slot(t.name);
      if (bound.has(s)) return matching((_st, f, v) => equals(f[s]!, v));
      bound.add(s);
      const bind: UnifyFn = (st, f, v, k) => {
        f[s] = v;
        const r = k();
        f[s] = undefined;
        return r;
      };
      // As a step the binding stays in the frame (see `eval/types.ts`).
      bind.match = (_st, f, v) => ((f[s] = v), true);
      return bind;
    }
    if (t.type === 'array') {
      const n = t.items.length;
      const items: UnifyFn[] = [];
      for (const x of t.items) {
        const u = this.pattern(x, sc, bound);
        if (!u) return null;
        items.push(u);
      }
      let next: (st: EvalState, f: Frame, arr: Value[], k: Cont) => boolean = (_st, _f, _arr, k) => k();
      for (let i = n - 1; i >= 0; i--) {
        const u = items[i]!;
        const nx = next;
        next = (st, f, arr, k) => u(st, f, arr[i]!, () => nx(st, f, arr, k));
      }
      const chain = next;
      const matches = items.every((u) => u.match !== undefined) ? items.map((u) => u.match!) : undefined;
      if (matches !== undefined) {
        return matching((st, f, v) => {
          if (!Array.isArray(v) || v.length !== n) return false;
          for (let i = 0; i < n; i++) if (!matches[i]!(st, f, v[i]!)) return false;
          return true;
        });
      }
      return (st, f, v, k) => (Array.isArray(v) && v.length === n ? chain(st, f, v, k) : false);
    }
    if (t.type === 'object') {
      const keys: CompiledTerm[] = [];
      const vals: UnifyFn[] = [];
      for (const [kt, vt] of t.items) {
        const kc = this.term(kt, sc, bound);
        if (!kc || !kc.val) return null;
        keys.push(kc);
        const u = this.pattern(vt, sc, bound);
        if (!u) return null;
        vals.push(u);
      }
      const n = keys.length;
      const step = (st: EvalState, f: Frame, o: Value, i: number, k: Cont): boolean => {
        if (i === n) return k();
        const key = keys[i]!.val!(st, f);
        if (key === undefined) return false;
        const x = objectGet(o as Parameters<typeof objectGet>[0], key);
        if (x === undefined) return false;
        return vals[i]!(st, f, x, () => step(st, f, o, i + 1, k));
      };
      return (st, f, v, k) => (isObject(v) && objectSize(v) === n ? step(st, f, v, 0, k) : false);
    }
    const c = this.term(t, sc, bound);
    if (!c) return null;
    if (c.constant !== undefined) {
      const cv = c.constant;
      return matching((_st, _f, v) => equals(cv, v));
    }
    return (st, f, v, k) => c.gen(st, f, (x) => (equals(x, v) ? k() : false));
  }
}

/** Two array literals, or two object literals, with different numbers of elements. */
function differentSizes(a: Term, b: Term): boolean {
  return (a.type === 'array' && b.type === 'array') || (a.type === 'object' && b.type === 'object') ? a.items.length !== b.items.length : false;
}
