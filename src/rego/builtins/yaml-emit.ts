/**
 * `yaml.marshal`'s text, as OPA makes it: the value's JSON is read back by
 * go-yaml v2 (sigs.k8s.io/yaml's JSONToYAML) and written by go-yaml v2's
 * emitter (libyaml's algorithm). So, as there:
 * - keys sort in go-yaml's "natural" order (non-letters before letters, digit
 *   runs by value: `a2` < `a10`);
 * - a string that would read back as another type (`yes`, `1`, `2001-12-14`,
 *   `~`, `""`) is double-quoted; one that cannot be plain (`- x`, `a: b`, `#x`)
 *   is single-quoted; one that cannot be single-quoted (tabs, non-BMP runes,
 *   spaces around line breaks) is double-quoted with escapes (`\t`, `\U0001F600`);
 *   a string with line breaks is a literal block (`|-`, `|`, `|+`);
 * - numbers are go-yaml's ints (int64, uint64) or floats (`%g`: `1.5e+06`);
 * - plain and quoted scalars fold at spaces past column 80; sequences inside
 *   mappings are not indented; empty collections are `{}` and `[]`.
 * The npm `yaml` package, used for parsing, has its own different rules for all of these.
 */
import { formatFloat } from './gofloat.js';
import { parsesWithAny } from './time-layout.js';
import { formatNumber, isNumber, type RegoNumber, type Value } from '../value.js';

const BEST_WIDTH = 80;
const BEST_INDENT = 2;

// ---------------------------------------------------------------------------
// go-yaml v2's resolve: what a plain scalar would read back as.

const RESOLVE_MAP = new Set([
  'y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON',
  'n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF',
  '', '~', 'null', 'Null', 'NULL',
  '.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF', '<<',
]);
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const TIMESTAMP_LAYOUTS = ['2006-1-2T15:4:5.999999999Z07:00', '2006-1-2t15:4:5.999999999Z07:00', '2006-1-2 15:4:5.999999999', '2006-1-2'];
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

/**
 * Go's strconv.ParseInt/ParseUint with base 0 (sign only when signed; 0x, 0o,
 * 0b, leading-0 octal): the value, 'range' when well formed but too large, or undefined.
 */
function goParseInt(s: string, signed: boolean): bigint | 'range' | undefined {
  let sign = 1n;
  let body = s;
  if (signed && (body[0] === '+' || body[0] === '-')) {
    if (body[0] === '-') sign = -1n;
    body = body.slice(1);
  }
  let digits: RegExp;
  let prefix = '';
  if (/^0[xX]/.test(body)) [digits, prefix, body] = [/^[0-9a-fA-F]+$/, '0x', body.slice(2)];
  else if (/^0[oO]/.test(body)) [digits, prefix, body] = [/^[0-7]+$/, '0o', body.slice(2)];
  else if (/^0[bB]/.test(body)) [digits, prefix, body] = [/^[01]+$/, '0b', body.slice(2)];
  else if (body.length > 1 && body[0] === '0') [digits, prefix, body] = [/^[0-7]+$/, '0o', body.slice(1)];
  else digits = /^[0-9]+$/;
  if (!digits.test(body)) return undefined;
  const n = sign * BigInt(prefix + body);
  if (signed ? n < INT64_MIN || n > INT64_MAX : n > UINT64_MAX) return 'range';
  return n;
}

function isTimestamp(s: string): boolean {
  if (!/^[0-9]{4}-/.test(s)) return false;
  return parsesWithAny(TIMESTAMP_LAYOUTS, s);
}

type Resolved = { tag: 'str' } | { tag: 'int'; value: bigint } | { tag: 'float'; value: number } | { tag: 'other' };

function resolve(s: string): Resolved {
  const c = s === '' ? 'N' : s[0]!;
  const hint = /[-+0-9]/.test(c) ? 'D' : 'yYnNtTfFoO~N'.includes(c) ? 'M' : c === '.' ? '.' : '';
  if (hint === '') return { tag: 'str' };
  if (RESOLVE_MAP.has(s)) return { tag: 'other' };
  if (hint === '.') return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s) && Number.isFinite(Number(s)) ? { tag: 'float', value: Number(s) } : { tag: 'str' };
  if (hint === 'D') {
    if (isTimestamp(s)) return { tag: 'other' };
    const plain = s.replaceAll('_', '');
    const signed = goParseInt(plain, true);
    if (typeof signed === 'bigint') return { tag: 'int', value: signed };
    const unsigned = goParseInt(plain, false);
    if (typeof unsigned === 'bigint') return { tag: 'int', value: unsigned };
    if (YAML_STYLE_FLOAT.test(plain) && Number.isFinite(Number(plain))) return { tag: 'float', value: Number(plain) };
    // sigs.k8s.io's fork reads an unsigned integer too large for uint64 (0x…) as a big integer.
    if (unsigned === 'range') return { tag: 'other' };
  }
  return { tag: 'str' };
}

/** A number as go-yaml writes what it read from the JSON text: int, uint or float (`%g`). */
function numberText(n: number | bigint | RegoNumber): string {
  const text = formatNumber(n);
  const r = resolve(text);
  if (r.tag === 'int') return r.value.toString();
  if (r.tag === 'float') return formatFloat(r.value, 'g', -1);
  return text;
}

// ---------------------------------------------------------------------------
// libyaml's scalar analysis (runs over UTF-8 characters, as go-yaml's emitter).

interface Analysis {
  multiline: boolean;
  blockPlain: boolean;
  singleQuoted: boolean;
  block: boolean;
}

const isBreak = (c: string): boolean => c === '\n' || c === '\r' || c === '\u0085' || c === '\u2028' || c === '\u2029';
const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';

/** go-yaml v2's is_printable: no C0/C1 controls (but \n), DEL, surrogates, BOM, U+FFFE/FFFF, nor anything beyond the BMP. */
function isPrintable(c: string): boolean {
  const cp = c.codePointAt(0)!;
  if (cp === 0x0a || (cp >= 0x20 && cp <= 0x7e)) return true;
  if (cp >= 0xa0 && cp <= 0xd7ff) return true;
  if (cp >= 0xe000 && cp <= 0xfffd) return cp !== 0xfeff;
  return false;
}

function analyze(chars: string[]): Analysis {
  if (chars.length === 0) return { multiline: false, blockPlain: true, singleQuoted: true, block: false };
  let blockIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let precededByWhitespace = true;
  let previousSpace = false;
  let previousBreak = false;
  const head = chars.slice(0, 3).join('');
  if (head === '---' || head === '...') blockIndicators = true;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const next = chars[i + 1];
    const followedByWhitespace = next === undefined || isBlank(next) || isBreak(next);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(c)) blockIndicators = true;
      else if ((c === '?' || c === ':' || c === '-') && followedByWhitespace) blockIndicators = true;
    } else if (c === ':' && followedByWhitespace) blockIndicators = true;
    else if (c === '#' && precededByWhitespace) blockIndicators = true;
    if (!isPrintable(c)) special = true;
    if (c === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlank(c) || isBreak(c) || c === '\0';
  }
  const out: Analysis = { multiline: lineBreaks, blockPlain: true, singleQuoted: true, block: true };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) out.blockPlain = false;
  if (trailingSpace) out.block = false;
  if (breakSpace) out.blockPlain = out.singleQuoted = false;
  if (spaceBreak || special) out.blockPlain = out.singleQuoted = out.block = false;
  if (lineBreaks || blockIndicators) out.blockPlain = false;
  return out;
}

// ---------------------------------------------------------------------------
// The writer: libyaml's emitter state for block collections, reduced to what JSON values need.

type Style = 'plain' | 'single' | 'double' | 'literal';

class Emitter {
  out = '';
  column = 0;
  indent = -1;
  /** The last thing written is whitespace (libyaml's `whitespace`). */
  whitespace = true;
  /** Only indentation written on this line so far (libyaml's `indention`). */
  indention = true;

  put(s: string): void {
    this.out += s;
    this.column++;
  }

  putBreak(): void {
    this.out += '\n';
    this.column = 0;
  }

  /** libyaml's write_break: \n as a line break, any other break character as itself. */
  writeBreak(c: string): void {
    this.out += c;
    this.column = 0;
  }

  writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.putBreak();
    while (this.column < indent) this.put(' ');
    this.whitespace = true;
    this.indention = true;
  }

  indicator(text: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    for (const c of text) this.put(c);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  /** A scalar node; `simpleKey` when it is a mapping key written inline. */
  scalar(value: string, requested: Style, simpleKey: boolean): void {
    const chars = Array.from(value);
    const a = analyze(chars);
    let style = requested;
    if (simpleKey && a.multiline) style = 'double';
    if (style === 'plain' && (!a.blockPlain || (chars.length === 0 && simpleKey))) style = 'single';
    if (style === 'single' && !a.singleQuoted) style = 'double';
    if (style === 'literal' && (!a.block || simpleKey)) style = 'double';
    const saved = this.indent;
    this.indent = this.indent < 0 ? BEST_INDENT : this.indent + BEST_INDENT;
    const allowBreaks = !simpleKey;
    if (style === 'plain') this.plain(chars, allowBreaks);
    else if (style === 'single') this.singleQuoted(chars, allowBreaks);
    else if (style === 'double') this.doubleQuoted(chars, allowBreaks);
    else this.literal(chars);
    this.indent = saved;
  }

  private plain(chars: string[], allowBreaks: boolean): void {
    if (!this.whitespace) this.put(' ');
    let spaces = false;
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i]!;
      if (c === ' ') {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && chars[i + 1] !== ' ') this.writeIndent();
        else this.put(c);
        spaces = true;
      } else {
        this.put(c);
        this.indention = false;
        spaces = false;
      }
    }
    this.whitespace = false;
    this.indention = false;
  }

  private singleQuoted(chars: string[], allowBreaks: boolean): void {
    this.indicator("'", true, false, false);
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i]!;
      if (c === ' ') {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i > 0 && i < chars.length - 1 && chars[i + 1] !== ' ') this.writeIndent();
        else this.put(c);
        spaces = true;
      } else if (isBreak(c)) {
        // Only a break other than \n gets here (a string with \n asks for a literal block).
        this.writeBreak(c);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        breaks = false;
        if (c === "'") this.put("'");
        this.put(c);
        this.indention = false;
        spaces = false;
      }
    }
    this.indicator("'", false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private doubleQuoted(chars: string[], allowBreaks: boolean): void {
    this.indicator('"', true, false, false);
    let spaces = false;
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i]!;
      if (!isPrintable(c) || c === '\ufeff' || isBreak(c) || c === '"' || c === '\\') {
        this.put('\\');
        for (const e of escapeOf(c)) this.put(e);
        spaces = false;
      } else if (c === ' ') {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i !== 0 && i !== chars.length - 1) {
          this.writeIndent();
          if (chars[i + 1] === ' ') this.put('\\');
        } else this.put(c);
        spaces = true;
      } else {
        this.put(c);
        spaces = false;
      }
    }
    this.indicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private literal(chars: string[]): void {
    this.indicator('|', true, false, false);
    if (chars[0] === ' ' || isBreak(chars[0] ?? '')) this.indicator(String(BEST_INDENT), false, false, false);
    const last = chars.length - 1;
    if (!isBreak(chars[last] ?? '')) this.indicator('-', false, false, false);
    else if (last === 0 || isBreak(chars[last - 1]!)) this.indicator('+', false, false, false);
    this.putBreak();
    this.indention = true;
    this.whitespace = true;
    let breaks = true;
    for (const c of chars) {
      if (isBreak(c)) {
        this.writeBreak(c);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) {
          this.writeIndent();
          breaks = false;
        }
        this.put(c);
        this.indention = false;
      }
    }
  }

  node(v: Value, inMapping: boolean, simpleKey = false): void {
    if (v === null) this.scalar('null', 'plain', simpleKey);
    else if (typeof v === 'boolean') this.scalar(String(v), 'plain', simpleKey);
    else if (isNumber(v)) this.scalar(numberText(v), 'plain', simpleKey);
    else if (typeof v === 'string') {
      const requested: Style = v.includes('\n') ? 'literal' : resolve(v).tag === 'str' && !BASE60_FLOAT.test(v) ? 'plain' : 'double';
      this.scalar(v, requested, simpleKey);
    } else if (Array.isArray(v)) this.sequence(v, inMapping);
    else this.mapping(v as Record<string, Value>);
  }

  private sequence(items: Value[], inMapping: boolean): void {
    if (items.length === 0) {
      this.indicator('[', true, true, false);
      this.indicator(']', false, false, false);
      return;
    }
    const saved = this.indent;
    // A sequence that is a mapping's value stays at the mapping's indentation.
    const indentless = inMapping && !this.indention;
    if (this.indent < 0) this.indent = 0;
    else if (!indentless) this.indent += BEST_INDENT;
    for (const item of items) {
      this.writeIndent();
      this.indicator('-', true, false, true);
      this.node(item, false);
    }
    this.indent = saved;
  }

  private mapping(obj: Record<string, Value>): void {
    const keys = Object.keys(obj).sort(compareKeys);
    if (keys.length === 0) {
      this.indicator('{', true, true, false);
      this.indicator('}', false, false, false);
      return;
    }
    const saved = this.indent;
    this.indent = this.indent < 0 ? 0 : this.indent + BEST_INDENT;
    for (const k of keys) {
      this.writeIndent();
      // libyaml writes a key of more than 128 bytes or with line breaks as a complex key ("? key\n: value").
      const simple = Buffer.byteLength(k) <= 128 && !Array.from(k).some(isBreak);
      if (simple) {
        this.node(k, false, true);
        this.indicator(':', false, false, false);
      } else {
        this.indicator('?', true, false, true);
        this.node(k, true);
        this.writeIndent();
        this.indicator(':', true, false, true);
      }
      this.node(obj[k]!, true);
    }
    this.indent = saved;
  }
}

function escapeOf(c: string): string {
  switch (c) {
    case '\0':
      return '0';
    case '\x07':
      return 'a';
    case '\b':
      return 'b';
    case '\t':
      return 't';
    case '\n':
      return 'n';
    case '\v':
      return 'v';
    case '\f':
      return 'f';
    case '\r':
      return 'r';
    case '\x1b':
      return 'e';
    case '"':
      return '"';
    case '\\':
      return '\\';
    case '\u0085':
      return 'N';
    case '\u00a0':
      return '_';
    case '\u2028':
      return 'L';
    case '\u2029':
      return 'P';
  }
  const cp = c.codePointAt(0)!;
  const [letter, width] = cp <= 0xff ? ['x', 2] : cp <= 0xffff ? ['u', 4] : ['U', 8];
  return letter + cp.toString(16).toUpperCase().padStart(width, '0');
}

const isLetter = (c: string): boolean => /\p{L}/u.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && /\p{Nd}/u.test(c);

/** go-yaml v2's keyList.Less for string keys. */
function keyLess(a: string, b: string): boolean {
  const ar = Array.from(a);
  const br = Array.from(b);
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) continue;
    const al = isLetter(ar[i]!);
    const bl = isLetter(br[i]!);
    if (al && bl) return ar[i]!.codePointAt(0)! < br[i]!.codePointAt(0)!;
    if (al || bl) return bl;
    let an = 0n;
    let bn = 0n;
    if (ar[i] === '0' || br[i] === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = BigInt.asIntN(64, an * 10n + BigInt(ar[ai]!.codePointAt(0)! - 48));
    let bi = i;
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = BigInt.asIntN(64, bn * 10n + BigInt(br[bi]!.codePointAt(0)! - 48));
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i]!.codePointAt(0)! < br[i]!.codePointAt(0)!;
  }
  return ar.length < br.length;
}

function compareKeys(a: string, b: string): number {
  return keyLess(a, b) ? -1 : keyLess(b, a) ? 1 : 0;
}

/** go-yaml v2's Marshal of a JSON value (objects with string keys, arrays, scalars). */
export function goYAMLMarshal(v: Value): string {
  const e = new Emitter();
  e.node(v, false);
  // The document end moves to a fresh line unless a block scalar already ended on one.
  e.indent = -1;
  e.writeIndent();
  return e.out;
}
