/**
 * String built-ins with Go's semantics: indexes and counts are in runes (code
 * points), case mapping is per character, whitespace is Go's unicode.IsSpace.
 */
import type { BuiltinTable } from './builtin.js';
import { BuiltinError } from './builtin.js';
import { builtinError, elementTypeError, int, num, obj, str, typeError } from './operands.js';
import { asBigInt } from './numbers.js';
import { isBmp, runeCount, runeIndex, runes } from './runes.js';
import { equals, RegoNumber, RegoSet, sortedEntries, type Value } from '../value.js';

/** Strings of a string/array/set operand (OPA's StringSliceOperand; sets in sorted order). */
function stringList(name: string, args: Value[], pos: number, allowString: boolean): string[] {
  const v = args[pos - 1]!;
  if (allowString && typeof v === 'string') return [v];
  let items: Value[];
  if (Array.isArray(v)) items = v;
  else if (v instanceof RegoSet) items = v.sorted();
  else throw typeError(name, pos, allowString ? 'one of {string, set, array}' : 'one of {set, array}', v);
  for (const x of items) if (typeof x !== 'string') throw elementTypeError(name, pos, v, x, 'string');
  return items as string[];
}

function concat(args: Value[]): Value {
  const delim = str('concat', args, 1);
  return stringList('concat', args, 2, false).join(delim);
}

/** Rune index of the first occurrence of `search` in `base`, or -1. */
function indexOf(args: Value[]): Value {
  const base = str('indexof', args, 1);
  const search = str('indexof', args, 2);
  if (search === '') throw builtinError('indexof', 'empty search character');
  const i = base.indexOf(search);
  return i <= 0 || isBmp(base) ? i : runeIndex(base, i);
}

/** Rune indexes of every (possibly overlapping) occurrence. */
function indexOfN(args: Value[]): Value {
  const base = str('indexof_n', args, 1);
  const search = str('indexof_n', args, 2);
  if (search === '') throw builtinError('indexof_n', 'empty search character');
  const bmp = isBmp(base);
  const out: Value[] = [];
  for (let i = base.indexOf(search); i >= 0; i = base.indexOf(search, i + 1)) {
    out.push(bmp ? i : runeIndex(base, i));
  }
  return out;
}

/**
 * Go's unicode.ToUpper/ToLower map one rune to one rune; JavaScript's full case
 * mapping may give several (ß → SS). Keep the rune (upper) or the first rune
 * (lower: İ → i) in that case, as Go's simple mapping does.
 */
function mapCase(s: string, upper: boolean): string {
  if (isAscii(s)) return upper ? s.toUpperCase() : s.toLowerCase();
  let out = '';
  for (const c of s) {
    const m = upper ? c.toUpperCase() : c.toLowerCase();
    if (runeCount(m) === 1) out += m;
    else out += upper ? c : String.fromCodePoint(m.codePointAt(0)!);
  }
  return out;
}

/** Only ASCII characters (a loop: cheaper than a regex call for the short labels policies map). */
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Go's strings.Replace(s, old, new, -1): an empty `old` matches before every rune and at the end. */
export function replaceAll(s: string, old: string, replacement: string): string {
  if (old === '') return replacement + runes(s).map((r) => r + replacement).join('');
  return s.split(old).join(replacement);
}

/** Go's strings.SplitN (n < 0: all; n == 0: none; an empty separator splits into runes). */
export function splitN(s: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  if (sep === '') {
    const rs = runes(s);
    if (n < 0 || n >= rs.length) return rs;
    return [...rs.slice(0, n - 1), rs.slice(n - 1).join('')];
  }
  const parts = s.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

function substring(args: Value[]): Value {
  const base = str('substring', args, 1);
  const start = int('substring', args, 2);
  const length = int('substring', args, 3);
  if (start < 0) throw builtinError('substring', 'negative offset');
  if (isBmp(base)) {
    if (start >= base.length) return '';
    return length < 0 ? base.slice(start) : base.slice(start, start + length);
  }
  const rs = runes(base);
  if (start >= rs.length) return '';
  return (length < 0 ? rs.slice(start) : rs.slice(start, start + length)).join('');
}

/** Go's unicode.IsSpace. */
function isSpace(c: string): boolean {
  switch (c) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case '\u0085':
    case '\u00a0':
    case '\u1680':
    case '\u2028':
    case '\u2029':
    case '\u202f':
    case '\u205f':
    case '\u3000':
      return true;
    default:
      return c >= '\u2000' && c <= '\u200a';
  }
}

/** Trims runes matching `drop` from the chosen ends (Go's TrimLeftFunc/TrimRightFunc). */
function trimRunes(s: string, drop: (r: string) => boolean, left: boolean, right: boolean): string {
  const rs = runes(s);
  let i = 0;
  let j = rs.length;
  if (left) while (i < j && drop(rs[i]!)) i++;
  if (right) while (j > i && drop(rs[j - 1]!)) j--;
  return i === 0 && j === rs.length ? s : rs.slice(i, j).join('');
}

function trimCutset(name: string, left: boolean, right: boolean) {
  return (args: Value[]): Value => {
    const s = str(name, args, 1);
    const cut = new Set(runes(str(name, args, 2)));
    return trimRunes(s, (r) => cut.has(r), left, right);
  };
}

/** Go's %b / %o / %d / %x of the integer part (truncated toward zero). */
function formatInt(args: Value[]): Value {
  const n = num('format_int', args, 1);
  const base = num('format_int', args, 2);
  // OPA compares the base's text: `16.0` is none of "2", "8", "10", "16".
  const radix = args[1] instanceof RegoNumber ? undefined : [2, 8, 10, 16].find((b) => equals(b, base));
  if (radix === undefined) throw new BuiltinError('eval_type_error', 'format_int: operand 2 must be one of {2, 8, 10, 16}');
  const whole = asBigInt(n) ?? BigInt(Math.trunc(n as number));
  return whole.toString(radix);
}

/**
 * Go's strings.NewReplacer over the pattern object's entries in key order: at
 * each position the first pattern (in that order) that matches is replaced.
 */
function replaceN(args: Value[]): Value {
  const patterns = obj('strings.replace_n', args, 1);
  const s = str('strings.replace_n', args, 2);
  // As OPA: keys in Rego order, each key then its value checked in that order.
  const pairs: [string, string][] = [];
  for (const [k, v] of sortedEntries(patterns)) {
    if (typeof k !== 'string') throw new BuiltinError('eval_type_error', 'strings.replace_n: operand 1 non-string key found in pattern object');
    if (typeof v !== 'string') throw new BuiltinError('eval_type_error', 'strings.replace_n: operand 1 non-string value found in pattern object');
    pairs.push([k, v]);
  }
  if (pairs.length === 0) return s;
  let out = '';
  let i = 0;
  for (;;) {
    const hit = pairs.find(([old]) => s.startsWith(old, i));
    if (hit !== undefined) {
      out += hit[1];
      if (hit[0] !== '') {
        i += hit[0].length;
        continue;
      }
    }
    if (i >= s.length) break;
    // No match (or an empty pattern): copy one rune and move on.
    const cp = s.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    out += s.slice(i, i + width);
    i += width;
  }
  return out;
}

/** Go's strings.Count: non-overlapping occurrences; an empty substring counts rune boundaries. */
function countSubstrings(args: Value[]): Value {
  const s = str('strings.count', args, 1);
  const sub = str('strings.count', args, 2);
  if (sub === '') return runeCount(s) + 1;
  return s.split(sub).length - 1;
}

function anyMatch(name: string, test: (s: string, affix: string) => boolean) {
  return (args: Value[]): Value => {
    const strs = stringList(name, args, 1, true);
    const affixes = stringList(name, args, 2, true);
    return strs.some((s) => affixes.some((a) => test(s, a)));
  };
}

export const builtins: BuiltinTable = {
  concat,
  contains: (args) => str('contains', args, 1).includes(str('contains', args, 2)),
  startswith: (args) => str('startswith', args, 1).startsWith(str('startswith', args, 2)),
  endswith: (args) => str('endswith', args, 1).endsWith(str('endswith', args, 2)),
  format_int: formatInt,
  indexof: indexOf,
  indexof_n: indexOfN,
  lower: (args) => mapCase(str('lower', args, 1), false),
  upper: (args) => mapCase(str('upper', args, 1), true),
  replace: (args) => replaceAll(str('replace', args, 1), str('replace', args, 2), str('replace', args, 3)),
  split: (args) => splitN(str('split', args, 1), str('split', args, 2), -1),
  substring,
  trim: trimCutset('trim', true, true),
  trim_left: trimCutset('trim_left', true, false),
  trim_right: trimCutset('trim_right', false, true),
  trim_prefix: (args) => {
    const s = str('trim_prefix', args, 1);
    const p = str('trim_prefix', args, 2);
    return s.startsWith(p) ? s.slice(p.length) : s;
  },
  trim_suffix: (args) => {
    const s = str('trim_suffix', args, 1);
    const p = str('trim_suffix', args, 2);
    return p !== '' && s.endsWith(p) ? s.slice(0, s.length - p.length) : s;
  },
  trim_space: (args) => trimRunes(str('trim_space', args, 1), isSpace, true, true),
  'strings.any_prefix_match': anyMatch('strings.any_prefix_match', (s, a) => s.startsWith(a)),
  'strings.any_suffix_match': anyMatch('strings.any_suffix_match', (s, a) => s.endsWith(a)),
  'strings.count': countSubstrings,
  'strings.replace_n': replaceN,
  'strings.reverse': (args) => runes(str('strings.reverse', args, 1)).reverse().join(''),
  'strings.split_n': (args) => splitN(str('strings.split_n', args, 1), str('strings.split_n', args, 2), int('strings.split_n', args, 3)),
};
