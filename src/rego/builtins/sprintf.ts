/**
 * `sprintf` with Go's fmt semantics, fed the way OPA feeds it: integers that fit
 * int64 are Go `int`s, larger integers `*big.Int`, other numbers `float64`,
 * strings Go strings, and every other value the string of its Rego text
 * (so `%v` of `true` is `true` and `%t` of it is `%!t(string=true)`, as in OPA).
 */
import type { BuiltinTable } from './builtin.js';
import { arr, str } from './operands.js';
import { formatFloat } from './gofloat.js';
import { runeCount, runes } from './runes.js';
import { GO_PRINTABLE, goQuote, goQuoteRune, hex } from './go-quote.js';
import { isNumber, RegoNumber, writeValue, type TextStyle, type Value } from '../value.js';

// ---------------------------------------------------------------------------
// Rego text of values (OPA's ast.Value String())

/** Rego syntax: strings as Go's strconv.Quote, sets in braces (`set()` when empty), keys as they are. */
const REGO_TEXT: TextStyle = { quote: goQuote, json: false, separator: ', ', colon: ': ' };

/** A value as OPA prints it in Rego syntax (`ast.Value.String()`): `[1, "a"]`, `{"k": 1}`, `{1, 2}`, `set()`. */
export function formatValue(v: Value): string {
  return writeValue(v, REGO_TEXT);
}

// ---------------------------------------------------------------------------
// Go arguments

type GoArg =
  | { type: 'int'; v: bigint }
  | { type: '*big.Int'; v: bigint }
  | { type: 'float64'; v: number }
  | { type: 'string'; v: string };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function toGoArg(v: Value): GoArg {
  if (typeof v === 'string') return { type: 'string', v };
  if (v instanceof RegoNumber) {
    // OPA: a number written with a fraction or exponent is not an int; as a float64 when it fits, else its text.
    const f = Number(v.text);
    return Number.isFinite(f) ? { type: 'float64', v: f } : { type: 'string', v: v.text };
  }
  if (isNumber(v)) {
    if (typeof v === 'bigint') return { type: v >= INT64_MIN && v <= INT64_MAX ? 'int' : '*big.Int', v };
    if (Number.isSafeInteger(v)) return { type: 'int', v: BigInt(v) };
    if (Number.isInteger(v)) {
      const b = BigInt(v);
      return { type: b >= INT64_MIN && b <= INT64_MAX ? 'int' : '*big.Int', v: b };
    }
    return { type: 'float64', v };
  }
  return { type: 'string', v: formatValue(v) };
}

// ---------------------------------------------------------------------------
// The formatter (Go's fmt.doPrintf)

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  sharpV: boolean;
  wid: number;
  widPresent: boolean;
  prec: number;
  precPresent: boolean;
}

function clearFlags(): Flags {
  return { plus: false, minus: false, sharp: false, space: false, zero: false, sharpV: false, wid: 0, widPresent: false, prec: 0, precPresent: false };
}

/** Go's fmt.pad: width counts runes; zero padding goes on the left only. */
function pad(f: Flags, s: string): string {
  if (!f.widPresent || f.wid === 0) return s;
  const n = f.wid - runeCount(s);
  if (n <= 0) return s;
  if (f.minus) return s + ' '.repeat(n);
  return (f.zero ? '0' : ' ').repeat(n) + s;
}

const DIGITS_LOWER = '0123456789abcdefx';
const DIGITS_UPPER = '0123456789ABCDEFX';

/** Go's fmt.fmtInteger. */
function fmtInteger(f: Flags, value: bigint, base: number, verb: string, upper: boolean): string {
  const negative = value < 0n;
  const u = negative ? -value : value;
  let prec = 0;
  if (f.precPresent) {
    prec = f.prec;
    if (prec === 0 && u === 0n) return pad({ ...f, zero: false }, '');
  } else if (f.zero && !f.minus && f.widPresent) {
    prec = f.wid;
    if (negative || f.plus || f.space) prec--;
  }
  let digits = u.toString(base);
  if (upper) digits = digits.toUpperCase();
  if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
  if (f.sharp) {
    if (base === 2) digits = '0b' + digits;
    else if (base === 8 && digits[0] !== '0') digits = '0' + digits;
    else if (base === 16) digits = '0' + (upper ? DIGITS_UPPER : DIGITS_LOWER)[16] + digits;
  }
  if (verb === 'O') digits = '0o' + digits;
  if (negative) digits = '-' + digits;
  else if (f.plus) digits = '+' + digits;
  else if (f.space) digits = ' ' + digits;
  return pad({ ...f, zero: false }, digits);
}

/** Go's fmt.fmtFloat: sign handling and zero padding after the sign. */
function fmtFloat(f: Flags, v: number, verb: string, defaultPrec: number): string {
  const prec = f.precPresent ? f.prec : defaultPrec;
  let num = formatFloat(v, verb, prec);
  if (num[0] !== '-' && num[0] !== '+') num = '+' + num;
  if (f.space && num[0] === '+' && !f.plus) num = ' ' + num.slice(1);
  if (num === '+Inf' || num === '-Inf' || num === '+NaN') {
    const g = { ...f, zero: false };
    if (num === '+NaN') num = f.plus ? '+NaN' : f.space ? ' NaN' : 'NaN';
    return pad(g, f.plus || num[0] !== '+' ? num : num.slice(1));
  }
  if (f.plus || num[0] !== '+') {
    if (f.zero && !f.minus && f.widPresent && f.wid > num.length) {
      return num[0] + '0'.repeat(f.wid - num.length) + num.slice(1);
    }
    return pad(f, num);
  }
  return pad(f, num.slice(1));
}

/** Go's fmt.truncate + padString: precision limits the runes printed. */
function fmtS(f: Flags, s: string): string {
  if (f.precPresent && runeCount(s) > f.prec) s = runes(s).slice(0, f.prec).join('');
  return pad(f, s);
}

function fmtQ(f: Flags, s: string): string {
  if (f.precPresent && runeCount(s) > f.prec) s = runes(s).slice(0, f.prec).join('');
  if (f.sharp && !s.includes('`') && !/[\x00-\x08\x0a-\x1f\x7f\ufeff]/.test(s)) return pad(f, '`' + s + '`');
  return pad(f, goQuote(s));
}

/** Go's %x / %X of a string: hex of its UTF-8 bytes. */
function fmtSx(f: Flags, s: string, upper: boolean): string {
  let bytes = Array.from(Buffer.from(s, 'utf8'));
  if (f.precPresent && bytes.length > f.prec) bytes = bytes.slice(0, f.prec);
  const digit = (b: number) => {
    const h = hex(b, 2);
    return upper ? h.toUpperCase() : h;
  };
  const prefix = upper ? '0X' : '0x';
  let out: string;
  if (f.space) out = bytes.map((b) => (f.sharp ? prefix : '') + digit(b)).join(' ');
  else out = (f.sharp && bytes.length > 0 ? prefix : '') + bytes.map(digit).join('');
  return pad(f, out);
}

/** The rune of a code point as Go converts an int to a rune: invalid ones become U+FFFD. */
function runeOf(cp: bigint): string {
  const n = cp >= 0n && cp <= 0x10ffffn && !(cp >= 0xd800n && cp <= 0xdfffn) ? Number(cp) : 0xfffd;
  return String.fromCodePoint(n);
}

function quoteChar(cp: bigint): string {
  return "'" + goQuoteRune(runeOf(cp), "'") + "'";
}

function badVerb(f: Flags, verb: string, arg: GoArg): string {
  // Go prints the argument with %v and the current flags.
  const shown = arg.type === '*big.Int' ? 'big.Int' : arg.type;
  return `%!${verb}(${shown}=${printArg(f, arg, 'v')})`;
}

function printInt(f: Flags, arg: GoArg & { v: bigint }, verb: string): string {
  const big = arg.type === '*big.Int';
  switch (verb) {
    case 'v':
    case 'd':
      return fmtInteger(f, arg.v, 10, verb, false);
    case 's':
      // *big.Int formats itself and accepts %s; an int does not.
      return big ? fmtInteger(f, arg.v, 10, verb, false) : badVerb(f, verb, arg);
    case 'b':
      return fmtInteger(f, arg.v, 2, verb, false);
    case 'o':
    case 'O':
      return fmtInteger(f, arg.v, 8, verb, false);
    case 'x':
      return fmtInteger(f, arg.v, 16, verb, false);
    case 'X':
      return fmtInteger(f, arg.v, 16, verb, true);
    case 'c':
      return big ? badVerb(f, verb, arg) : pad(f, runeOf(arg.v));
    case 'q':
      return big ? badVerb(f, verb, arg) : pad(f, quoteChar(arg.v));
    case 'U': {
      if (big) return badVerb(f, verb, arg);
      const u = arg.v < 0n ? arg.v + 2n ** 64n : arg.v;
      let s = 'U+' + u.toString(16).toUpperCase().padStart(f.precPresent ? Math.max(f.prec, 4) : 4, '0');
      if (f.sharp && u <= 0x10ffffn && GO_PRINTABLE.test(runeOf(u))) s += " '" + runeOf(u) + "'";
      return pad({ ...f, zero: false }, s);
    }
    default:
      return badVerb(f, verb, arg);
  }
}

function printArg(f: Flags, arg: GoArg, verb: string): string {
  if (verb === 'T') return fmtS(f, arg.type);
  switch (arg.type) {
    case 'int':
    case '*big.Int':
      return printInt(f, arg, verb);
    case 'float64':
      switch (verb) {
        case 'v':
          return fmtFloat(f, arg.v, 'g', -1);
        case 'b':
        case 'g':
        case 'G':
        case 'x':
        case 'X':
          return fmtFloat(f, arg.v, verb, -1);
        case 'f':
        case 'e':
        case 'E':
        case 'F':
          return fmtFloat(f, arg.v, verb, 6);
        default:
          return badVerb(f, verb, arg);
      }
    default:
      switch (verb) {
        case 'v':
          return f.sharpV ? fmtQ({ ...f, sharp: false }, arg.v) : fmtS(f, arg.v);
        case 's':
          return fmtS(f, arg.v);
        case 'x':
        case 'X':
          return fmtSx(f, arg.v, verb === 'X');
        case 'q':
          return fmtQ(f, arg.v);
        default:
          return badVerb(f, verb, arg);
      }
  }
}

/** Width or precision given as `*`: the argument must be an int (Go's intFromArg). */
function intFromArg(args: GoArg[], argNum: number): { n: number; ok: boolean; next: number } {
  if (argNum >= args.length) return { n: 0, ok: false, next: argNum };
  const a = args[argNum]!;
  if (a.type !== 'int') return { n: 0, ok: false, next: argNum + 1 };
  const tooLarge = a.v > 1_000_000n || a.v < -1_000_000n;
  return { n: tooLarge ? 0 : Number(a.v), ok: !tooLarge, next: argNum + 1 };
}

function parseDigits(format: string, i: number): { n: number; present: boolean; next: number } {
  let n = 0;
  let j = i;
  while (j < format.length && format[j]! >= '0' && format[j]! <= '9') {
    if (n > 1_000_000) return { n: 0, present: false, next: format.length }; // Go: overflow means no number
    n = n * 10 + (format.charCodeAt(j) - 48);
    j++;
  }
  return { n, present: j > i, next: j };
}

/** `%[n]` explicit argument index (Go's argNumber). */
function argIndex(format: string, i: number, argNum: number, numArgs: number) {
  if (i >= format.length || format[i] !== '[') return { argNum, i, found: false, ok: true };
  const close = format.indexOf(']', i + 1);
  if (close < 0) return { argNum, i: format.length, found: false, ok: false };
  const { n, present, next } = parseDigits(format, i + 1);
  if (!present || next !== close) return { argNum, i: close + 1, found: true, ok: false };
  if (n < 1 || n > numArgs) return { argNum, i: close + 1, found: true, ok: false };
  return { argNum: n - 1, i: close + 1, found: true, ok: true };
}

/** Go's fmt.Sprintf(format, args...) over Rego values passed as OPA passes them. */
export function goSprintf(format: string, values: Value[]): string {
  const args = values.map(toGoArg);
  let out = '';
  let argNum = 0;
  let reordered = false;
  const end = format.length;
  let i = 0;
  while (i < end) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const f = clearFlags();
    flags: for (; i < end; i++) {
      switch (format[i]) {
        case '#':
          f.sharp = true;
          break;
        case '0':
          f.zero = !f.minus;
          break;
        case '+':
          f.plus = true;
          break;
        case '-':
          f.minus = true;
          f.zero = false;
          break;
        case ' ':
          f.space = true;
          break;
        default:
          break flags;
      }
    }
    let goodArgNum = true;
    let ix = argIndex(format, i, argNum, args.length);
    argNum = ix.argNum;
    i = ix.i;
    goodArgNum &&= ix.ok;
    reordered ||= ix.found;
    let afterIndex = ix.found;

    // Width.
    if (i < end && format[i] === '*') {
      i++;
      const w = intFromArg(args, argNum);
      argNum = w.next;
      f.wid = w.n;
      f.widPresent = w.ok;
      if (!w.ok) out += '%!(BADWIDTH)';
      if (f.wid < 0) {
        f.wid = -f.wid;
        f.minus = true;
        f.zero = false;
      }
      afterIndex = false;
    } else {
      const w = parseDigits(format, i);
      f.wid = w.n;
      f.widPresent = w.present;
      i = w.next;
      if (afterIndex && f.widPresent) goodArgNum = false;
    }

    // Precision.
    if (i + 1 <= end && format[i] === '.') {
      i++;
      if (afterIndex) goodArgNum = false;
      ix = argIndex(format, i, argNum, args.length);
      argNum = ix.argNum;
      i = ix.i;
      goodArgNum &&= ix.ok;
      reordered ||= ix.found;
      afterIndex = ix.found;
      if (i < end && format[i] === '*') {
        i++;
        const p = intFromArg(args, argNum);
        argNum = p.next;
        f.prec = p.n;
        f.precPresent = p.ok;
        if (f.prec < 0) {
          f.prec = 0;
          f.precPresent = false;
        }
        if (!p.ok) out += '%!(BADPREC)';
        afterIndex = false;
      } else {
        const p = parseDigits(format, i);
        f.prec = p.n;
        f.precPresent = true;
        i = p.next;
      }
    }

    if (!afterIndex) {
      ix = argIndex(format, i, argNum, args.length);
      argNum = ix.argNum;
      i = ix.i;
      goodArgNum &&= ix.ok;
      reordered ||= ix.found;
    }

    if (i >= end) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;

    if (verb === '%') {
      out += '%';
    } else if (!goodArgNum) {
      out += `%!${verb}(BADINDEX)`;
    } else if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
    } else {
      if (verb === 'v') {
        // %#v is Go syntax; %+v only matters for structs (the plus flag is dropped).
        f.sharpV = f.sharp;
        f.sharp = false;
        f.plus = false;
      }
      out += printArg(f, args[argNum]!, verb);
      argNum++;
    }
  }
  if (!reordered && argNum < args.length) {
    const extra = args.slice(argNum).map((a) => `${a.type}=${printArg(clearFlags(), a, 'v')}`);
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}

export const builtins: BuiltinTable = {
  sprintf: (args) => goSprintf(str('sprintf', args, 1), arr('sprintf', args, 2)),
};
