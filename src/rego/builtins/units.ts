/**
 * units.parse ("10K", "500m", "1.5Gi" → numbers) and units.parse_bytes
 * ("10KB", "1.5GiB" → integer byte counts), as OPA's parse_units.go and
 * parse_bytes.go compute them:
 *   - both split the amount from the unit the same way (extractNumAndUnit: digits,
 *     dots, signs and an exponent `e`/`E` followed by a digit or sign; more than
 *     six exponent digits is "exponent too large");
 *   - units.parse multiplies exactly (big.Rat) and prints a non-integer with ten
 *     decimals (FloatString(10), halves away from zero);
 *   - units.parse_bytes multiplies in big.Float at 64-bit precision and truncates,
 *     so the binary rounding of the amount shows ("0.3kb" is 299 there, as in OPA).
 */
import type { BuiltinTable } from './builtin.js';
import { builtinError, str } from './operands.js';
import * as dec from './decimal.js';
import { normalizeBigInt, type Value } from '../value.js';

const SI = [1n, 1000n, 1000n ** 2n, 1000n ** 3n, 1000n ** 4n, 1000n ** 5n, 1000n ** 6n];
const IEC = [1n, 1024n, 1024n ** 2n, 1024n ** 3n, 1024n ** 4n, 1024n ** 5n, 1024n ** 6n];

/** units.parse: case matters for the first letter only ("m" is milli, "M" mega). */
const UNITS: ReadonlyMap<string, dec.Decimal> = new Map<string, dec.Decimal>([
  ['', { m: 1n, e: 0 }],
  ['m', { m: 1n, e: -3 }],
  ...(['k', 'K'] as const).flatMap((u) => [[u, { m: SI[1]!, e: 0 }] as const, [u + 'i', { m: IEC[1]!, e: 0 }] as const]),
  ['M', { m: SI[2]!, e: 0 }],
  ['mi', { m: IEC[2]!, e: 0 }],
  ['Mi', { m: IEC[2]!, e: 0 }],
  ...['g', 't', 'p', 'e'].flatMap((u, i) => {
    const si = { m: SI[i + 3]!, e: 0 };
    const iec = { m: IEC[i + 3]!, e: 0 };
    const U = u.toUpperCase();
    return [[u, si] as const, [U, si] as const, [u + 'i', iec] as const, [U + 'i', iec] as const];
  }),
]);

/** units.parse_bytes: lower-cased unit, with or without a trailing "b". */
const BYTE_UNITS: ReadonlyMap<string, bigint> = new Map<string, bigint>([
  ['', 1n],
  ...['k', 'm', 'g', 't', 'p', 'e'].flatMap((u, i) => [
    [u, SI[i + 1]!] as const,
    [u + 'b', SI[i + 1]!] as const,
    [u + 'i', IEC[i + 1]!] as const,
    [u + 'ib', IEC[i + 1]!] as const,
  ]),
]);

const MAX_EXPONENT_DIGITS = 6;
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** OPA's extractNumAndUnit: [amount, unit], or 'exponent' when an exponent has too many digits. */
function extractNumAndUnit(s: string): [string, string] | 'exponent' {
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (!isDigit(c) && c !== '.' && c !== 'e' && c !== 'E' && c !== '+' && c !== '-') return [s.slice(0, i), s.slice(i)];
    if (c === 'e' || c === 'E') {
      const next = s[i + 1];
      if (next === undefined || (!isDigit(next) && next !== '+' && next !== '-')) return [s.slice(0, i), s.slice(i)];
      if (next === '+' || next === '-') i++;
      let end = i + 1;
      while (isDigit(s[end])) end++;
      if (end - (i + 1) > MAX_EXPONENT_DIGITS) return 'exponent';
    }
  }
  return [s, ''];
}

/** big.Rat/big.Float SetString of the amount: an optional sign, digits with one dot, an optional exponent. */
function amountOf(text: string): dec.Decimal | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const d = dec.parseDecimal(text.replace(/^\+/, ''));
  return d === undefined || d === 'exponent' ? undefined : d;
}

/** big.Rat's FloatString(10): ten decimals, halves away from zero. */
function tenDecimals(d: dec.Decimal): Value {
  const scaled = dec.roundTo(dec.mul(d, { m: 1n, e: 10 }), 'half-away');
  return dec.toNumber({ m: scaled, e: -10 });
}

function parseUnits(args: Value[]): Value {
  const name = 'units.parse';
  // Quotes are dropped, for parity with units.parse_bytes.
  const s = str(name, args, 1).replaceAll('"', '');
  if (s.includes(' ')) throw builtinError(name, 'spaces not allowed in resource strings');
  const split = extractNumAndUnit(s);
  if (split === 'exponent') throw builtinError(name, 'exponent too large');
  const [amount, rawUnit] = split;
  if (amount === '') throw builtinError(name, 'no amount provided');
  const unit = rawUnit.length > 1 ? rawUnit[0] + rawUnit.slice(1).toLowerCase() : rawUnit;
  const factor = UNITS.get(unit);
  if (factor === undefined) throw builtinError(name, `unit ${unit} not recognized`);
  const n = amountOf(amount);
  if (n === undefined) throw builtinError(name, 'could not parse amount to a number');
  const product = dec.mul(n, factor);
  return dec.isIntegral(product) ? normalizeBigInt(dec.toBigInt(product)) : tenDecimals(product);
}

// ---------------------------------------------------------------------------
// big.Float at 64-bit precision (units.parse_bytes)

const PREC = 64n;

function bitLength(n: bigint): bigint {
  return n === 0n ? 0n : BigInt(n.toString(2).length);
}

/** p/q (q > 0) rounded to a 64-bit mantissa, nearest even: [mantissa, exponent] with value mantissa·2^exponent. */
function roundToFloat(p: bigint, q: bigint): [bigint, bigint] {
  if (p === 0n) return [0n, 0n];
  const neg = p < 0n;
  const a = neg ? -p : p;
  // Choose k so that a/q · 2^-k has exactly PREC bits before the point.
  let k = bitLength(a) - bitLength(q) - PREC;
  const scaled = (): [bigint, bigint] => (k >= 0n ? [a, q << k] : [a << -k, q]);
  let [num, den] = scaled();
  if (num / den >= 1n << PREC) {
    k += 1n;
    [num, den] = scaled();
  } else if (num / den < 1n << (PREC - 1n)) {
    k -= 1n;
    [num, den] = scaled();
  }
  let m = num / den;
  const r = num - m * den;
  if (r * 2n > den || (r * 2n === den && (m & 1n) === 1n)) m += 1n;
  return [neg ? -m : m, k];
}

function parseBytes(args: Value[]): Value {
  const name = 'units.parse_bytes';
  const s = str(name, args, 1).toLowerCase().replaceAll('"', '');
  if (s.includes(' ')) throw builtinError(name, 'spaces not allowed in resource strings');
  const split = extractNumAndUnit(s);
  if (split === 'exponent') throw builtinError(name, 'exponent too large');
  const [amount, unit] = split;
  if (amount === '') throw builtinError(name, 'no byte amount provided');
  const factor = BYTE_UNITS.get(unit);
  if (factor === undefined) throw builtinError(name, `byte unit ${unit} not recognized`);
  const n = amountOf(amount);
  if (n === undefined) throw builtinError(name, 'could not parse byte amount to a number');
  // SetString rounds the amount to 64 bits, Mul rounds the product, Int truncates toward zero.
  const [m1, e1] = n.e >= 0 ? roundToFloat(n.m * 10n ** BigInt(n.e), 1n) : roundToFloat(n.m, 10n ** BigInt(-n.e));
  const [m2, e2] = roundToFloat(m1 * factor, 1n);
  const e = e1 + e2;
  const total = e >= 0n ? m2 << e : m2 / (1n << -e); // BigInt division truncates toward zero
  return normalizeBigInt(total);
}

export const builtins: BuiltinTable = {
  'units.parse': parseUnits,
  'units.parse_bytes': parseBytes,
};
