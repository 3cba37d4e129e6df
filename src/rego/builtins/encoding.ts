/**
 * base64, base64url, hex and urlquery built-ins. Strings are encoded as their
 * UTF-8 bytes, as Go does; decoders follow Go's rules and error messages
 * (`illegal base64 data at input byte 4`, `invalid URL escape "%zz"`…).
 */
import type { BuiltinTable } from './builtin.js';
import { BuiltinError } from './builtin.js';
import { builtinError, obj, str } from './operands.js';
import { padBase64Url } from './go-base64.js';
import { queryUnescape } from './go-url.js';
import { goMarshal } from './json-text.js';
import { RegoSet, sortedEntries, compareStrings, ObjectBuilder, type Value } from '../value.js';

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

// ---------------------------------------------------------------------------
// base64 (Go's encoding/base64, non-strict decoding: CR and LF are ignored)

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function decodeMap(alphabet: string): Int16Array {
  const m = new Int16Array(256).fill(-1);
  for (let i = 0; i < alphabet.length; i++) m[alphabet.charCodeAt(i)] = i;
  return m;
}
const STD_MAP = decodeMap(STD);
const URL_MAP = decodeMap(URL);

/** Go's `(*Encoding).DecodeString` for a padded encoding; a number is the offset of the corrupt byte. */
function base64Decode(text: string, map: Int16Array): Buffer | number {
  const src = utf8(text);
  const out: number[] = [];
  let si = 0;
  const isNewline = (b: number | undefined) => b === 0x0a || b === 0x0d;
  for (;;) {
    const quantum: number[] = [];
    let done = false;
    for (let j = 0; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Buffer.from(out);
        return si - j; // a padded encoding needs whole quanta
      }
      const b = src[si++]!;
      const v = map[b]!;
      if (v >= 0) {
        quantum.push(v);
        continue;
      }
      if (isNewline(b)) {
        j--;
        continue;
      }
      if (b !== 0x3d /* = */ || j < 2) return si - 1;
      if (j === 2) {
        while (si < src.length && isNewline(src[si])) si++;
        if (si === src.length) return src.length;
        if (src[si] !== 0x3d) return si - 1;
        si++;
      }
      while (si < src.length && isNewline(src[si])) si++;
      if (si < src.length) return si; // trailing garbage
      done = true;
      break;
    }
    const [a = 0, b = 0, c = 0, d = 0] = quantum;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    const bytes = [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
    out.push(...bytes.slice(0, quantum.length - 1));
    if (done) return Buffer.from(out);
  }
}

function decodeOrThrow(name: string, text: string, map: Int16Array): string {
  const r = base64Decode(text, map);
  if (typeof r === 'number') throw builtinError(name, `illegal base64 data at input byte ${r}`);
  return r.toString('utf8');
}

// ---------------------------------------------------------------------------
// hex

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  return -1;
}

/** Go's `%#U` of a byte: `U+0067 'g'` (no quoted form for non-printable characters). */
function formatRune(b: number): string {
  const code = 'U+' + b.toString(16).toUpperCase().padStart(4, '0');
  const printable = (b >= 0x20 && b < 0x7f) || b >= 0xa1;
  return printable ? `${code} '${String.fromCharCode(b)}'` : code;
}

function hexDecode(name: string, text: string): string {
  const src = utf8(text);
  const out = Buffer.alloc(src.length >> 1);
  const invalid = (b: number) => builtinError(name, `encoding/hex: invalid byte: ${formatRune(b)}`);
  let j = 1;
  for (; j < src.length; j += 2) {
    const hi = hexValue(src[j - 1]!);
    if (hi < 0) throw invalid(src[j - 1]!);
    const lo = hexValue(src[j]!);
    if (lo < 0) throw invalid(src[j]!);
    out[j >> 1] = (hi << 4) | lo;
  }
  if (src.length % 2 === 1) {
    if (hexValue(src[j - 1]!) < 0) throw invalid(src[j - 1]!);
    throw builtinError(name, 'encoding/hex: odd length hex string');
  }
  return out.toString('utf8');
}

// ---------------------------------------------------------------------------
// urlquery (Go's net/url QueryEscape / QueryUnescape / Values)

/** Go's `url.QueryEscape`: only `A-Z a-z 0-9 - _ . ~` stay as they are; space becomes `+`. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of utf8(s)) {
    if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x5f || b === 0x2e || b === 0x7e) {
      out += String.fromCharCode(b);
    } else if (b === 0x20) out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Go's `url.ParseQuery`: every key maps to its values in order; the first error is reported. */
function parseQuery(name: string, query: string): Value {
  const values = new Map<string, string[]>();
  let firstError: string | undefined;
  for (const part of query.split('&')) {
    if (part.includes(';')) {
      // Go overwrites any earlier error with this one; escape errors only fill an empty slot.
      firstError = 'invalid semicolon separator in query';
      continue;
    }
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = queryUnescape(eq < 0 ? part : part.slice(0, eq));
    const value = queryUnescape(eq < 0 ? '' : part.slice(eq + 1));
    if (typeof key !== 'string') {
      firstError ??= key.error;
      continue;
    }
    if (typeof value !== 'string') {
      firstError ??= value.error;
      continue;
    }
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  if (firstError !== undefined) throw builtinError(name, firstError);
  const b = new ObjectBuilder();
  for (const [k, v] of values) b.set(k, v);
  return b.build();
}

/** Go's `url.Values.Encode` of an object of string / array of strings / set of strings. */
function encodeObject(name: string, args: Value[]): string {
  const o = obj(name, args, 1);
  const wrong = () => new BuiltinError('eval_type_error', `${name}: operand 1 values must be string, array[string], or set[string]`);
  const pairs: [string, string[]][] = [];
  for (const [key, v] of sortedEntries(o)) {
    // ast.JSON turns a key that is not a string into its JSON text.
    const k = typeof key === 'string' ? key : goMarshal(key);
    let list: Value[];
    if (typeof v === 'string') list = [v];
    else if (Array.isArray(v)) list = v;
    else if (v instanceof RegoSet) list = v.sorted();
    else throw wrong();
    if (!list.every((x): x is string => typeof x === 'string')) throw wrong();
    pairs.push([k, list]);
  }
  pairs.sort((a, b) => compareStrings(a[0], b[0]));
  const parts: string[] = [];
  for (const [k, list] of pairs) for (const v of list) parts.push(`${queryEscape(k)}=${queryEscape(v)}`);
  return parts.join('&');
}

// ---------------------------------------------------------------------------

export const builtins: BuiltinTable = {
  'base64.encode': (args) => utf8(str('base64.encode', args, 1)).toString('base64'),
  'base64.decode': (args) => decodeOrThrow('base64.decode', str('base64.decode', args, 1), STD_MAP),
  // Any operand: a non-string is simply not valid base64 (no type error), as in OPA.
  'base64.is_valid': ([v]) => typeof v === 'string' && typeof base64Decode(v, STD_MAP) !== 'number',

  'base64url.encode': (args) => utf8(str('base64url.encode', args, 1)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_'),
  'base64url.encode_no_pad': (args) => utf8(str('base64url.encode_no_pad', args, 1)).toString('base64url'),
  'base64url.decode': (args) => {
    const name = 'base64url.decode';
    const s = str(name, args, 1);
    // Unpadded input is accepted (RFC 7515 appendix C), as OPA does.
    const padded = padBase64Url(s);
    if (padded === undefined) throw builtinError(name, `illegal base64url string: ${s}`);
    return decodeOrThrow(name, padded, URL_MAP);
  },

  'hex.encode': (args) => utf8(str('hex.encode', args, 1)).toString('hex'),
  'hex.decode': (args) => hexDecode('hex.decode', str('hex.decode', args, 1)),

  'urlquery.encode': (args) => queryEscape(str('urlquery.encode', args, 1)),
  'urlquery.decode': (args) => {
    const r = queryUnescape(str('urlquery.decode', args, 1));
    if (typeof r !== 'string') throw builtinError('urlquery.decode', r.error);
    return r;
  },
  'urlquery.encode_object': (args) => encodeObject('urlquery.encode_object', args),
  'urlquery.decode_object': (args) => parseQuery('urlquery.decode_object', str('urlquery.decode_object', args, 1)),
};
