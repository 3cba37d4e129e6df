/** Aggregate built-ins over collections: count, sum, product, max, min, sort, all, any. */
import type { BuiltinTable } from './builtin.js';
import { elementTypeError, typeError } from './operands.js';
import { add, mul } from './numbers.js';
import { runeCount } from './runes.js';
import { compare, isNumber, isObject, objectSize, plainNumber, RegoSet, type Value } from '../value.js';

/** Members of an array or set operand; OPA names the expected types `{set, array}`, but `{array, set}` for all/any. */
function members(name: string, args: Value[], expected = 'one of {set, array}'): Value[] {
  const v = args[0]!;
  if (Array.isArray(v)) return v;
  if (v instanceof RegoSet) return v.sorted();
  throw typeError(name, 1, expected, v);
}

function count(args: Value[]): Value {
  const v = args[0]!;
  if (typeof v === 'string') return runeCount(v);
  if (Array.isArray(v)) return v.length;
  if (v instanceof RegoSet) return v.size;
  if (isObject(v)) return objectSize(v);
  throw typeError('count', 1, 'one of {array, object, set, string}', v);
}

function fold(name: string, start: number, op: (a: number | bigint, b: number | bigint) => number | bigint) {
  return (args: Value[]): Value => {
    const items = members(name, args);
    let acc: number | bigint = start;
    for (const x of items) {
      if (!isNumber(x)) throw elementTypeError(name, 1, args[0]!, x, 'number');
      acc = op(acc, plainNumber(x));
    }
    return acc;
  };
}

/**
 * max/min: over an array OPA keeps the last of equal candidates (1 and 1.0),
 * over a set the first in its order. A set is not sorted for that: members
 * equal in order keep their insertion order when sorted (a stable sort), so
 * the first of them in insertion order is the first in the set's order.
 */
function extreme(name: string, sign: 1 | -1) {
  return (args: Value[]): Value | undefined => {
    const v = args[0]!;
    if (v instanceof RegoSet) {
      let best: Value | undefined;
      for (const x of v.map.values()) if (best === undefined || sign * compare(x, best) > 0) best = x;
      return best;
    }
    const items = members(name, args);
    if (items.length === 0) return undefined;
    const lastWins = Array.isArray(args[0]);
    let best = items[0]!;
    for (let i = 1; i < items.length; i++) {
      const c = sign * compare(items[i]!, best);
      if (c > 0 || (c === 0 && lastWins)) best = items[i]!;
    }
    return best;
  };
}

export const builtins: BuiltinTable = {
  count,
  sum: fold('sum', 0, add),
  product: fold('product', 1, mul),
  max: extreme('max', 1),
  min: extreme('min', -1),
  sort: (args) => {
    const v = args[0]!;
    if (v instanceof RegoSet) return v.sorted();
    return members('sort', args).slice().sort(compare);
  },
  all: (args) => members('all', args, 'one of {array, set}').every((x) => x === true),
  any: (args) => members('any', args, 'one of {array, set}').some((x) => x === true),
};
