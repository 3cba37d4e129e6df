/** Bitwise built-ins on integers of any size (Go's big.Int semantics: two's complement for negatives). */
import type { BuiltinTable } from './builtin.js';
import { builtinError } from './operands.js';
import { bigIntOperand } from './numbers.js';
import { BuiltinError } from './builtin.js';
import { normalizeBigInt, type Value } from '../value.js';

/** Left shifts beyond this many bits would build numbers too large to hold; OPA has no explicit bound. */
export const MAX_SHIFT = 1 << 20;

function shiftAmount(name: string, args: Value[]): bigint {
  const s = bigIntOperand(name, args, 2);
  if (s < 0n) throw new BuiltinError('eval_type_error', `${name}: operand 2 must be an unsigned integer number but got a negative integer`);
  return s;
}

function binary(name: string, op: (a: bigint, b: bigint) => bigint) {
  return (args: Value[]): Value => normalizeBigInt(op(bigIntOperand(name, args, 1), bigIntOperand(name, args, 2)));
}

export const builtins: BuiltinTable = {
  'bits.and': binary('bits.and', (a, b) => a & b),
  'bits.or': binary('bits.or', (a, b) => a | b),
  'bits.xor': binary('bits.xor', (a, b) => a ^ b),
  'bits.negate': (args) => normalizeBigInt(~bigIntOperand('bits.negate', args, 1)),
  'bits.lsh': (args) => {
    const x = bigIntOperand('bits.lsh', args, 1);
    const s = shiftAmount('bits.lsh', args);
    if (x === 0n) return 0;
    if (s > BigInt(MAX_SHIFT)) throw builtinError('bits.lsh', `shift too large (more than ${MAX_SHIFT} bits)`);
    return normalizeBigInt(x << s);
  },
  'bits.rsh': (args) => {
    const x = bigIntOperand('bits.rsh', args, 1);
    const s = shiftAmount('bits.rsh', args);
    // Shifting right past every bit leaves the sign: 0 or -1 (arithmetic shift, as big.Int.Rsh).
    const bits = BigInt(x.toString(2).length + 1);
    return normalizeBigInt(x >> (s > bits ? bits : s));
  },
};
