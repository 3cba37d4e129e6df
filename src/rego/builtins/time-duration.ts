/**
 * Go's `time.ParseDuration`, which OPA's `time.parse_duration_ns` calls as is
 * (v1/topdown/time.go): "1h2m3.5s", "-1.5µs", ".5s", "5.s". Units are ns, us,
 * µs, μs, ms, s, m, h only: no days, weeks or exponents ("1d" and "1e3ms" are
 * errors). Fractions are added the way Go does it, through float64, so the
 * nanoseconds agree with Go's to the last digit; the total stays within int64.
 * Error texts are Go's, with its own quoting of the input (non-ASCII bytes as \xNN).
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
};

const LIMIT = 1n << 63n;
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** Go's `time.quote`: ASCII printable kept (`"` and `\` escaped), every other byte as `\xNN`. */
export function goTimeQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x80 || c < 0x20) {
      for (const b of Buffer.from(ch, 'utf8')) out += '\\x' + b.toString(16).padStart(2, '0');
    } else {
      if (ch === '"' || ch === '\\') out += '\\';
      out += ch;
    }
  }
  return out + '"';
}

/** Nanoseconds, or Go's error message. */
export function parseDuration(orig: string): bigint | string {
  const invalid = (): string => `time: invalid duration ${goTimeQuote(orig)}`;
  let s = orig;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') return invalid();
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) return invalid();
    // Whole part: [0-9]*, an error past 2^63.
    let i = 0;
    let v = 0n;
    while (isDigit(s[i])) {
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > LIMIT) return invalid();
      i++;
    }
    const pre = i > 0;
    // Fraction: (\.[0-9]*)?; digits past uint64's precision are ignored, as in Go.
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[i] === '.') {
      i++;
      let overflow = false;
      const start = i;
      while (isDigit(s[i])) {
        if (!overflow) {
          const y = f * 10n + BigInt(s.charCodeAt(i) - 48);
          if (f > (LIMIT - 1n) / 10n || y > LIMIT) overflow = true;
          else {
            f = y;
            scale *= 10;
          }
        }
        i++;
      }
      post = i > start;
    }
    if (!pre && !post) return invalid();
    s = s.slice(i);
    let u = 0;
    while (u < s.length && s[u] !== '.' && !isDigit(s[u])) u++;
    if (u === 0) return `time: missing unit in duration ${goTimeQuote(orig)}`;
    const unitName = s.slice(0, u);
    s = s.slice(u);
    const unit = UNITS[unitName];
    if (unit === undefined) return `time: unknown unit ${goTimeQuote(unitName)} in duration ${goTimeQuote(orig)}`;
    if (v > LIMIT / unit) return invalid();
    v *= unit;
    if (f > 0n) {
      // Go: v += uint64(float64(f) * (float64(unit) / scale))
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > LIMIT) return invalid();
    }
    total += v;
    if (total > LIMIT) return invalid();
  }
  if (neg) return -total;
  if (total > LIMIT - 1n) return invalid();
  return total;
}
