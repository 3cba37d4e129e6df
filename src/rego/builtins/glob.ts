/**
 * `glob.match` and `glob.quote_meta` with the semantics of gobwas/glob, which
 * OPA uses: `*` matches any run of non-delimiter characters, `**` any run at
 * all, `?` one non-delimiter character, `[abc]` `[a-z]` `[!a-z]` one character
 * (delimiters included), `{a,b}` alternatives (nestable), `\` escapes the next
 * character. A glob is compiled once to an anchored RE2 expression and cached.
 */
import RE2 from 're2';
import type { BuiltinTable } from './builtin.js';
import { BuiltinError } from './builtin.js';
import { builtinError, str } from './operands.js';
import { typeName, type Value } from '../value.js';

const CACHE_LIMIT = 1000;
/** Compiled globs by pattern + delimiters; `null` for a glob that can never match. */
const cache = new Map<string, RE2 | null>();

class GlobSyntaxError extends Error {}

/** A code point as an RE2 literal usable inside and outside classes. */
function lit(cp: number): string {
  return `\\x{${cp.toString(16)}}`;
}

/**
 * Translates a glob to an RE2 expression. Returns null for a pattern ending in a
 * lone backslash (it matches nothing). Throws GlobSyntaxError on a malformed glob.
 */
function globToRegex(pattern: string, delimiters: number[]): string | null {
  const cps = Array.from(pattern, (c) => c.codePointAt(0)!);
  const notDelim = delimiters.length === 0 ? '(?s:.)' : `[^${delimiters.map(lit).join('')}]`;
  let out = '';
  let depth = 0; // nesting of `{…}`
  let i = 0;
  while (i < cps.length) {
    const c = String.fromCodePoint(cps[i]!);
    switch (c) {
      case '\\':
        if (i + 1 >= cps.length) return null;
        out += lit(cps[i + 1]!);
        i += 2;
        continue;
      case '*':
        if (cps[i + 1] === 0x2a) {
          out += '(?s:.*)';
          i += 2;
        } else {
          out += notDelim + '*';
          i++;
        }
        continue;
      case '?':
        out += notDelim;
        i++;
        continue;
      case '[':
        i = charClass(cps, i + 1, (cls) => (out += cls));
        continue;
      case '{':
        depth++;
        out += '(?:';
        i++;
        continue;
      case '}':
        if (depth > 0) {
          depth--;
          out += ')';
        } else out += lit(cps[i]!);
        i++;
        continue;
      case ',':
        out += depth > 0 ? '|' : lit(cps[i]!);
        i++;
        continue;
      default:
        out += lit(cps[i]!);
        i++;
    }
  }
  if (depth > 0) throw new GlobSyntaxError('unexpected end of input');
  return out;
}

/** Parses `[…]` starting after the `[`; emits an RE2 class; returns the index after `]`. */
function charClass(cps: number[], from: number, emit: (cls: string) => void): number {
  let i = from;
  let negate = false;
  if (cps[i] === 0x21 /* ! */) {
    negate = true;
    i++;
  }
  const items: string[] = [];
  const readChar = (): number => {
    if (i >= cps.length) throw new GlobSyntaxError('unexpected end of input');
    let c = cps[i]!;
    if (c === 0x5c) {
      if (i + 1 >= cps.length) throw new GlobSyntaxError('unexpected end of input');
      c = cps[++i]!;
    }
    i++;
    return c;
  };
  for (;;) {
    if (i >= cps.length) throw new GlobSyntaxError('unexpected end of input');
    if (cps[i] === 0x5d && items.length > 0) break;
    if (cps[i] === 0x5d) throw new GlobSyntaxError('empty character class');
    const lo = readChar();
    if (cps[i] === 0x2d && cps[i + 1] !== 0x5d) {
      i++;
      const hi = readChar();
      if (hi < lo) throw new GlobSyntaxError('invalid character range');
      items.push(`${lit(lo)}-${lit(hi)}`);
    } else items.push(lit(lo));
  }
  emit(`[${negate ? '^' : ''}${items.join('')}]`);
  return i + 1;
}

function compileGlob(pattern: string, delimiters: number[]): RE2 | null {
  const key = pattern + '\u0000' + JSON.stringify(delimiters);
  if (cache.has(key)) return cache.get(key)!;
  const source = globToRegex(pattern, delimiters);
  const re = source === null ? null : new RE2(`^(?:${source})$`, 'u');
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(key, re);
  return re;
}

/** OPA's delimiters operand: null → none; [] → `.`; else one rune per string (other strings give rune 0, as OPA). */
function delimitersOperand(name: string, v: Value): number[] {
  if (v === null) return [];
  if (!Array.isArray(v)) throw new BuiltinError('eval_type_error', `${name}: operand 2 must be one of {array, null} but got ${typeName(v)}`);
  if (v.length === 0) return [0x2e];
  return v.map((d, k) => {
    if (typeof d !== 'string') throw new BuiltinError('eval_type_error', `${name}: operand ${k} must be array of string but got ${typeName(d)}`);
    const cps = Array.from(d);
    return cps.length === 1 ? cps[0]!.codePointAt(0)! : 0;
  });
}

/** gobwas/glob's QuoteMeta: a backslash before each special character. */
function quoteMeta(s: string): string {
  return s.replace(/[*?\\[\]{}]/g, '\\$&');
}

export const builtins: BuiltinTable = {
  'glob.match': (args) => {
    const name = 'glob.match';
    const pattern = str(name, args, 1);
    const delimiters = delimitersOperand(name, args[1]!);
    const value = str(name, args, 3);
    let re: RE2 | null;
    try {
      re = compileGlob(pattern, delimiters);
    } catch (e) {
      if (e instanceof GlobSyntaxError) throw builtinError(name, `syntax error in pattern: ${e.message}`);
      throw e;
    }
    return re !== null && re.test(value);
  },

  'glob.quote_meta': (args) => quoteMeta(str('glob.quote_meta', args, 1)),
};
