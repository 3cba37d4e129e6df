/**
 * Go's `time.ParseDuration` ("1h2m3.5s", "-1.5µs"), with the same error
 * messages, extended (as the shared conformance cases require) with the units
 * `d` (24h), `w` (7d) and `y` (365d) and decimal exponents ("1e3ms").
 * Results are exact nanoseconds (bigint) within int64.
 */

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
  y: 31_536_000_000_000_000n,
};

const LIMIT = 2n ** 63n;
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** Nanoseconds, or Go's error message. */
export function parseDuration(orig: string): bigint | string {
  const invalid = `time: invalid duration ${JSON.stringify(orig)}`;
  let s = orig;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') return invalid;
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) return invalid;
    let i = 0;
    while (isDigit(s[i])) i++;
    const intPart = s.slice(0, i);
    let frac = '';
    if (s[i] === '.') {
      let j = i + 1;
      while (isDigit(s[j])) j++;
      frac = s.slice(i + 1, j);
      i = j;
      if (intPart === '' && frac === '') return invalid;
    } else if (intPart === '') return invalid;
    // Optional decimal exponent: e3, E-2, e+1 (followed by a unit).
    let exp = 0;
    const m = /^[eE]([+-]?\d+)/.exec(s.slice(i));
    if (m) {
      exp = Number(m[1]);
      i += m[0].length;
    }
    s = s.slice(i);
    let u = 0;
    while (u < s.length && s[u] !== '.' && !isDigit(s[u])) u++;
    if (u === 0) return `time: missing unit in duration ${JSON.stringify(orig)}`;
    const unitName = s.slice(0, u);
    s = s.slice(u);
    const unit = UNITS[unitName];
    if (unit === undefined) return `time: unknown unit ${JSON.stringify(unitName)} in duration ${JSON.stringify(orig)}`;
    // value = (intPart.frac) * 10^exp * unit, truncated toward zero.
    const digits = BigInt((intPart || '0') + frac);
    const scale = exp - frac.length;
    if (scale > 40) return invalid;
    const v = scale >= 0 ? digits * 10n ** BigInt(scale) * unit : (digits * unit) / 10n ** BigInt(-scale);
    total += v;
    if (total > LIMIT) return invalid;
  }
  if (neg) return -total;
  if (total > LIMIT - 1n) return invalid;
  return total;
}
