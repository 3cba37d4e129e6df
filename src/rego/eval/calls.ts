/**
 * Calling functions at evaluation time: user-defined functions (all
 * definitions, `else` chains, `default`, conflict detection) and built-ins
 * (errors become undefined, or fail the evaluation under strict built-in errors).
 */
import { RegoError, type Location } from '../errors.js';
import { BuiltinError, type BuiltinImpl } from '../builtins/builtin.js';
import { equals, keyOf, RegoSet, type Value } from '../value.js';
import { ScalarCalls, type EvalState } from './state.js';
import type { CompiledNode, CompiledRule, Frame } from './types.js';

/**
 * Binds operands `i..` to the rule's argument patterns, then runs the body and
 * reports head values; true once a value was reported. A module-level function,
 * not a closure per call: hot helpers are called per evaluation.
 */
function bindArgs(st: EvalState, rule: CompiledRule, f: Frame, args: Value[], i: number, onValue: (v: Value, r: CompiledRule) => void): boolean {
  const patterns = rule.args!;
  if (i === patterns.length) {
    let found = false;
    rule.body(st, f, () =>
      rule.value.gen(st, f, (v) => {
        if (st.coverage !== undefined) st.coverage(rule.loc);
        found = true;
        onValue(v, rule);
        return rule.constantValue;
      }),
    );
    return found;
  }
  let found = false;
  patterns[i]!(st, f, args[i]!, () => {
    if (bindArgs(st, rule, f, args, i + 1, onValue)) found = true;
    return found && rule.constantValue;
  });
  return found;
}

function runFunctionRule(st: EvalState, rule: CompiledRule, args: Value[], onValue: (v: Value, r: CompiledRule) => void): void {
  let r: CompiledRule | undefined = rule;
  while (r !== undefined) {
    st.tick();
    if (bindArgs(st, r, new Array(r.frameSize), args, 0, onValue)) return;
    r = r.else;
  }
}

/** The link of the chain that gave `straightCallValue`'s last value (for conflict locations). */
let straightLink: CompiledRule | undefined;

/**
 * The value of a `straightCall` definition for these operands: its first link
 * whose arguments match and whose body holds, without continuation closures.
 */
function straightCallValue(st: EvalState, rule: CompiledRule, args: Value[]): Value | undefined {
  for (let r: CompiledRule | undefined = rule; r !== undefined; r = r.else) {
    st.tick();
    const f: Frame = new Array(r.frameSize);
    const patterns = r.args!;
    let matched = true;
    for (let i = 0; i < patterns.length && matched; i++) matched = patterns[i]!.match!(st, f, args[i]!);
    if (!matched || !(st.coverage === undefined ? r.plainStep! : r.body.step!)(st, f)) continue;
    const v = r.value.val!(st, f);
    if (v === undefined) continue;
    if (st.coverage !== undefined) st.coverage(r.loc);
    straightLink = r;
    return v;
  }
  return undefined;
}

/** Memoising a call costs a key per operand: only worth it (and cheap) for scalar operands. */
function isScalar(v: Value): boolean {
  return v === null || typeof v !== 'object';
}

/**
 * Calls a user function (at rule-tree node `id`); undefined when no definition
 * applies. Results are memoised per evaluation (per `with` context).
 */
export function callFunction(st: EvalState, c: CompiledNode, args: Value[], id: number): Value | undefined {
  let memoKey: string | undefined;
  let single: ScalarCalls | undefined;
  if (args.length === 1 && isScalar(args[0]!)) {
    // One scalar operand (the common helper shape): a table per function, keyed by the operand itself;
    // in the evaluation's own context that table is kept in its node table (no Map lookup to find it).
    if (st.nodeMemo === null) single = st.table.callsOf(id);
    else {
      single = st.callMemo.get(c) as ScalarCalls | undefined;
      if (single === undefined) st.callMemo.set(c, (single = new ScalarCalls()) as unknown as Value);
    }
    const m = single.get(args[0]!);
    if (m !== undefined) return m;
  } else if (args.length > 0 && args.every(isScalar)) {
    // Strings quoted: a bare string is its own key, and `f("a,b")` must not meet `f("a", "b")`.
    memoKey = c.name + '(' + args.map((a) => (typeof a === 'string' ? JSON.stringify(a) : keyOf(a))).join(',');
    const m = st.callMemo.get(memoKey);
    if (m !== undefined) return m as Value;
  }
  let result: Value | undefined;
  for (const rule of c.rules) {
    if (rule.straightCall === true) {
      const v = straightCallValue(st, rule, args);
      if (v === undefined) continue;
      if (result === undefined) result = v;
      else if (!equals(result, v)) throw new RegoError('eval_conflict_error', 'functions must not produce multiple outputs for same inputs', straightLink!.loc);
      continue;
    }
    let own: Value | undefined;
    runFunctionRule(st, rule, args, (v, r) => {
      if (own !== undefined && !equals(own, v)) throw new RegoError('eval_conflict_error', `function ${c.name} produced conflicting values for the same inputs`, r.loc);
      own = v;
      if (result === undefined) result = v;
      else if (!equals(result, v)) throw new RegoError('eval_conflict_error', 'functions must not produce multiple outputs for same inputs', r.loc);
    });
  }
  if (result === undefined && c.defaultRule) runFunctionRule(st, c.defaultRule, args, (v) => (result = v));
  if (result !== undefined) {
    if (single !== undefined) single.set(args[0]!, result);
    else if (memoKey !== undefined) st.callMemo.set(memoKey, result);
  }
  return result;
}

/** Results at least this long are counted against the evaluation's size budgets (see `chargeResult`). */
const COUNTED_LENGTH = 256;

/**
 * Counts what a built-in built: a string longer than every string operand
 * (concat, sprintf, json.marshal, replace… growing their input), or an array
 * made from scalar operands only (split, regex.find_n…). A result that may be
 * a part of a collection operand (object.get, sort) is not new memory and is
 * not counted; the built-ins that grow collections count themselves (`grow`).
 */
function chargeResult(st: EvalState, r: Value, args: Value[]): void {
  if (typeof r === 'string') {
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (typeof a === 'string' && a.length >= r.length) return;
    }
    st.growString(r.length);
  } else if (Array.isArray(r)) {
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a !== null && typeof a === 'object') return;
    }
    st.grow(r.length);
  }
}

/** An operand this large may keep a built-in busy for a while in one call (sorting, matching, marshalling it). */
const LARGE_OPERAND = 4096;

function hasLargeOperand(args: Value[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (typeof a === 'string' || Array.isArray(a)) {
      if (a.length >= LARGE_OPERAND) return true;
    } else if (a instanceof RegoSet && a.size >= LARGE_OPERAND) return true;
  }
  return false;
}

/** Invokes a built-in with evaluated operands, applying OPA's error policy. */
export function callBuiltin(st: EvalState, impl: BuiltinImpl, args: Value[], loc: Location): Value | undefined {
  st.location = loc;
  // A call that may run long is timed from its start and checked at its end: the time budget sees it.
  const heavy = hasLargeOperand(args);
  if (heavy) st.startClock();
  let r: Value | undefined;
  try {
    r = impl(args, st);
  } catch (e) {
    if (e instanceof BuiltinError) {
      if (st.strict) throw new RegoError(e.code, e.message, loc);
      return undefined;
    }
    if (e instanceof RegoError) throw e;
    // A bug in a built-in must not crash the process: report it as a built-in error.
    if (st.strict) throw new RegoError('eval_builtin_error', e instanceof Error ? e.message : String(e), loc);
    return undefined;
  }
  if ((typeof r === 'string' || Array.isArray(r)) && r.length >= COUNTED_LENGTH) chargeResult(st, r, args);
  if (heavy) st.checkClock();
  return r;
}
