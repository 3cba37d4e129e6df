/** Comparison built-ins over OPA's total order of values (any types). */
import type { BuiltinTable } from './builtin.js';
import { compare, equals, type Value } from '../value.js';

function ordered(test: (c: number) => boolean) {
  return (args: Value[]): Value => test(compare(args[0]!, args[1]!));
}

export const builtins: BuiltinTable = {
  equal: (args) => equals(args[0]!, args[1]!),
  neq: (args) => !equals(args[0]!, args[1]!),
  lt: ordered((c) => c < 0),
  lte: ordered((c) => c <= 0),
  gt: ordered((c) => c > 0),
  gte: ordered((c) => c >= 0),
};
