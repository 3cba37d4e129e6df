/**
 * Terms to be evaluated: scalars, variables, collections, template strings
 * and comprehensions (a nested body with its own scope, run to completion).
 */
import { RegoError } from '../../errors.js';
import type { Body, Term } from '../../syntax/ast.js';
import { tracedClosure } from '../trace.js';
import { equals, normalizeBigInt, ObjectBuilder, RegoSet, type Value } from '../../value.js';
import { formatPrintValue } from '../../builtins/rego.js';
import type { CompiledTerm, ExprFn } from '../../eval/types.js';
import { declaredVars } from '../resolve.js';
import { RefCompiler } from './refs.js';
import { isHeadVar, rewriteHeads, writtenOrder } from './head-rewrite.js';
import { combine, constantTerm, fromVal, genAll, INPUT_TERM, type Scope } from './kit.js';

// Compiled terms are immutable: the same constant (or `input`) compiles to one shared object.
const NULL_TERM = constantTerm(null);
const TRUE_TERM = constantTerm(true);
const FALSE_TERM = constantTerm(false);

/** Takes back the bindings a part that failed to compile added (sets keep insertion order). */
function unbindSince(bound: Set<number>, size: number): void {
  if (bound.size === size) return;
  let i = 0;
  for (const s of bound) if (i++ >= size) bound.delete(s);
}

export abstract class TermCompiler extends RefCompiler {
  /** Counter for the frame slots of parts evaluated out of their written order (`$partsN`). */
  private reorderedParts = 0;

  /** Scalar constants compiled so far in this compile (a policy repeats its keys and numbers). */
  private readonly constants = new Map<string | number, CompiledTerm>();

  protected constant(v: string | number): CompiledTerm {
    if (Object.is(v, -0)) return constantTerm(v); // a Map takes -0 for 0
    let c = this.constants.get(v);
    if (c === undefined) this.constants.set(v, (c = constantTerm(v)));
    return c;
  }

  /** Compiles a term to be evaluated; null if a variable it needs is not bound yet. Binds ref iteration variables. */
  term(t: Term, sc: Scope, bound: Set<number>): CompiledTerm | null {
    switch (t.type) {
      case 'null':
        return NULL_TERM;
      case 'boolean':
        return t.value ? TRUE_TERM : FALSE_TERM;
      case 'number':
        return typeof t.value === 'number' ? this.constant(t.value) : constantTerm(typeof t.value === 'bigint' ? normalizeBigInt(t.value) : t.value);
      case 'string':
        return this.constant(t.value);
      case 'var': {
        if (t.name === 'input') return INPUT_TERM;
        if (t.name === 'data') return this.dataRef([], [], sc, bound);
        const s = sc.slot(t.name);
        if (!bound.has(s)) return null;
        return fromVal((_st, f) => f[s]);
      }
      case 'ref':
        return this.ref(t, sc, bound);
      case 'array': {
        const items = this.terms(t.items, sc, bound);
        return items && combine(items, (vs) => vs);
      }
      case 'set': {
        const items = this.terms(t.items, sc, bound);
        return items && combine(items, (vs) => new RegoSet(vs));
      }
      case 'object': {
        const flat: Term[] = [];
        for (const [k, v] of t.items) flat.push(k, v);
        const items = this.terms(flat, sc, bound);
        return (
          items &&
          combine(items, (vs) => {
            const b = new ObjectBuilder();
            for (let i = 0; i < vs.length; i += 2) b.set(vs[i]!, vs[i + 1]!);
            return b.build();
          })
        );
      }
      case 'call':
        return this.call(t, sc, bound);
      case 'arraycomp':
      case 'setcomp':
      case 'objectcomp':
        return this.comprehension(t, sc, bound);
      case 'template': {
        const parts: CompiledTerm[] = [];
        for (const p of t.parts) {
          if (typeof p === 'string') parts.push(constantTerm(p));
          else {
            const c = this.term(p, sc, bound);
            if (!c) return null;
            parts.push(c);
          }
        }
        const stringParts = t.parts.map((p) => typeof p === 'string');
        return combine(parts, (vs) => vs.map((v, i) => (stringParts[i] ? (v as string) : formatPrintValue(v))).join(''));
      }
    }
  }

  /**
   * Compiles the parts of a collection or the operands of a call, in their
   * written order when it binds every variable before its use. Otherwise (OPA
   * takes the variables of any reference whose head is bound as outputs: `i`
   * in `[i, xs[i]]` or `sprintf("%d", [i, xs[i]])`) the parts are evaluated in an
   * order that binds first, see `reordered`. `inOrder` keeps the written order
   * (print's operands are evaluated one by one).
   */
  protected terms(ts: Term[], sc: Scope, bound: Set<number>, inOrder = false): CompiledTerm[] | null {
    const out: CompiledTerm[] = [];
    for (let i = 0; i < ts.length; i++) {
      const before = bound.size;
      const c = this.term(ts[i]!, sc, bound);
      if (!c) {
        if (inOrder) return null;
        unbindSince(bound, before);
        return this.reordered(ts, out, sc, bound);
      }
      out.push(c);
    }
    // Closures keep these lists: an exact-size copy, not the pushed array and its spare capacity.
    return out.slice();
  }

  /**
   * `done` compiled the first parts; the rest are compiled in passes, each part
   * as soon as its variables are bound. The parts then run in that order as one
   * generator that fills a frame slot with the values in their written
   * positions: the first part yields its value from there, the others read it.
   */
  private reordered(ts: Term[], done: CompiledTerm[], sc: Scope, bound: Set<number>): CompiledTerm[] | null {
    const order: number[] = done.map((_c, i) => i);
    const compiled: CompiledTerm[] = done.slice();
    const pending: number[] = [];
    for (let i = done.length; i < ts.length; i++) pending.push(i);
    while (pending.length > 0) {
      let progressed = false;
      for (let j = 0; j < pending.length; j++) {
        const before = bound.size;
        const c = this.term(ts[pending[j]!]!, sc, bound);
        if (!c) {
          unbindSince(bound, before);
          continue;
        }
        order.push(pending[j]!);
        compiled.push(c);
        pending.splice(j, 1);
        progressed = true;
        break;
      }
      if (!progressed) return null;
    }
    const slot = sc.slot(`$parts${this.reorderedParts++}`);
    const n = ts.length;
    const all: CompiledTerm = {
      gen: (st, f, k) =>
        genAll(compiled, (_st, _f, vs) => {
          const written: Value[] = new Array(n);
          for (let i = 0; i < n; i++) written[order[i]!] = vs[i]!;
          f[slot] = written;
          return k(written);
        })(st, f),
    };
    const parts: CompiledTerm[] = [{ gen: (st, f, k) => all.gen(st, f, (vs) => k((vs as Value[])[0]!)) }];
    for (let i = 1; i < n; i++) parts.push(fromVal((_st, f) => (f[slot] as Value[])[i]));
    return parts;
  }

  protected comprehension(t: Extract<Term, { type: 'arraycomp' | 'setcomp' | 'objectcomp' }>, sc: Scope, bound: Set<number>): CompiledTerm | null {
    const declared = declaredVars(t.body, new Set());
    if (!this.closureReady(t, sc, bound, declared)) return null;
    const written = t.type === 'objectcomp' ? [t.key, t.value] : [t.term];
    const rewritten = rewriteHeads(t.body, written);
    const parts = this.retried(
      () => this.comprehensionParts(t, t.body, written, sc, bound, declared),
      rewritten && (() => this.comprehensionParts(t, rewritten.body, rewritten.heads, sc, bound, declared)),
    );
    if (!parts) return constantTerm(null);
    const { body, hs } = parts;
    const h0 = hs[0]!;
    if (t.type === 'arraycomp') {
      return fromVal((st, f) => {
        const out: Value[] = [];
        body(st, f, () => h0.gen(st, f, (v) => (st.grow(1), out.push(v), false)));
        return out;
      });
    }
    if (t.type === 'setcomp') {
      return fromVal((st, f) => {
        const out = new RegoSet();
        body(st, f, () => h0.gen(st, f, (v) => (st.grow(1), out.add(v), false)));
        return out;
      });
    }
    const h1 = hs[1]!;
    const loc = t.loc;
    return fromVal((st, f) => {
      const out = new ObjectBuilder();
      body(st, f, () =>
        h0.gen(st, f, (key) =>
          h1.gen(st, f, (v) => {
            const prev = out.get(key);
            if (prev !== undefined && !equals(prev, v)) throw new RegoError('eval_conflict_error', 'object keys must be unique', loc);
            st.grow(1);
            out.set(key, v);
            return false;
          }),
        ),
      );
      return out.build();
    });
  }

  /** A comprehension's body and heads compiled in a nested scope; undefined (reported) when a head stays unsafe. */
  private comprehensionParts(
    t: Extract<Term, { type: 'arraycomp' | 'setcomp' | 'objectcomp' }>,
    bodyExprs: Body,
    heads: Term[],
    sc: Scope,
    bound: Set<number>,
    declared: Set<string>,
  ): { body: ExprFn; hs: CompiledTerm[] } | undefined {
    const inner = this.nestedScope(sc, bodyExprs, heads, declared);
    const innerBound = new Set(bound);
    const compiled = this.body(bodyExprs, inner, innerBound, sc.names);
    const body = this.cx.trace ? tracedClosure(compiled, bodyExprs, t.loc) : compiled;
    if (bodyExprs !== t.body) {
      const order = this.cx.bodyOrder?.get(bodyExprs);
      if (order) this.cx.bodyOrder!.set(t.body, writtenOrder(order, t.body));
    }
    const hs: CompiledTerm[] = [];
    for (const h of heads) {
      const c = this.term(h, inner, innerBound);
      if (!c) {
        // A generated head variable is unbound only when its expression was reported with the body.
        if (h.type !== 'var' || !isHeadVar(h.name)) this.reportUnsafe(h, inner, innerBound);
        return undefined;
      }
      hs.push(c);
    }
    return { body, hs };
  }
}
