/**
 * Terms to be evaluated: scalars, variables, collections, template strings
 * and comprehensions (a nested body with its own scope, run to completion).
 */
import { RegoError } from '../../errors.js';
import type { Term } from '../../syntax/ast.js';
import { tracedClosure } from '../trace.js';
import { equals, normalizeBigInt, ObjectBuilder, RegoSet, type Value } from '../../value.js';
import { formatPrintValue } from '../../builtins/rego.js';
import type { CompiledTerm } from '../../eval/types.js';
import { declaredVars } from '../resolve.js';
import { RefCompiler } from './refs.js';
import { combine, constantTerm, fromVal, INPUT_TERM, type Scope } from './kit.js';

// Compiled terms are immutable: the same constant (or `input`) compiles to one shared object.
const NULL_TERM = constantTerm(null);
const TRUE_TERM = constantTerm(true);
const FALSE_TERM = constantTerm(false);

export abstract class TermCompiler extends RefCompiler {
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

  protected terms(ts: Term[], sc: Scope, bound: Set<number>): CompiledTerm[] | null {
    const out: CompiledTerm[] = [];
    for (const t of ts) {
      const c = this.term(t, sc, bound);
      if (!c) return null;
      out.push(c);
    }
    return out;
  }

  protected comprehension(t: Extract<Term, { type: 'arraycomp' | 'setcomp' | 'objectcomp' }>, sc: Scope, bound: Set<number>): CompiledTerm | null {
    const declared = declaredVars(t.body, new Set());
    if (!this.closureReady(t, sc, bound, declared)) return null;
    const heads = t.type === 'objectcomp' ? [t.key, t.value] : [t.term];
    const inner = this.nestedScope(sc, t.body, heads, declared);
    const innerBound = new Set(bound);
    const compiled = this.body(t.body, inner, innerBound, sc.names);
    const body = this.cx.trace ? tracedClosure(compiled, t.body, t.loc) : compiled;
    const hs: CompiledTerm[] = [];
    for (const h of heads) {
      const c = this.term(h, inner, innerBound);
      if (!c) {
        this.reportUnsafe(h, inner, innerBound);
        return constantTerm(null);
      }
      hs.push(c);
    }
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
}
