/**
 * `regex.*` built-ins. Patterns use RE2 syntax through the `re2` package, as OPA
 * uses Go's regexp (also RE2): linear-time matching, no backreferences.
 *
 * The `re2` package follows JavaScript's RegExp API, so Go's "all matches" loop
 * (empty matches right after a match are skipped) and Go's `$name` replacement
 * expansion are re-implemented here on top of `exec` with `lastIndex`.
 */
import RE2 from 're2';
import type { BuiltinTable } from './builtin.js';
import { builtinError, int, str } from './operands.js';
import type { Value } from '../value.js';
import { globsIntersect } from './regex-globs.js';
import { goQuote } from './go-quote.js';

// ---------------------------------------------------------------------------
// Compilation and cache

/** Compiled patterns by source, bounded so that dynamic patterns cannot grow memory without limit. */
const CACHE_LIMIT = 1000;
const cache = new Map<string, RE2>();

/** C++ RE2 error texts → Go's regexp/syntax error codes (OPA reports Go's wording). */
const GO_ERROR_TEXT: [string, string][] = [
  ['missing ]', 'missing closing ]'],
  ['missing )', 'missing closing )'],
  ['unexpected )', 'unexpected )'],
  ['bad repetition operator', 'invalid nested repetition operator'],
  ['trailing \\', 'trailing backslash at end of expression'],
  ['invalid repetition size', 'invalid repeat count'],
  ['invalid named capture group', 'invalid named capture'],
  ['invalid perl operator', 'invalid or unsupported Perl syntax'],
  ['missing argument to repetition operator', 'missing argument to repetition operator'],
  ['invalid character class range', 'invalid character class range'],
  ['invalid character class', 'invalid character class'],
  ['invalid escape sequence', 'invalid escape sequence'],
  ['invalid UTF-8', 'invalid UTF-8'],
];

/** Formats a compile failure as Go does: "error parsing regexp: missing closing ]: `[`". */
function goParseError(message: string): string {
  for (const [cpp, go] of GO_ERROR_TEXT) {
    if (message === cpp || message.startsWith(cpp + ': ')) {
      const expr = message === cpp ? '' : message.slice(cpp.length + 2);
      return `error parsing regexp: ${go}: \`${expr}\``;
    }
  }
  return `error parsing regexp: ${message}`;
}

export type CompileResult = { ok: true; re: RE2 } | { ok: false; message: string };

/**
 * Compiles an RE2 pattern (cached). The regex carries the `g` flag so that
 * `lastIndex` positions searches; callers always set `lastIndex` before `exec`.
 */
export function tryCompileRegex(pattern: string): CompileResult {
  const hit = cache.get(pattern);
  if (hit) return { ok: true, re: hit };
  if (pattern.includes('\\C') && hasAnyByteEscape(pattern)) {
    return { ok: false, message: 'error parsing regexp: invalid escape sequence: `\\C`' };
  }
  let re: RE2;
  try {
    re = new RE2(pattern, 'gu');
  } catch (e) {
    return { ok: false, message: goParseError(e instanceof Error ? e.message : String(e)) };
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(pattern, re);
  return { ok: true, re };
}

/**
 * Whether the pattern uses `\C` (any byte), which C++ RE2 takes and Go's
 * regexp/syntax refuses as an invalid escape. `\Q…\E` text is literal.
 */
function hasAnyByteEscape(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== '\\') continue;
    const next = pattern[++i];
    if (next === 'C') return true;
    if (next === 'Q') {
      const end = pattern.indexOf('\\E', i + 1);
      if (end < 0) return false;
      i = end + 1;
    }
  }
  return false;
}

/** Compiles or throws OPA's `eval_builtin_error` (`NAME: error parsing regexp: …`). */
export function compileRegex(name: string, pattern: string): RE2 {
  const r = tryCompileRegex(pattern);
  if (!r.ok) throw builtinError(name, r.message);
  return r.re;
}

// ---------------------------------------------------------------------------
// Go's matching loops

/** One match: its bounds (UTF-16 indexes) and its groups (undefined when a group did not take part). */
interface Match {
  start: number;
  end: number;
  groups: (string | undefined)[];
  named: Record<string, string | undefined> | undefined;
}

function execAt(re: RE2, s: string, pos: number): Match | null {
  re.lastIndex = pos;
  const m = re.exec(s);
  if (m === null) return null;
  return { start: m.index, end: m.index + m[0].length, groups: Array.from(m), named: m.groups };
}

/** Width of the character at `pos` in UTF-16 units (Go advances by one rune). */
function runeWidth(s: string, pos: number): number {
  const c = s.charCodeAt(pos);
  return c >= 0xd800 && c <= 0xdbff && pos + 1 < s.length ? 2 : 1;
}

/** Go's `allMatches`: successive matches, skipping an empty match that abuts the previous one; n < 0 means all. */
export function findAll(re: RE2, s: string, n: number): Match[] {
  const out: Match[] = [];
  let pos = 0;
  let prevEnd = -1;
  while ((n < 0 || out.length < n) && pos <= s.length) {
    const m = execAt(re, s, pos);
    if (m === null) break;
    let accept = true;
    if (m.end === pos) {
      if (m.start === prevEnd) accept = false;
      pos += pos < s.length ? runeWidth(s, pos) : 1;
    } else {
      pos = m.end;
    }
    prevEnd = m.end;
    if (accept) out.push(m);
  }
  return out;
}

/** Go's `Regexp.ReplaceAllString`: `$1`, `${1}`, `$name`, `${name}`, `$$` in the template. */
export function replaceAll(re: RE2, src: string, template: string): string {
  let out = '';
  let lastEnd = 0;
  let pos = 0;
  while (pos <= src.length) {
    const m = execAt(re, src, pos);
    if (m === null) break;
    out += src.slice(lastEnd, m.start);
    // No replacement for an empty match right after another match (Go avoids double replacement).
    if (m.end > lastEnd || m.start === 0) out += expand(template, m);
    lastEnd = m.end;
    const width = pos < src.length ? runeWidth(src, pos) : 0;
    if (pos + width > m.end) pos += width;
    else if (pos + 1 > m.end) pos++;
    else pos = m.end;
  }
  return out + src.slice(lastEnd);
}

const NAME_CHAR = /[A-Za-z0-9_]/;

/**
 * Go's `Regexp.expand`: `$name` takes the longest run of letters, digits and `_`
 * (so `$1x` names group "1x", which does not exist and expands to ""); `${name}`
 * delimits it; `$$` is a dollar; a malformed `$` is copied as is.
 */
function expand(template: string, m: Match): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const d = template.indexOf('$', i);
    if (d < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, d);
    i = d + 1;
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name = '';
    if (template[i] === '{') {
      const close = template.indexOf('}', i + 1);
      const inner = close < 0 ? '' : template.slice(i + 1, close);
      if (inner !== '' && /^[A-Za-z0-9_]+$/.test(inner)) {
        name = inner;
        i = close + 1;
      }
    } else {
      let j = i;
      while (j < template.length && NAME_CHAR.test(template[j]!)) j++;
      name = template.slice(i, j);
      i = j;
    }
    if (name === '') {
      out += '$'; // malformed: keep the dollar, continue after it
      continue;
    }
    out += groupText(name, m);
  }
  return out;
}

function groupText(name: string, m: Match): string {
  if (/^[0-9]+$/.test(name)) {
    const k = Number(name);
    return (k < m.groups.length ? m.groups[k] : undefined) ?? '';
  }
  return m.named?.[name] ?? '';
}

/** Go's `Regexp.Split(s, -1)`. */
function split(re: RE2, pattern: string, s: string): string[] {
  if (pattern.length > 0 && s.length === 0) return [''];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of findAll(re, s, -1)) {
    end = m.start;
    if (m.end !== 0) out.push(s.slice(beg, end));
    beg = m.end;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

// ---------------------------------------------------------------------------
// regex.template_match

/**
 * OPA's `regex.template_match(template, value, delimiter_start, delimiter_end)`
 * (its internal/regexp/template.go, from ory/ladon): the template is literal
 * text with regular expressions between single-byte delimiters, e.g.
 * `urn:foo:{.*}` with `{` and `}`; nested delimiters are balanced.
 */
function templateToRegex(name: string, template: string, open: number, close: number): string {
  const unbalanced = () => builtinError(name, `unbalanced braces in ${goQuote(template)}`);
  const bounds: number[] = [];
  let level = 0;
  let idx = 0;
  for (let i = 0; i < template.length; i++) {
    const c = template.charCodeAt(i);
    if (c === open) {
      if (++level === 1) idx = i;
    } else if (c === close) {
      if (--level === 0) bounds.push(idx, i + 1);
      else if (level < 0) throw unbalanced();
    }
  }
  if (level !== 0) throw unbalanced();
  let out = '^';
  let end = 0;
  for (let i = 0; i < bounds.length; i += 2) {
    const raw = template.slice(end, bounds[i]);
    end = bounds[i + 1]!;
    const inner = template.slice(bounds[i]! + 1, end - 1);
    compileRegex(name, `^${inner}$`); // each variable must be valid on its own, as in OPA
    out += `${quoteMeta(raw)}(${inner})`;
  }
  return out + quoteMeta(template.slice(end)) + '$';
}

/**
 * A delimiter must be exactly one byte (OPA compares bytes). OPA's message for a
 * bad end delimiter reports the start delimiter's length; so do we.
 */
function delimiters(name: string, open: string, close: string): [number, number] {
  const openLen = Buffer.byteLength(open, 'utf8');
  if (openLen !== 1) throw builtinError(name, `start delimiter has to be exactly one character long but is ${openLen} long`);
  if (Buffer.byteLength(close, 'utf8') !== 1) throw builtinError(name, `end delimiter has to be exactly one character long but is ${openLen} long`);
  return [open.charCodeAt(0), close.charCodeAt(0)];
}

/** Go's `regexp.QuoteMeta`. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

// ---------------------------------------------------------------------------
// The table

function matches(name: string, args: Value[]): boolean {
  const pattern = str(name, args, 1);
  const value = str(name, args, 2);
  const re = compileRegex(name, pattern);
  re.lastIndex = 0;
  return re.test(value);
}

export const builtins: BuiltinTable = {
  'regex.match': (args) => matches('regex.match', args),
  // Deprecated alias kept for v0 policies.
  re_match: (args) => matches('re_match', args),

  'regex.is_valid': (args) => {
    const p = args[0];
    return typeof p === 'string' && tryCompileRegex(p).ok;
  },

  'regex.find_n': (args) => {
    const name = 'regex.find_n';
    const pattern = str(name, args, 1);
    const value = str(name, args, 2);
    const n = int(name, args, 3);
    const re = compileRegex(name, pattern);
    return findAll(re, value, n).map((m) => value.slice(m.start, m.end));
  },

  'regex.find_all_string_submatch_n': (args) => {
    const name = 'regex.find_all_string_submatch_n';
    const pattern = str(name, args, 1);
    const value = str(name, args, 2);
    const n = int(name, args, 3);
    const re = compileRegex(name, pattern);
    return findAll(re, value, n).map((m) => m.groups.map((g) => g ?? ''));
  },

  'regex.replace': (args) => {
    const name = 'regex.replace';
    const base = str(name, args, 1);
    const pattern = str(name, args, 2);
    const template = str(name, args, 3);
    return replaceAll(compileRegex(name, pattern), base, template);
  },

  'regex.split': (args) => {
    const name = 'regex.split';
    const pattern = str(name, args, 1);
    const value = str(name, args, 2);
    return split(compileRegex(name, pattern), pattern, value);
  },

  'regex.template_match': (args) => {
    const name = 'regex.template_match';
    const template = str(name, args, 1);
    const value = str(name, args, 2);
    const open = str(name, args, 3);
    const close = str(name, args, 4);
    const re = compileRegex(name, templateToRegex(name, template, ...delimiters(name, open, close)));
    re.lastIndex = 0;
    return re.test(value);
  },

  'regex.globs_match': (args) => {
    const name = 'regex.globs_match';
    const a = str(name, args, 1);
    const b = str(name, args, 2);
    const r = globsIntersect(a, b);
    if (typeof r === 'string') throw builtinError(name, r);
    return r;
  },
};
