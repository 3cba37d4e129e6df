/**
 * Rule indexing, in the spirit of OPA's rule indexer: a rule whose body
 * compares an `input` path with a constant (`input.target_type == "skill"`,
 * `input.kind = "x"`) gets a guard that checks just that comparison before the
 * rule's frame is allocated and its body run. With many rules on one path
 * (decision tables), most are rejected by one property read and one compare.
 */
import type { Body, Term } from '../syntax/ast.js';
import type { ValFn } from '../eval/types.js';
import { indexValue } from '../eval/access.js';
import type { Value } from '../value.js';

interface Condition {
  path: string[];
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
  const out: string[] = [];
  for (const p of t.path) {
    if (p.type !== 'string') return undefined;
    out.push(p.value);
  }
  return out;
}

function conditionOf(a: Term, b: Term): Condition | undefined {
  const pa = inputPath(a);
  const cb = constantOf(b);
  if (pa && cb !== undefined) return { path: pa, value: cb };
  const pb = inputPath(b);
  const ca = constantOf(a);
  if (pb && ca !== undefined) return { path: pb, value: ca };
  return undefined;
}

/** A guard for the body's input-equals-constant conditions, or undefined if there are none. */
export function ruleGuard(body: Body): ValFn | undefined {
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
  if (conds.length === 0) return undefined;
  return (st) => {
    if (st.fnOverrides !== null) return true; // `with` may replace `equal`: do not second-guess it.
    for (const c of conds) {
      let v: Value | undefined = st.input;
      for (let i = 0; i < c.path.length && v !== undefined; i++) v = indexValue(v, c.path[i]!);
      if (v === undefined) return false;
      if (v !== c.value && !(typeof c.value === 'number' && typeof v === 'bigint' && Number(v) === c.value)) return false;
    }
    return true;
  };
}
