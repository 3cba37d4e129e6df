/**
 * Calls: resolving a call's target (a built-in, a user function under
 * `data`, or a `with` replacement of either), OPA's errors for unknown and
 * refused functions, fast paths for comparisons, relations (built-ins with
 * several results) and `print`.
 */
import { RegoError, type Location } from '../../errors.js';
import type { CallTerm, RefTerm } from '../../syntax/ast.js';
import { compare, equals, type Value } from '../../value.js';
import type { BuiltinImpl, RelationImpl } from '../../builtins/builtin.js';
import { builtinTable, relationTable } from '../../builtins/index.js';
import { formatPrintValue } from '../../builtins/rego.js';
import { callBuiltin, callFunction } from '../../eval/calls.js';
import { dataAt, nodeValue } from '../../eval/documents.js';
import type { RuleNode } from '../ruletree.js';
import type { EvalState, FunctionOverride } from '../../eval/state.js';
import type { CompiledNode, CompiledTerm, Frame, ValFn } from '../../eval/types.js';
import { builtinCapability as builtinDecl } from '../../capabilities.js';
import { CompilerBase } from './base.js';
import { allVals, builtinName, findNodeAt, fromVal, genAll, refPathStrings, valuesOf, type Scope } from './kit.js';

type Invoke = (st: EvalState, args: Value[]) => Value | undefined;

export interface Callee {
  name: string;
  arity: number;
  /** The call, honouring `with` replacements. */
  invoke: Invoke;
  relation?: RelationImpl;
  /**
   * The same call when no `with` replaces a function (`st.fnOverrides` null),
   * which call sites test themselves: the closure they make then calls the
   * built-in or the function with nothing in between.
   */
  direct?: Invoke;
  /** A comparison operator (`equal`, `lt`, …), called by call sites without an operand array. */
  op?: Compare;
  /** A built-in's implementation and the call's location: call sites call `callBuiltin` themselves. */
  builtin?: { impl: BuiltinImpl; loc: Location };
}

function notImplemented(name: string): BuiltinImpl {
  return () => {
    throw new RegoError('eval_builtin_error', `${name}: built-in not implemented`);
  };
}

type Compare = (x: Value, y: Value) => boolean;

/**
 * Fast paths for comparisons (same results as the built-ins: OPA's total
 * order). Two plain numbers compare as JavaScript numbers (no NaN in Rego values).
 */
const comparisons: Record<string, Compare> = {
  equal: (x, y) => equals(x, y),
  neq: (x, y) => !equals(x, y),
  lt: (x, y) => (typeof x === 'number' && typeof y === 'number' ? x < y : compare(x, y) < 0),
  lte: (x, y) => (typeof x === 'number' && typeof y === 'number' ? x <= y : compare(x, y) <= 0),
  gt: (x, y) => (typeof x === 'number' && typeof y === 'number' ? x > y : compare(x, y) > 0),
  gte: (x, y) => (typeof x === 'number' && typeof y === 'number' ? x >= y : compare(x, y) >= 0),
};

/** Calls a `with` replacement. Inside the replacement the replaced function is the original again (OPA: no recursion). */
function applyOverride(name: string, o: FunctionOverride, st: EvalState, args: Value[], loc: Location): Value | undefined {
  if (o.kind === 'value') return o.value;
  const saved = st.fnOverrides!;
  const without = new Map(saved);
  without.delete(name);
  st.fnOverrides = without.size > 0 ? without : null;
  try {
    return o.call(st, args, loc);
  } finally {
    st.fnOverrides = saved;
  }
}

/**
 * A comparison of two single-valued operands: no operand array and no call
 * through `invoke` when no `with` replaces the operator (decisions are mostly
 * comparisons).
 */
function comparison(test: Compare, args: CompiledTerm[], invoke: Invoke): ValFn {
  const a0 = args[0]!.val!;
  const a1 = args[1]!.val!;
  // A constant operand (`input.mode == "observe"`) is held, not called for.
  const c1 = args[1]!.constant;
  if (c1 !== undefined) {
    return (st, f) => {
      const x = a0(st, f);
      if (x === undefined) return undefined;
      return st.fnOverrides === null ? test(x, c1) : invoke(st, [x, c1]);
    };
  }
  const c0 = args[0]!.constant;
  if (c0 !== undefined) {
    return (st, f) => {
      const y = a1(st, f);
      if (y === undefined) return undefined;
      return st.fnOverrides === null ? test(c0, y) : invoke(st, [c0, y]);
    };
  }
  return (st, f) => {
    const x = a0(st, f);
    if (x === undefined) return undefined;
    const y = a1(st, f);
    if (y === undefined) return undefined;
    return st.fnOverrides === null ? test(x, y) : invoke(st, [x, y]);
  };
}

export abstract class CallCompiler extends CompilerBase {
  protected callee(t: CallTerm): Callee | null {
    return this.resolveCallee(t.fn, t.loc, true);
  }

  resolveCallee(fn: RefTerm, loc: Location, report: boolean): Callee | null {
    if (fn.head.type === 'var' && fn.head.name === 'data') {
      const path = refPathStrings(fn);
      const node = path && findNodeAt(this.cx.tree, path);
      if (node && node.kind === 'complete' && node.rules.some((r) => r.rule.head.args?.length === 0)) return this.zeroArityCallee(node, loc);
      if (!node || node.kind !== 'function') {
        if (report) this.error('rego_type_error', `undefined function data.${(path ?? []).join('.')}`, loc);
        return report ? { name: 'undefined', arity: -1, invoke: () => undefined } : null;
      }
      const name = 'data.' + path!.join('.');
      // By id, in the evaluating policy's nodes (see `RefCompiler.dataRef`).
      const id = node.id;
      const c = (st: EvalState): CompiledNode => st.nodes[id]!.compiled as CompiledNode;
      const arity = node.rules[0]?.rule.head.args?.length ?? 0;
      return {
        name,
        arity,
        invoke: (st, args) => {
          if (st.fnOverrides !== null) {
            const o = st.fnOverrides.get(name);
            if (o) return applyOverride(name, o, st, args, loc);
          }
          return callFunction(st, c(st), args, id);
        },
        direct: (st, args) => callFunction(st, c(st), args, id),
      };
    }
    const name = builtinName(fn);
    const decl = name !== undefined ? builtinDecl(name) : undefined;
    if (!name || !decl) {
      if (report) this.error('rego_type_error', `undefined function ${name ?? '?'}`, loc);
      return report ? { name: name ?? '?', arity: -1, invoke: () => undefined } : null;
    }
    // A refused built-in is refused however it is reached: called, or put in place of another function by `with`.
    if (this.cx.refused.has(name)) this.error('rego_type_error', `unsafe built-in function calls in expression: ${name}`, loc);
    const relation = relationTable.get(name);
    const op = Object.hasOwn(comparisons, name) ? comparisons[name] : undefined;
    const impl: Invoke | null = op ? (_st, a) => op(a[0]!, a[1]!) : null;
    const builtin = builtinTable.get(name) ?? notImplemented(name);
    const invoke: Invoke = impl
      ? (st, args) => {
          if (st.fnOverrides !== null) {
            const o = st.fnOverrides.get(name);
            if (o) return applyOverride(name, o, st, args, loc);
          }
          return impl(st, args);
        }
      : (st, args) => {
          if (st.fnOverrides !== null) {
            const o = st.fnOverrides.get(name);
            if (o) return applyOverride(name, o, st, args, loc);
          }
          return callBuiltin(st, builtin, args, loc);
        };
    const direct: Invoke = impl ?? ((st, args) => callBuiltin(st, builtin, args, loc));
    return { name, arity: decl.arity, invoke, direct, ...(op ? { op } : { builtin: { impl: builtin, loc } }), ...(relation ? { relation } : {}) };
  }

  /** `f()` where `f() := v` was declared: OPA keeps such a "function" as a complete rule, and the call reads its value. */
  protected zeroArityCallee(node: RuleNode, loc: Location): Callee {
    const id = node.id;
    const path = node.path;
    const name = 'data.' + path.join('.');
    return {
      name,
      arity: 0,
      invoke: (st, args) => {
        if (st.fnOverrides !== null) {
          const o = st.fnOverrides.get(name);
          if (o) return applyOverride(name, o, st, args, loc);
        }
        return st.dataOverrides !== null ? dataAt(st, st.nodes[0]!, path) : nodeValue(st, st.nodes[id]!);
      },
    };
  }

  protected call(t: CallTerm, sc: Scope, bound: Set<number>): CompiledTerm | null {
    const callee = this.callee(t);
    if (!callee) return null;
    if (callee.name === 'print') return this.print(t, sc, bound);
    const args = this.terms(t.args, sc, bound);
    if (!args) return null;
    if (callee.relation) {
      const rel = callee.relation;
      const loc = t.loc;
      return {
        gen: (st, f, k) =>
          genAll(args, (_st, _f, vals) => {
            let outs: Iterable<Value> = [];
            try {
              outs = rel(vals.slice(), st);
            } catch (e) {
              callBuiltin(st, () => {
                throw e;
              }, [], loc);
            }
            for (const v of outs) {
              st.tick();
              if (k(v)) return true;
            }
            return false;
          })(st, f),
      };
    }
    return this.callTerm(args, callee);
  }

  protected callTerm(args: CompiledTerm[], callee: Callee): CompiledTerm {
    const invoke = callee.invoke;
    const vals = allVals(args);
    if (vals) {
      const n = vals.length;
      const direct = callee.direct ?? invoke;
      if (n === 2 && callee.op !== undefined) return fromVal(comparison(callee.op, args, invoke));
      if (n === 1 && callee.builtin !== undefined) {
        // A built-in of one operand (is_string, upper, count…): called with nothing in between.
        const a0 = vals[0]!;
        const { impl, loc } = callee.builtin;
        return fromVal((st, f) => {
          const x = a0(st, f);
          if (x === undefined) return undefined;
          return st.fnOverrides === null ? callBuiltin(st, impl, [x], loc) : invoke(st, [x]);
        });
      }
      if (n === 1) {
        const a0 = vals[0]!;
        return fromVal((st, f) => {
          const x = a0(st, f);
          if (x === undefined) return undefined;
          return st.fnOverrides === null ? direct(st, [x]) : invoke(st, [x]);
        });
      }
      if (n === 2) {
        const a0 = vals[0]!;
        const a1 = vals[1]!;
        return fromVal((st, f) => {
          const x = a0(st, f);
          if (x === undefined) return undefined;
          const y = a1(st, f);
          if (y === undefined) return undefined;
          return st.fnOverrides === null ? direct(st, [x, y]) : invoke(st, [x, y]);
        });
      }
      return fromVal((st, f) => {
        const a = valuesOf(vals, st, f);
        if (a === undefined) return undefined;
        return st.fnOverrides === null ? direct(st, a) : invoke(st, a);
      });
    }
    return {
      gen: (st, f, k) =>
        genAll(args, (_st, _f, vs) => {
          const r = invoke(st, vs.slice());
          return r === undefined ? false : k(r);
        })(st, f),
    };
  }

  /** `print(...)`: every operand is collected (undefined prints `<undefined>`), combinations printed. */
  protected print(t: CallTerm, sc: Scope, bound: Set<number>): CompiledTerm | null {
    const args = this.terms(t.args, sc, bound, true);
    if (!args) return null;
    return fromVal((st, f) => {
      const sets: Value[][] = args.map((a) => {
        const vs: Value[] = [];
        a.gen(st, f, (v) => (vs.push(v), false));
        return vs;
      });
      const lines: string[] = [];
      const walk = (i: number, acc: string[]): void => {
        if (i === sets.length) {
          lines.push(acc.join(' '));
          return;
        }
        const vs = sets[i]!;
        if (vs.length === 0) walk(i + 1, [...acc, '<undefined>']);
        else for (const v of vs) walk(i + 1, [...acc, formatPrintValue(v)]);
      };
      walk(0, []);
      for (const l of lines) st.print(l);
      return true;
    });
  }
}
