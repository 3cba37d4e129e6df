/**
 * Arithmetic built-ins (`+ - * / %`, rounding, ranges, `rand.intn`).
 *
 * OPA's numbers are exact: integers of any size, and decimals computed on their
 * decimal text. Safe integers take a plain JS fast path; big integers use bigint;
 * anything else goes through `Decimal` (see decimal.ts).
 */
import type { BuiltinContext, BuiltinTable } from './builtin.js';
import { builtinError, num, str, typeError, int as intOperand } from './operands.js';
import * as dec from './decimal.js';
import { isNumber, normalizeBigInt, plainNumber, RegoNumber, RegoSet, type Value } from '../value.js';
import { BuiltinError } from './builtin.js';

type Num = number | bigint;

function bothSafe(a: Num, b: Num): a is number {
  return typeof a === 'number' && typeof b === 'number' && Number.isSafeInteger(a) && Number.isSafeInteger(b);
}

/**
 * Both exact integers: bigint or safe integer. Integral doubles beyond 2^53 go
 * through their decimal text instead, so 1e300 means 10^300, as written.
 */
function bothIntegers(a: Num, b: Num): boolean {
  return exactInteger(a) && exactInteger(b);
}

function exactInteger(n: Num): boolean {
  return typeof n === 'bigint' || Number.isSafeInteger(n);
}

function big(n: Num): bigint {
  return typeof n === 'bigint' ? n : BigInt(n);
}

function viaDecimal(a: Num, b: Num, op: (x: dec.Decimal, y: dec.Decimal) => dec.Decimal): Num {
  return dec.toNumber(op(dec.fromNumber(a), dec.fromNumber(b)));
}

/** `a + b`, exact. */
export function add(a: Num, b: Num): Num {
  if (bothSafe(a, b)) {
    const r = a + (b as number);
    if (Number.isSafeInteger(r)) return r;
  }
  if (bothIntegers(a, b)) return normalizeBigInt(big(a) + big(b));
  return viaDecimal(a, b, dec.add);
}

/** `a - b`, exact. */
export function sub(a: Num, b: Num): Num {
  if (bothSafe(a, b)) {
    const r = a - (b as number);
    if (Number.isSafeInteger(r)) return r;
  }
  if (bothIntegers(a, b)) return normalizeBigInt(big(a) - big(b));
  return viaDecimal(a, b, dec.sub);
}

/** `a * b`, exact. */
export function mul(a: Num, b: Num): Num {
  if (bothSafe(a, b)) {
    const r = a * (b as number);
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r; // no -0
  }
  if (bothIntegers(a, b)) return normalizeBigInt(big(a) * big(b));
  return viaDecimal(a, b, dec.mul);
}

function isZero(n: Num): boolean {
  return typeof n === 'bigint' ? n === 0n : n === 0;
}

/** `a / b`: an integer when exact, else a double. Throws `div: divide by zero`. */
export function divide(a: Num, b: Num): Num {
  if (isZero(b)) throw builtinError('div', 'divide by zero');
  if (bothSafe(a, b) && a % (b as number) === 0) {
    const r = a / (b as number);
    return r === 0 ? 0 : r;
  }
  if (bothIntegers(a, b) && big(a) % big(b) === 0n) return normalizeBigInt(big(a) / big(b));
  return viaDecimal(a, b, dec.div);
}

/** `a % b` on integers (sign of the dividend, as Go). */
export function remainder(a: Num, b: Num): Num {
  if (bothSafe(a, b)) {
    if (b === 0) throw builtinError('rem', 'modulo by zero');
    const r = a % (b as number);
    return r === 0 ? 0 : r;
  }
  const x = asBigInt(a);
  const y = asBigInt(b);
  if (x === undefined || y === undefined) throw builtinError('rem', 'modulo on floating-point number');
  if (y === 0n) throw builtinError('rem', 'modulo by zero');
  return normalizeBigInt(x % y);
}

/** The integer value of `n`, or undefined when it has a fractional part. */
export function asBigInt(n: Num): bigint | undefined {
  if (typeof n === 'bigint') return n;
  if (Number.isSafeInteger(n)) return BigInt(n);
  const d = dec.fromNumber(n);
  return dec.isIntegral(d) ? dec.toBigInt(d) : undefined;
}

/** Rounds to an integer with the given mode (OPA's `round` is half away from zero). */
export function roundNumber(n: Num, mode: 'floor' | 'ceil' | 'half-away'): Num {
  if (typeof n === 'bigint' || Number.isSafeInteger(n)) return n;
  return normalizeBigInt(dec.roundTo(dec.fromNumber(n), mode));
}

export function absolute(n: Num): Num {
  if (typeof n === 'bigint') return n < 0n ? -n : n;
  return Math.abs(n);
}

/** `a - b` on sets. */
export function setDifference(a: RegoSet, b: RegoSet): RegoSet {
  const out = new RegoSet();
  for (const [k, v] of a.map) if (!b.map.has(k)) out.map.set(k, v);
  return out;
}

function binaryNumeric(name: string, op: (a: Num, b: Num) => Num, float?: (x: dec.Decimal, y: dec.Decimal) => dec.Decimal) {
  return (args: Value[]): Value => {
    const a = num(name, args, 1);
    const b = num(name, args, 2);
    if (float && (args[0] instanceof RegoNumber || args[1] instanceof RegoNumber)) return floatResult(float(exact(args[0]!), exact(args[1]!)));
    return op(a, b);
  };
}

/** The exact decimal of a number operand (a literal box: of its text). */
function exact(v: Value): dec.Decimal {
  if (v instanceof RegoNumber) {
    const d = dec.parseDecimal(v.text);
    if (d !== undefined && d !== 'exponent') return d;
  }
  return dec.fromNumber(plainNumber(v as Num | RegoNumber));
}

/**
 * A floating-point result: an operand written with a fraction or exponent
 * (`1e21`, `2.0`) makes OPA compute in floating point, so `5 - 1e21` is
 * `-1e+21`, not an exact integer. Computed exactly, then taken to the nearest
 * double; beyond a double's range, kept as text (20 significant digits).
 */
function floatResult(d: dec.Decimal): Value {
  const n = Number(`${d.m}e${d.e}`);
  if (Number.isFinite(n) && (n !== 0 || d.m === 0n)) return n === 0 ? 0 : n;
  const { m, e } = dec.normalize(d);
  const neg = m < 0n;
  let digits = (neg ? -m : m).toString();
  let exp = e + digits.length - 1;
  if (digits.length > 20) {
    const rounded = (BigInt(digits.slice(0, 21)) + 5n) / 10n;
    digits = rounded.toString();
    if (digits.length > 20) {
      digits = digits.slice(0, 20);
      exp++;
    }
  }
  digits = digits.replace(/0+$/, '') || '0';
  const text = `${neg ? '-' : ''}${digits[0]}${digits.length > 1 ? '.' + digits.slice(1) : ''}e${exp < 0 ? '-' : '+'}${Math.abs(exp)}`;
  return new RegoNumber(text, n);
}

function minus(args: Value[]): Value {
  const [a, b] = args as [Value, Value];
  if (a instanceof RegoNumber || b instanceof RegoNumber) {
    if (isNumber(a) && isNumber(b)) return floatResult(dec.sub(exact(a), exact(b)));
  }
  if (isNumber(a) && isNumber(b)) return sub(a as Num, b as Num);
  if (a instanceof RegoSet && b instanceof RegoSet) return setDifference(a, b);
  if (!isNumber(a) && !(a instanceof RegoSet)) throw typeError('minus', 1, 'one of {number, set}', a);
  // As OPA's builtinMinus: a number second operand after a set must be a set, anything else a number.
  throw typeError('minus', 2, isNumber(b) ? 'set' : 'number', b);
}

/** An integer operand of any size (OPA's BigIntOperand). */
/** builtins.BigIntOperand: a non-number is reported as "must be integer" (bits.*, numbers.range*). */
export function bigIntOperand(name: string, args: Value[], pos: number): bigint {
  const v = args[pos - 1]!;
  if (!isNumber(v)) throw typeError(name, pos, 'integer', v);
  const i = asBigInt(plainNumber(v));
  if (i === undefined) {
    throw new BuiltinError('eval_type_error', `${name}: operand ${pos} must be integer number but got floating-point number`);
  }
  return i;
}

/**
 * Largest array `numbers.range` builds. OPA has no limit (it would exhaust memory
 * and be cancelled); a bound keeps one policy from crashing the process.
 */
export const MAX_RANGE_LENGTH = 10_000_000;

/** Elements of a range counted (and built) at a time. */
const RANGE_CHUNK = 16_384;

function range(name: string, from: bigint, to: bigint, step: bigint, ctx: BuiltinContext): Value[] {
  const span = from <= to ? to - from : from - to;
  if (span / step + 1n > BigInt(MAX_RANGE_LENGTH)) throw builtinError(name, `range too large (more than ${MAX_RANGE_LENGTH} elements)`);
  const count = Number(span / step + 1n);
  const out: Value[] = [];
  let i = from;
  // Counted against the evaluation's budget a chunk at a time, before it is built: a long range gives the clock its turns.
  for (let done = 0; done < count; ) {
    const n = Math.min(RANGE_CHUNK, count - done);
    ctx.grow?.(n);
    for (let j = 0; j < n; j++) {
      out.push(normalizeBigInt(i));
      i = from <= to ? i + step : i - step;
    }
    done += n;
  }
  return out;
}

function randIntn(args: Value[], ctx: BuiltinContext): Value {
  const seed = str('rand.intn', args, 1);
  let n = Math.abs(intOperand('rand.intn', args, 2));
  if (n === 0) return 0;
  // Same operands, same answer within one evaluation (OPA caches by operands).
  const key = `rand.intn\u0000${seed}\u0000${n}`;
  const cached = ctx.cache.get(key);
  if (cached !== undefined) return cached as number;
  n = Math.min(n, Number.MAX_SAFE_INTEGER);
  const r = Math.floor(Math.random() * n);
  ctx.cache.set(key, r);
  return r;
}

export const builtins: BuiltinTable = {
  plus: binaryNumeric('plus', add, dec.add),
  minus,
  mul: binaryNumeric('mul', mul, dec.mul),
  div: binaryNumeric('div', divide, (x, y) => {
    if (y.m === 0n) throw builtinError('div', 'divide by zero');
    return dec.div(x, y);
  }),
  rem: binaryNumeric('rem', remainder),
  round: (args) => roundNumber(num('round', args, 1), 'half-away'),
  ceil: (args) => roundNumber(num('ceil', args, 1), 'ceil'),
  floor: (args) => roundNumber(num('floor', args, 1), 'floor'),
  abs: (args) => absolute(num('abs', args, 1)),
  'numbers.range': (args, ctx) => {
    const from = bigIntOperand('numbers.range', args, 1);
    const to = bigIntOperand('numbers.range', args, 2);
    return range('numbers.range', from, to, 1n, ctx);
  },
  'numbers.range_step': (args, ctx) => {
    const from = bigIntOperand('numbers.range_step', args, 1);
    const to = bigIntOperand('numbers.range_step', args, 2);
    const step = bigIntOperand('numbers.range_step', args, 3);
    if (step <= 0n) throw builtinError('numbers.range_step', 'step must be a positive integer');
    return range('numbers.range_step', from, to, step, ctx);
  },
  'rand.intn': randIntn,
};
