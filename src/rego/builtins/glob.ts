/**
 * `glob.match` and `glob.quote_meta` with the semantics of gobwas/glob v1.0.0,
 * which OPA uses since its PR 9116: `*` matches any run of non-delimiter
 * characters, `**` any run at all, `?` one non-delimiter character, `[abc]`,
 * `[a-z]`, `[!…]` one character (delimiters included), `{a,b}` alternatives
 * (nestable; `,` and `}` are plain text outside braces), `\` escapes the next
 * character. The pattern is read as gobwas' syntax/lexer.go and parse.go read
 * it (so the same patterns are refused, with their reasons) and compiled once
 * to an anchored RE2 expression, which matches what gobwas' matchers match.
 *
 * Not verified: the wording around the reason (gobwas' SyntaxError text); the
 * reason itself is gobwas'.
 */
import RE2 from 're2';
import type { BuiltinTable } from './builtin.js';
import { BuiltinError } from './builtin.js';
import { builtinError, elementTypeError, str } from './operands.js';
import { typeName, type Value } from '../value.js';

const CACHE_LIMIT = 1000;
/** Compiled globs by pattern + delimiters. */
const cache = new Map<string, RE2>();

class GlobSyntaxError extends Error {}

/** A code point as an RE2 literal usable inside and outside classes. */
function lit(cp: number): string {
  return `\\x{${cp.toString(16)}}`;
}

const STAR = 0x2a;
const COMMA = 0x2c;
const QUESTION = 0x3f;
const BACKSLASH = 0x5c;
const OPEN_RANGE = 0x5b;
const CLOSE_RANGE = 0x5d;
const OPEN_TERMS = 0x7b;
const CLOSE_TERMS = 0x7d;
const NOT = 0x21;
const BETWEEN = 0x2d;

/** Translates a glob to an RE2 expression; throws GlobSyntaxError with gobwas' reason. */
function globToRegex(pattern: string, delimiters: number[]): string {
  const cps = Array.from(pattern, (c) => c.codePointAt(0)!);
  const notDelim = delimiters.length === 0 ? '(?s:.)' : `[^${delimiters.map(lit).join('')}]`;
  let out = '';
  let depth = 0; // open `{…}` groups
  let i = 0;

  /** lexer.go fetchText: literal characters up to a breaker, escapes resolved. */
  const text = (breaks: (cp: number) => boolean): number[] => {
    const data: number[] = [];
    while (i < cps.length) {
      let c = cps[i]!;
      if (c === BACKSLASH) {
        if (i + 1 >= cps.length) throw new GlobSyntaxError('trailing backslash');
        c = cps[++i]!;
      } else if (breaks(c)) break;
      data.push(c);
      i++;
    }
    return data;
  };

  /** lexer.go fetchRange + parse.go parseRange, after the `[`. */
  const range = (): string => {
    let not = false;
    const eof = () => new GlobSyntaxError('unexpected end of input');
    if (i >= cps.length) throw eof();
    if (cps[i] === NOT) {
      not = true;
      i++;
      if (i >= cps.length) throw eof();
    }
    const neg = not ? '^' : '';
    if (cps[i + 1] === BETWEEN) {
      // lo `-` hi: hi is whatever character comes next, then `]` must close.
      const lo = cps[i]!;
      i += 2;
      if (i >= cps.length) throw eof();
      const hi = cps[i++]!;
      if (i >= cps.length) throw eof();
      if (cps[i++] !== CLOSE_RANGE) throw new GlobSyntaxError('expected close range character');
      if (hi < lo) throw new GlobSyntaxError('range hi character is less than lo');
      return `[${neg}${lit(lo)}-${lit(hi)}]`;
    }
    const chars = text((c) => c === CLOSE_RANGE);
    if (i >= cps.length) throw eof();
    i++; // the `]`
    if (chars.length === 0) throw new GlobSyntaxError('could not parse range');
    return `[${neg}${chars.map(lit).join('')}]`;
  };

  while (i < cps.length) {
    const c = cps[i]!;
    if (c === OPEN_TERMS) {
      depth++;
      out += '(?:';
      i++;
    } else if (c === COMMA && depth > 0) {
      out += '|';
      i++;
    } else if (c === CLOSE_TERMS && depth > 0) {
      depth--;
      out += ')';
      i++;
    } else if (c === OPEN_RANGE) {
      i++;
      out += range();
    } else if (c === QUESTION) {
      out += notDelim;
      i++;
    } else if (c === STAR) {
      if (cps[i + 1] === STAR) {
        out += '(?s:.*)';
        i += 2;
      } else {
        out += notDelim + '*';
        i++;
      }
    } else {
      const inTerms = depth > 0;
      const chars = text((b) => b === QUESTION || b === STAR || b === OPEN_RANGE || b === OPEN_TERMS || (inTerms && (b === CLOSE_TERMS || b === COMMA)));
      out += chars.map(lit).join('');
    }
  }
  if (depth > 0) throw new GlobSyntaxError('unclosed `{`');
  return out;
}

function compileGlob(pattern: string, delimiters: number[]): RE2 {
  const key = pattern + '\u0000' + JSON.stringify(delimiters);
  if (cache.has(key)) return cache.get(key)!;
  const re = new RE2(`^(?:${globToRegex(pattern, delimiters)})$`, 'u');
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(key, re);
  return re;
}

/**
 * OPA's delimiters operand: null → none; [] → `.`; else builtins.RuneSliceOperand:
 * each member a string of exactly one character.
 */
function delimitersOperand(name: string, v: Value): number[] {
  if (v === null) return [];
  if (!Array.isArray(v)) throw new BuiltinError('eval_type_error', `${name}: operand 2 must be one of {array, null} but got ${typeName(v)}`);
  if (v.length === 0) return [0x2e];
  return v.map((d) => {
    if (typeof d !== 'string') throw elementTypeError(name, 2, v, d, 'string');
    const cp = d.codePointAt(0);
    if (cp === undefined || d.length !== (cp > 0xffff ? 2 : 1)) throw elementTypeError(name, 2, v, d, 'rune');
    return cp;
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
    let re: RE2;
    try {
      re = compileGlob(pattern, delimiters);
    } catch (e) {
      if (e instanceof GlobSyntaxError) throw builtinError(name, `syntax error in pattern: ${e.message}`);
      throw e;
    }
    return re.test(value);
  },

  'glob.quote_meta': (args) => quoteMeta(str('glob.quote_meta', args, 1)),
};
