/**
 * Expressions: `not`, a term as a condition (false and undefined fail), calls
 * with an output operand (`f(x, out)`), `some k, v in xs` and `every`.
 */
import type { CallTerm, Expr, Term, TermExpr } from '../../syntax/ast.js';
import { tracedClosure } from '../trace.js';
import { isObject, RegoSet, type Value } from '../../value.js';
import { iterateValue } from '../../eval/access.js';
import { callBuiltin } from '../../eval/calls.js';
import type { CompiledTerm, ExprFn } from '../../eval/types.js';
import { declaredVars } from '../resolve.js';
import type { Callee } from './calls.js';
import { UnifyCompiler } from './unify.js';
import { allVals, genAll, ROOTS, shallowExprVars, stepExpr, unifyWith, type Scope } from './kit.js';
import { hoistNegatedOperands } from '../hoist.js';

export abstract class ExprCompiler extends UnifyCompiler {
  expr(e: Expr, sc: Scope, bound: Set<number>, shared: Set<string>): ExprFn | null {
    if (e.with.length > 0) return this.withExpr(e, sc, bound, shared);
    if (e.negated) return this.notExpr(e, sc, bound, shared);
    return this.positive(e, sc, bound);
  }

  protected notExpr(e: Expr, sc: Scope, bound: Set<number>, shared: Set<string>): ExprFn | null {
    // OPA: every variable of a negated expression must be bound elsewhere (`not q[x]` alone is unsafe).
    const vs = shallowExprVars(e, new Set());
    for (const name of vs) {
      if (ROOTS.has(name)) continue;
      if (!bound.has(sc.slot(name))) return null;
    }
    void shared;
    // Operands OPA evaluates ahead of the negation (see `hoist.ts`), each into a fresh slot.
    const innerBound = new Set(bound);
    let positive: Expr = e;
    const support: { value: CompiledTerm; slot: number }[] = [];
    if (e.type === 'expr') {
      const hoisted = hoistNegatedOperands(e, (loc) => ({ type: 'var', name: `$h${this.hoisted++}`, loc }), this.inModule);
      for (const [v, t] of hoisted.support) {
        const value = this.term(t, sc, innerBound);
        if (!value) return null;
        const slot = sc.slot(v.name);
        innerBound.add(slot);
        support.push({ value, slot });
      }
      positive = hoisted.expr;
      const vslot = this.valueSlots.get(e);
      if (vslot !== undefined) this.valueSlots.set(positive, vslot);
    }
    const inner = this.positive(positive, sc, innerBound);
    if (!inner) return null;
    const innerStep = inner.step;
    const negation: ExprFn =
      innerStep !== undefined
        ? stepExpr((st, f) => !innerStep(st, f))
        : (st, f, k) => {
            let found = false;
            inner(st, f, () => {
              found = true;
              return true;
            });
            return found ? false : k();
          };
    if (support.length === 0) return negation;
    const values = support.map((x) => x.value);
    const slots = support.map((x) => x.slot);
    const vals = allVals(values);
    const negStep = negation.step;
    if (vals && negStep !== undefined) {
      return stepExpr((st, f) => {
        for (let i = 0; i < vals.length; i++) {
          const v = vals[i]!(st, f);
          if (v === undefined) return false;
          f[slots[i]!] = v;
        }
        return negStep(st, f);
      });
    }
    return (st, f, k) =>
      genAll(values, (_st, _f, got) => {
        for (let i = 0; i < slots.length; i++) f[slots[i]!] = got[i];
        return negation(st, f, k);
      })(st, f);
  }

  protected positive(e: Expr, sc: Scope, bound: Set<number>): ExprFn | null {
    switch (e.type) {
      case 'some':
        return stepExpr(() => true);
      case 'somein':
        return this.someIn(e.key, e.value, e.collection, sc, bound);
      case 'every':
        return this.every(e, sc, bound);
      case 'expr':
        return this.termExpr(e, sc, bound);
    }
  }

  protected termExpr(e: TermExpr, sc: Scope, bound: Set<number>): ExprFn | null {
    const t = e.term;
    const vslot = this.valueSlots.get(e);
    if (t.type === 'call') {
      const name = t.fn.path.length === 0 && t.fn.head.type === 'var' ? t.fn.head.name : undefined;
      if ((name === 'eq' || name === 'assign') && t.args.length === 2) return this.unifyTerms(t.args[0]!, t.args[1]!, sc, bound);
      const callee = this.callee(t);
      if (!callee) return null;
      if (callee.arity >= 0 && t.args.length === callee.arity + 1) {
        const fn = this.callWithOutput(t, callee, sc, bound);
        if (!fn || vslot === undefined) return fn;
        const step = fn.step;
        if (step !== undefined) return stepExpr((st, f) => step(st, f) && ((f[vslot] = true), true));
        return (st, f, k) => fn(st, f, () => ((f[vslot] = true), k()));
      }
    }
    const c = this.term(t, sc, bound);
    if (!c) return null;
    if (vslot !== undefined) {
      // A query's captured value: `false` is a result when the query captures it (see `falseIsResult`).
      const keepFalse = this.falseIsResult;
      if (c.val) {
        const val = c.val;
        return stepExpr((st, f) => {
          const v = val(st, f);
          if (v === undefined || (v === false && !keepFalse)) return false;
          f[vslot] = v;
          return true;
        });
      }
      const gen = c.gen;
      return (st, f, k) => gen(st, f, (v) => (v !== false || keepFalse ? ((f[vslot] = v), k()) : false));
    }
    if (c.val) {
      const val = c.val;
      return stepExpr((st, f) => {
        const v = val(st, f);
        return v !== undefined && v !== false;
      });
    }
    const gen = c.gen;
    return (st, f, k) => gen(st, f, (v) => (v !== false ? k() : false));
  }

  /** `f(a, b, out)`: evaluate the call, then match its result against the output operand. */
  protected callWithOutput(t: CallTerm, callee: Callee, sc: Scope, bound: Set<number>): ExprFn | null {
    const inputs: CompiledTerm[] = [];
    for (let i = 0; i < callee.arity; i++) {
      const c = this.term(t.args[i]!, sc, bound);
      if (!c) return null;
      inputs.push(c);
    }
    const out = this.pattern(t.args[callee.arity]!, sc, bound);
    if (!out) return null;
    const loc = t.loc;
    if (callee.relation) {
      const rel = callee.relation;
      return (st, f, k) =>
        genAll(inputs, (_st, _f, vals) => {
          let outputs: Iterable<Value>;
          try {
            outputs = rel(vals.slice(), st);
          } catch (err) {
            const r = callBuiltin(st, () => {
              throw err;
            }, [], loc);
            void r;
            return false;
          }
          for (const v of outputs) {
            st.tick();
            if (out(st, f, v, k)) return true;
          }
          return false;
        })(st, f);
    }
    return unifyWith(this.callTerm(inputs, callee), out);
  }

  protected someIn(key: Term | undefined, value: Term, collection: Term, sc: Scope, bound: Set<number>): ExprFn | null {
    const coll = this.term(collection, sc, bound);
    if (!coll) return null;
    const kp = key ? this.pattern(key, sc, bound) : undefined;
    if (key && !kp) return null;
    const vp = this.pattern(value, sc, bound);
    if (!vp) return null;
    const vm = vp.match;
    const km = kp?.match;
    if (coll.val !== undefined && vm !== undefined && (kp === undefined || km !== undefined)) {
      // One collection, patterns that match at most one way (`some x in xs`): arrays walked by index, no closure per member.
      const cv = coll.val;
      return (st, f, k) => {
        const c = cv(st, f);
        if (Array.isArray(c)) {
          for (let i = 0; i < c.length; i++) {
            st.tick();
            if ((km === undefined || km(st, f, i)) && vm(st, f, c[i]!) && k()) return true;
          }
          return false;
        }
        if (!(c instanceof RegoSet) && (c === undefined || !isObject(c))) return false;
        return iterateValue(c, (kk, vv) => {
          st.tick();
          return (km === undefined || km(st, f, kk)) && vm(st, f, vv) && k();
        });
      };
    }
    return (st, f, k) =>
      coll.gen(st, f, (c) => {
        if (Array.isArray(c) || c instanceof RegoSet || isObject(c)) {
          return iterateValue(c, (kk, vv) => {
            st.tick();
            return kp ? kp(st, f, kk, () => vp(st, f, vv, k)) : vp(st, f, vv, k);
          });
        }
        return false;
      });
  }

  protected every(e: Extract<Expr, { type: 'every' }>, sc: Scope, bound: Set<number>): ExprFn | null {
    const domain = this.term(e.domain, sc, bound);
    if (!domain) return null;
    const declared = declaredVars(e.body, new Set());
    if (e.key) declared.add(e.key.name);
    declared.add(e.value.name);
    if (!this.closureReady(e.body, sc, bound, declared)) return null;
    const inner = this.nestedScope(sc, e.body, e.key ? [e.key, e.value] : [e.value], declared);
    const innerBound = new Set(bound);
    const ks = e.key ? inner.slot(e.key.name) : -1;
    const vs = inner.slot(e.value.name);
    if (ks >= 0) innerBound.add(ks);
    innerBound.add(vs);
    const compiled = this.body(e.body, inner, innerBound, sc.names);
    const body = this.cx.trace ? tracedClosure(compiled, e.body, e.loc) : compiled;
    return (st, f, k) =>
      domain.gen(st, f, (d) => {
        const failed = iterateValue(d, (kk, vv) => {
          if (ks >= 0) f[ks] = kk;
          f[vs] = vv;
          let found = false;
          body(st, f, () => {
            found = true;
            return true;
          });
          if (ks >= 0) f[ks] = undefined;
          f[vs] = undefined;
          return !found;
        });
        return failed ? false : k();
      });
  }
}
