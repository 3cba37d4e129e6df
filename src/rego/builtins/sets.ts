/** Set built-ins: `&`, `|`, intersection/union of a set of sets, and the deprecated set_diff. */
import type { BuiltinTable } from './builtin.js';
import { set, typeError } from './operands.js';
import { setDifference } from './numbers.js';
import { RegoSet, type Value } from '../value.js';

export function intersect(a: RegoSet, b: RegoSet): RegoSet {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  const out = new RegoSet();
  for (const [k, v] of small.map) if (large.map.has(k)) out.map.set(k, v);
  return out;
}

export function unite(a: RegoSet, b: RegoSet): RegoSet {
  const out = new RegoSet();
  for (const [k, v] of a.map) out.map.set(k, v);
  for (const [k, v] of b.map) if (!out.map.has(k)) out.map.set(k, v);
  return out;
}

/** The members of a set operand that must be a set of sets. */
function setOfSets(name: string, args: Value[]): RegoSet[] {
  const outer = set(name, args, 1);
  const out: RegoSet[] = [];
  for (const m of outer.values()) {
    // OPA checks each member with SetOperand(x, 1): "operand 1 must be set but got number".
    if (!(m instanceof RegoSet)) throw typeError(name, 1, 'set', m);
    out.push(m);
  }
  return out;
}

export const builtins: BuiltinTable = {
  and: (args) => intersect(set('and', args, 1), set('and', args, 2)),
  or: (args) => unite(set('or', args, 1), set('or', args, 2)),
  set_diff: (args) => setDifference(set('set_diff', args, 1), set('set_diff', args, 2)),
  intersection: (args) => {
    const sets = setOfSets('intersection', args);
    if (sets.length === 0) return new RegoSet();
    return sets.reduce(intersect);
  },
  union: (args) => setOfSets('union', args).reduce(unite, new RegoSet()),
};
