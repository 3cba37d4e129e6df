/**
 * `with` modifiers: replace `input` or a path of `data` (a document, or a
 * user function) or a built-in for the duration of one expression, with the
 * rule memo set aside so nothing computed under the replacement leaks out.
 */
import type { Expr, RefTerm, With } from '../../syntax/ast.js';
import type { Value } from '../../value.js';
import { setAtPath } from '../../eval/access.js';
import type { EvalState, FunctionOverride } from '../../eval/state.js';
import type { CompiledTerm, Cont, ExprFn, Frame } from '../../eval/types.js';
import { builtinCapability as builtinDecl } from '../../capabilities.js';
import { ExprCompiler } from './exprs.js';
import { allVals, builtinName, findNodeAt, genAll, refPathStrings, ROOTS, valuesOf, type Scope } from './kit.js';

/**
 * One `with` modifier: the value term (evaluated before the modifier takes
 * effect, like every value of the expression's modifiers: OPA rewrites each
 * into an assignment before the expression, so a value that iterates gives
 * one evaluation per value) and how to put it in place. No value term: a
 * function replaced by another function.
 */
interface Modifier {
  value?: CompiledTerm;
  apply: (st: EvalState, v: Value | undefined) => void;
}

export abstract class WithCompiler extends ExprCompiler {
  protected withExpr(e: Expr, sc: Scope, bound: Set<number>, shared: Set<string>): ExprFn | null {
    const mods: Modifier[] = [];
    for (const w of e.with) {
      const m = this.withModifier(w, sc, bound);
      if (!m) return null;
      mods.push(m);
    }
    const plain = { ...e, with: [] } as Expr;
    const vslot = this.valueSlots.get(e);
    if (vslot !== undefined) this.valueSlots.set(plain, vslot);
    const inner = this.expr(plain, sc, bound, shared);
    if (!inner) return null;
    const valued = mods.filter((m) => m.value !== undefined);
    const values = valued.map((m) => m.value!);
    const fixed = mods.filter((m) => m.value === undefined);
    // Runs the expression with the modifiers in place, given their values.
    const run = (st: EvalState, f: Frame, vals: readonly Value[], k: Cont): boolean => {
      const saved = { input: st.input, data: st.dataOverrides, fns: st.fnOverrides, memo: st.memo, nodeMemo: st.nodeMemo };
      try {
        for (let i = 0; i < valued.length; i++) valued[i]!.apply(st, vals[i]);
        for (const m of fixed) m.apply(st, undefined);
        st.memo = null;
        st.nodeMemo = new Map();
        const inside = { input: st.input, data: st.dataOverrides, fns: st.fnOverrides, memo: st.memo, nodeMemo: st.nodeMemo };
        return inner(st, f, () => {
          restore(st, saved);
          const r = k();
          restore(st, inside);
          return r;
        });
      } finally {
        restore(st, saved);
      }
    };
    const vals = allVals(values);
    if (vals) {
      return (st, f, k) => {
        const vs = valuesOf(vals, st, f);
        return vs === undefined ? false : run(st, f, vs, k);
      };
    }
    return (st, f, k) => genAll(values, (_st, _f, vs) => run(st, f, vs, k))(st, f);
  }

  protected withModifier(w: With, sc: Scope, bound: Set<number>): Modifier | null {
    const target = w.target;
    const head = target.head.type === 'var' ? target.head.name : undefined;
    const path = refPathStrings(target);
    if (head === 'input' && path) {
      const value = this.term(w.value, sc, bound);
      if (!value) return null;
      return { value, apply: (st, v) => (st.input = path.length === 0 ? v : setAtPath(st.input, path, v!)) };
    }
    if (head === 'data' && path) {
      // OPA (validateWith): a target below a rule would replace part of a rule's value: refused.
      for (let i = 1; i < path.length; i++) {
        const above = findNodeAt(this.cx.tree, path.slice(0, i));
        if (above === undefined) break;
        if (above.rules.length > 0 || above.dynamic.length > 0) {
          this.error('rego_compile_error', 'with keyword cannot partially replace virtual document(s)', target.loc);
          return { value: { gen: () => false }, apply: () => undefined };
        }
      }
      const node = findNodeAt(this.cx.tree, path);
      if (node && node.kind === 'function') return this.functionOverride('data.' + path.join('.'), w, sc, bound);
      const value = this.term(w.value, sc, bound);
      if (!value) return null;
      return { value, apply: (st, v) => (st.dataOverrides = [{ path, value: v! }, ...(st.dataOverrides ?? [])]) };
    }
    const name = builtinName(target);
    if (name !== undefined && builtinDecl(name)) return this.functionOverride(name, w, sc, bound);
    this.error('rego_compile_error', `with keyword target must reference existing input, data, or a function`, w.loc);
    return { value: { gen: () => false }, apply: () => undefined };
  }

  protected functionOverride(name: string, w: With, sc: Scope, bound: Set<number>): Modifier | null {
    const v = w.value;
    if (v.type === 'ref' || (v.type === 'var' && !ROOTS.has(v.name) && !bound.has(sc.slot(v.name)))) {
      const ref: RefTerm = v.type === 'ref' ? v : { type: 'ref', head: v, path: [], loc: v.loc };
      const callee = this.resolveCallee(ref, w.loc, false);
      if (callee) {
        const o: FunctionOverride = { kind: 'callee', call: (st, args) => callee.invoke(st, args) };
        return { apply: (st) => setFnOverride(st, name, o) };
      }
    }
    const value = this.term(v, sc, bound);
    if (!value) return null;
    return { value, apply: (st, x) => setFnOverride(st, name, { kind: 'value', value: x! }) };
  }
}

function restore(
  st: EvalState,
  s: { input: Value | undefined; data: EvalState['dataOverrides']; fns: EvalState['fnOverrides']; memo: EvalState['memo']; nodeMemo: EvalState['nodeMemo'] },
): void {
  st.nodeMemo = s.nodeMemo;
  st.input = s.input;
  st.dataOverrides = s.data;
  st.fnOverrides = s.fns;
  st.memo = s.memo;
}

function setFnOverride(st: EvalState, name: string, o: FunctionOverride): void {
  const m = new Map(st.fnOverrides ?? []);
  m.set(name, o);
  st.fnOverrides = m;
}
