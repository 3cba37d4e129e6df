/**
 * Go's strconv.FormatFloat for the formats fmt uses ('e', 'E', 'f', 'F', 'g',
 * 'G', 'b', 'x', 'X'), on the exact binary value of the double with Go's
 * round-half-even, so `%.2f` and friends print what Go prints (JavaScript's
 * toFixed rounds ties differently).
 */

/** Decimal digits `0.d1d2… × 10^dp` (no trailing zeros; zero is `d = ''`). */
interface Digits {
  d: string;
  dp: number;
}

function bitsOf(x: number): { mant: bigint; e2: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  if (expBits === 0) return { mant, e2: -1074 };
  mant |= 1n << 52n;
  return { mant, e2: expBits - 1075 };
}

function trimZeros(d: Digits): Digits {
  let end = d.d.length;
  while (end > 0 && d.d[end - 1] === '0') end--;
  return end === d.d.length ? d : { d: d.d.slice(0, end), dp: d.dp };
}

/** All digits of |x| (a double's decimal expansion is finite). */
function exactDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  const { mant, e2 } = bitsOf(Math.abs(x));
  if (e2 >= 0) {
    const s = (mant << BigInt(e2)).toString();
    return trimZeros({ d: s, dp: s.length });
  }
  const s = (mant * 5n ** BigInt(-e2)).toString();
  return trimZeros({ d: s, dp: s.length + e2 });
}

/**
 * The shortest digits that read back as x (JavaScript's toExponential() gives them);
 * with `bits` 32, the shortest that read back as the same float32.
 */
function shortestDigits(x: number, bits: 32 | 64 = 64): Digits {
  if (x === 0) return { d: '', dp: 0 };
  let text = Math.abs(x).toExponential();
  if (bits === 32) {
    const f = Math.fround(Math.abs(x));
    for (let p = 1; p <= 9; p++) {
      text = f.toExponential(p - 1);
      if (Math.fround(Number(text)) === f) break;
    }
  }
  const [mantissa, exp] = text.split('e') as [string, string];
  return trimZeros({ d: mantissa.replace('.', ''), dp: Number(exp) + 1 });
}

/** Rounds to `n` significant digits, ties to even (Go's decimal.Round). */
function roundDigits(x: Digits, n: number): Digits {
  if (n < 0 || n >= x.d.length) return x;
  const next = x.d.charCodeAt(n) - 48;
  let up = next > 5;
  if (next === 5) {
    // Exactly half only if nothing follows (digits carry no trailing zeros).
    up = n + 1 < x.d.length || (n > 0 && (x.d.charCodeAt(n - 1) - 48) % 2 === 1);
  }
  if (!up) return trimZeros({ d: x.d.slice(0, n), dp: x.dp });
  const ds = x.d.slice(0, n).split('');
  let i = n - 1;
  while (i >= 0 && ds[i] === '9') i--;
  if (i < 0) return { d: '1', dp: x.dp + 1 };
  ds[i] = String.fromCharCode(ds[i]!.charCodeAt(0) + 1);
  return { d: ds.slice(0, i + 1).join(''), dp: x.dp };
}

function digitAt(x: Digits, i: number): string {
  return i >= 0 && i < x.d.length ? x.d[i]! : '0';
}

function fmtE(x: Digits, prec: number, e: string): string {
  let out = x.d.length === 0 ? '0' : x.d[0]!;
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) out += digitAt(x, i);
  }
  const exp = x.d.length === 0 ? 0 : x.dp - 1;
  const mag = Math.abs(exp);
  return out + e + (exp < 0 ? '-' : '+') + (mag < 10 ? '0' : '') + mag;
}

function fmtF(x: Digits, prec: number): string {
  let out = '';
  if (x.dp > 0) for (let i = 0; i < x.dp; i++) out += digitAt(x, i);
  else out = '0';
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) out += digitAt(x, x.dp + i - 1);
  }
  return out;
}

function fmtB(x: number): string {
  const { mant, e2 } = bitsOf(Math.abs(x));
  return `${mant}p${e2 >= 0 ? '+' : ''}${e2}`;
}

/** Go's %x of a float with the shortest mantissa (precision is not supported). */
function fmtX(x: number, upper: boolean): string {
  let out: string;
  if (x === 0) out = '0x0p+00';
  else {
    let { mant, e2 } = bitsOf(Math.abs(x));
    // Normalise so the leading bit is bit 52 (subnormals have fewer bits).
    while (mant < 1n << 52n) {
      mant <<= 1n;
      e2--;
    }
    const exp = e2 + 52;
    let frac = (mant & ((1n << 52n) - 1n)).toString(16).padStart(13, '0').replace(/0+$/, '');
    frac = frac === '' ? '' : '.' + frac;
    const mag = Math.abs(exp);
    out = `0x1${frac}p${exp < 0 ? '-' : '+'}${mag < 10 ? '0' : ''}${mag}`;
  }
  return upper ? out.toUpperCase() : out;
}

/**
 * strconv.FormatFloat(x, verb, prec, bits) for finite x; `prec < 0` means the
 * shortest representation (of the float32 nearest x when `bits` is 32; the
 * fixed-precision forms are only used with 64). The sign is included for negative numbers.
 */
export function formatFloat(x: number, verb: string, prec: number, bits: 32 | 64 = 64): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const shortest = prec < 0;
  switch (verb) {
    case 'b':
      return sign + fmtB(x);
    case 'x':
    case 'X':
      return sign + fmtX(Math.abs(x), verb === 'X');
    case 'e':
    case 'E': {
      const digits = shortest ? shortestDigits(x, bits) : roundDigits(exactDigits(x), prec + 1);
      return sign + fmtE(digits, shortest ? Math.max(digits.d.length - 1, 0) : prec, verb);
    }
    case 'f':
    case 'F': {
      if (shortest) {
        const digits = shortestDigits(x, bits);
        return sign + fmtF(digits, Math.max(digits.d.length - digits.dp, 0));
      }
      const exact = exactDigits(x);
      return sign + fmtF(roundDigits(exact, exact.dp + prec), prec);
    }
    default: {
      // 'g' / 'G'
      let p = prec;
      let digits: Digits;
      if (shortest) {
        digits = shortestDigits(x, bits);
        p = digits.d.length;
      } else {
        if (p === 0) p = 1;
        digits = roundDigits(exactDigits(x), p);
      }
      let eprec = p;
      if (eprec > digits.d.length && digits.d.length >= digits.dp) eprec = digits.d.length;
      if (shortest) eprec = 6;
      const exp = digits.dp - 1;
      if (digits.d.length > 0 && (exp < -4 || exp >= eprec)) {
        if (p > digits.d.length) p = digits.d.length;
        return sign + fmtE(digits, p - 1, verb === 'G' ? 'E' : 'e');
      }
      if (p > digits.dp) p = digits.d.length;
      return sign + fmtF(digits, Math.max(p - digits.dp, 0));
    }
  }
}
