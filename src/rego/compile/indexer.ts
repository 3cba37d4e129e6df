/**
 * Rule indexing, in the spirit of OPA's rule indexer: a rule whose body
 * compares an `input` path with a constant (`input.target_type == "skill"`,
 * `input.kind = "x"`) gets a guard that checks just that comparison before the
 * rule's frame is allocated and its body run. With many rules on one path
 * (decision tables), most are rejected by one property read and one compare.
 *
 * When many rules of one node compare the same input path, the node also gets
 * an index (`buildRuleIndex`): the input's value there picks the rules that can
 * match, so 10,000 rules on `input.kind` cost one lookup, not 10,000 guards.
 */
import type { Body, StringTerm, Term } from '../syntax/ast.js';
import type { ValFn } from '../eval/types.js';
import { indexValue } from '../eval/access.js';
import type { Value } from '../value.js';
import type { EvalState } from '../eval/state.js';
import type { CompiledRule } from '../eval/types.js';

interface Condition {
  path: string[];
  /** The path as one string (a map key). */
  key: string;
  value: string | number | boolean | null;
}

function constantOf(t: Term): Condition['value'] | undefined {
  switch (t.type) {
    case 'string':
    case 'boolean':
      return t.value;
    case 'number':
      return typeof t.value === 'number' ? t.value : undefined;
    case 'null':
      return null;
    default:
      return undefined;
  }
}

function inputPath(t: Term): string[] | undefined {
  if (t.type !== 'ref' || t.head.type !== 'var' || t.head.name !== 'input') return undefined;
  for (const p of t.path) if (p.type !== 'string') return undefined;
  // Mapped, not pushed: kept per rule, so without a pushed array's spare capacity.
  return t.path.map((p) => (p as StringTerm).value);
}

function conditionOf(a: Term, b: Term): Condition | undefined {
  const pa = inputPath(a);
  const cb = constantOf(b);
  if (pa && cb !== undefined) return { path: pa, key: JSON.stringify(pa), value: cb };
  const pb = inputPath(b);
  const ca = constantOf(a);
  if (pb && ca !== undefined) return { path: pb, key: JSON.stringify(pb), value: ca };
  return undefined;
}

/**
 * Conditions by body, found once per body: bodies are immutable, and an
 * incremental compile indexes the unchanged rules of a changed node again.
 */
const conditionMemo = new WeakMap<Body, readonly Condition[]>();

/** The body's `input.path == constant` conditions (positive, without `with`). */
function conditionsOf(body: Body): readonly Condition[] {
  let conds = conditionMemo.get(body);
  if (conds === undefined) conditionMemo.set(body, (conds = findConditions(body)));
  return conds;
}

const NO_CONDITIONS: readonly Condition[] = [];

function findConditions(body: Body): readonly Condition[] {
  const conds: Condition[] = [];
  for (const e of body) {
    if (e.type !== 'expr' || e.negated || e.with.length > 0) continue;
    const t = e.term;
    if (t.type !== 'call' || t.args.length !== 2 || t.fn.path.length !== 0 || t.fn.head.type !== 'var') continue;
    const op = t.fn.head.name;
    if (op !== 'equal' && op !== 'eq') continue;
    const c = conditionOf(t.args[0]!, t.args[1]!);
    if (c) conds.push(c);
  }
  // Kept per body (by the memo and the rule's guard): an exact-size copy, not the pushed array and its spare capacity.
  return conds.length === 0 ? NO_CONDITIONS : conds.slice();
}

/** The value at an input path, or undefined. */
function inputAt(st: EvalState, path: readonly string[]): Value | undefined {
  let v: Value | undefined = st.input;
  for (let i = 0; i < path.length && v !== undefined; i++) v = indexValue(v, path[i]!);
  return v;
}

/** A guard for the body's input-equals-constant conditions, or undefined if there are none. */
export function ruleGuard(body: Body): ValFn | undefined {
  const conds = conditionsOf(body);
  if (conds.length === 0) return undefined;
  return (st) => {
    if (st.fnOverrides !== null) return true; // `with` may replace `equal`: do not second-guess it.
    for (const c of conds) {
      const v = inputAt(st, c.path);
      if (v === undefined) return false;
      if (v !== c.value && !(typeof c.value === 'number' && typeof v === 'bigint' && Number(v) === c.value)) return false;
    }
    return true;
  };
}

/** Below this many rules a node is not indexed: its guards are cheap enough. */
const MIN_INDEXED_RULES = 8;
/** Bound on the candidate lists (buckets × rules every bucket must include). */
const MAX_INDEX_ENTRIES = 200_000;

type IndexKey = string | number | boolean | null;

/** Rules of one node, by the constant their body compares an input path with. */
export interface RuleIndex {
  path: readonly string[];
  /** For each constant: the rules that can match it, in definition order. */
  buckets: Map<IndexKey, CompiledRule[]>;
  /** The rules that can match any other value (those without a condition on the path). */
  others: CompiledRule[];
}

/**
 * An index over `rules` (with `bodies[i]` the body of `rules[i]`), or undefined
 * when no input path is compared by enough of them. Rules with an `else` stay
 * candidates for every value: their `else` may hold when the body does not.
 * Candidate lists keep definition order, so evaluation order (and with it which
 * error or conflict is reported first) is as without the index.
 */
export function buildRuleIndex(rules: readonly CompiledRule[], bodies: readonly Body[]): RuleIndex | undefined {
  if (rules.length < MIN_INDEXED_RULES) return undefined;
  const none: readonly Condition[] = [];
  const conds = bodies.map((b, i) => (rules[i]!.else === undefined ? conditionsOf(b) : none));
  // How many rules compare each input path (a rule counted once per path).
  const counts = new Map<string, { path: string[]; n: number }>();
  for (const cs of conds) {
    for (let j = 0; j < cs.length; j++) {
      const c = cs[j]!;
      let repeated = false;
      for (let i = 0; i < j && !repeated; i++) repeated = cs[i]!.key === c.key;
      if (repeated) continue;
      const e = counts.get(c.key);
      if (e) e.n++;
      else counts.set(c.key, { path: c.path, n: 1 });
    }
  }
  let best: { path: string[]; n: number } | undefined;
  for (const e of counts.values()) if (!best || e.n > best.n) best = e;
  if (!best || best.n < MIN_INDEXED_RULES) return undefined;
  const key = JSON.stringify(best.path);
  const othersAt: number[] = [];
  const bucketAt = new Map<IndexKey, number[]>();
  for (let i = 0; i < conds.length; i++) {
    const k = conds[i]!.find((c) => c.key === key)?.value;
    if (k === undefined) othersAt.push(i);
    else {
      const b = bucketAt.get(k);
      if (b) b.push(i);
      else bucketAt.set(k, [i]);
    }
  }
  if (bucketAt.size * (othersAt.length + 1) > MAX_INDEX_ENTRIES) return undefined;
  const buckets = new Map<IndexKey, CompiledRule[]>();
  const pick = (at: number[]): CompiledRule[] => {
    const out: CompiledRule[] = new Array(at.length);
    for (let i = 0; i < at.length; i++) out[i] = rules[at[i]!]!;
    return out;
  };
  for (const [k, at] of bucketAt) buckets.set(k, pick(othersAt.length === 0 ? at : mergeInOrder(at, othersAt)));
  return { path: best.path, buckets, others: pick(othersAt) };
}

function mergeInOrder(a: number[], b: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) out.push(j >= b.length || (i < a.length && a[i]! < b[j]!) ? a[i++]! : b[j++]!);
  return out;
}

/** The rules that can match this evaluation's input. */
export function indexedRules(st: EvalState, index: RuleIndex): CompiledRule[] {
  const v = inputAt(st, index.path);
  if (v === undefined || (typeof v === 'object' && v !== null)) return index.others;
  // Rule constants are JSON numbers; a big integer input equals one only at the same (safe) value.
  const key = typeof v === 'bigint' ? Number(v) : v;
  return index.buckets.get(key) ?? index.others;
}
