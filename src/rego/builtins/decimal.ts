/**
 * Exact decimal arithmetic for Rego numbers that are not plain safe integers.
 *
 * OPA computes on arbitrary-precision numbers (Go's big.Int / big.Float over the
 * number's decimal text), so `0.1 + 0.2 == 0.3` holds there. Doing the same on JS
 * doubles would not, so non-integer arithmetic goes through `Decimal`
 * (`m × 10^e`, built from the number's shortest decimal text) and only the final
 * result is turned back into a double (or a bigint when it is a big integer).
 */
import { normalizeBigInt } from '../value.js';

/** The value `m × 10^e`. */
export interface Decimal {
  m: bigint;
  e: number;
}

/** Largest decimal exponent we accept when parsing text: beyond it the value is not representable anyway. */
export const MAX_EXPONENT = 1000;

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses decimal text (`12`, `-1.5`, `.5`, `5.`, `1e-3`). Returns undefined when
 * it is not a number, or `'exponent'` when the exponent is out of range.
 */
export function parseDecimal(text: string): Decimal | 'exponent' | undefined {
  const m = DECIMAL_TEXT.exec(text);
  if (!m) return undefined;
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  if (intPart === '' && fracPart === '') return undefined;
  let exp = 0;
  if (m[4] !== undefined) {
    // Compare as text first: the exponent may be too long for a JS number.
    const digits = m[4].replace(/^[+-]?0*/, '');
    if (digits.length > 6) return 'exponent';
    exp = Number(m[4]);
  }
  exp -= fracPart.length;
  if (Math.abs(exp) > MAX_EXPONENT + fracPart.length) return 'exponent';
  let mant = BigInt(intPart + fracPart || '0');
  if (m[1] === '-') mant = -mant;
  return normalize({ m: mant, e: exp });
}

/** Removes trailing zeros from the mantissa (canonical form; zero is `0 × 10^0`). */
export function normalize(d: Decimal): Decimal {
  const { m, e } = d;
  if (m === 0n) return { m: 0n, e: 0 };
  if (m % 10n !== 0n) return d;
  // Strip the zeros on the text: dividing by 10 once per zero is quadratic for
  // the long mantissas user input can produce ("1000…0" with 100k digits).
  const text = m.toString();
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48 /* 0 */) end--;
  return { m: BigInt(text.slice(0, end)), e: e + (text.length - end) };
}

export function fromNumber(n: number | bigint): Decimal {
  if (typeof n === 'bigint') return { m: n, e: 0 };
  if (Number.isSafeInteger(n)) return { m: BigInt(n), e: 0 };
  // The shortest text of a double is the decimal the user wrote (for 0.1, "0.1").
  return parseDecimal(String(n)) as Decimal;
}

function pow10(k: number): bigint {
  return 10n ** BigInt(k);
}

/** The Rego value of a decimal: an exact integer when it is one, else the nearest double. */
export function toNumber(d: Decimal): number | bigint {
  const { m, e } = normalize(d);
  if (e >= 0) return normalizeBigInt(m * pow10(e));
  return Number(`${m}e${e}`);
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  if (a.e === b.e) return [a.m, b.m, a.e];
  if (a.e < b.e) return [a.m, b.m * pow10(b.e - a.e), a.e];
  return [a.m * pow10(a.e - b.e), b.m, b.e];
}

export function add(a: Decimal, b: Decimal): Decimal {
  const [x, y, e] = align(a, b);
  return { m: x + y, e };
}

export function sub(a: Decimal, b: Decimal): Decimal {
  const [x, y, e] = align(a, b);
  return { m: x - y, e };
}

export function mul(a: Decimal, b: Decimal): Decimal {
  return { m: a.m * b.m, e: a.e + b.e };
}

/** Significant digits kept for an inexact quotient (more than a double holds). */
const QUOTIENT_DIGITS = 21;

function digitCount(n: bigint): number {
  return (n < 0n ? -n : n).toString().length;
}

/** `a / b` (b non-zero): exact when the quotient is a finite decimal of reasonable length, else rounded. */
export function div(a: Decimal, b: Decimal): Decimal {
  const shift = Math.max(0, QUOTIENT_DIGITS - digitCount(a.m) + digitCount(b.m));
  const scaled = a.m * pow10(shift);
  return { m: scaled / b.m, e: a.e - b.e - shift };
}

/** Integer part, rounding with `mode`. */
export function roundTo(d: Decimal, mode: 'floor' | 'ceil' | 'half-away' | 'trunc'): bigint {
  if (d.e >= 0) return d.m * pow10(d.e);
  const scale = pow10(-d.e);
  const q = d.m / scale; // truncates toward zero
  const r = d.m % scale;
  if (r === 0n) return q;
  switch (mode) {
    case 'trunc':
      return q;
    case 'floor':
      return d.m < 0n ? q - 1n : q;
    case 'ceil':
      return d.m > 0n ? q + 1n : q;
    default: {
      const twice = (r < 0n ? -r : r) * 2n;
      if (twice >= scale) return d.m < 0n ? q - 1n : q + 1n;
      return q;
    }
  }
}

/** Whether the decimal is an integer. */
export function isIntegral(d: Decimal): boolean {
  return normalize(d).e >= 0;
}

/** The integer value of an integral decimal. */
export function toBigInt(d: Decimal): bigint {
  const n = normalize(d);
  return n.m * pow10(n.e);
}

/** -1, 0 or 1 as `a` is below, equal to or above `b`. */
export function compare(a: Decimal, b: Decimal): number {
  const d = sub(a, b).m;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
