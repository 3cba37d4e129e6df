/**
 * The Rego scanner: turns source text into tokens, the way OPA's `ast/internal/scanner`
 * does. Keywords are not decided here — whether `if`, `in`, `contains` or `every`
 * is a keyword depends on the module's imports and Rego version, so the parser
 * decides that from identifier tokens. Each token remembers whether whitespace
 * and whether a newline came before it: OPA refs and calls must follow their
 * head directly (`f(x)`, `a.b`, `a[b]`), and body expressions end at a newline.
 */
import type { Location } from '../errors.js';

export type TokenKind =
  | 'ident'
  | 'number'
  | 'string'
  | 'rawstring'
  | 'template'
  | 'punct'
  | 'eof'
  | 'illegal';

export interface Token {
  kind: TokenKind;
  /** Literal text for ident/number/punct; the decoded value for strings. */
  text: string;
  row: number;
  col: number;
  /** Offsets into the source (UTF-16 units), start inclusive, end exclusive. */
  start: number;
  end: number;
  /** Whitespace or a comment separated this token from the previous one. */
  spaceBefore: boolean;
  /** A newline separated this token from the previous one. */
  newlineBefore: boolean;
  /** For `illegal` tokens: why. */
  error?: string;
  /** For template strings: the raw inner text (between `$"` and `"`) and where it starts. */
  templateParts?: TemplatePart[];
}

/** A piece of a template string: literal text, or the source of an embedded expression with its position. */
export type TemplatePart = string | { source: string; row: number; col: number };

export interface Comment {
  text: string;
  loc: Location;
}

const PUNCTUATION = [':=', '==', '!=', '<=', '>=', '{', '}', '[', ']', '(', ')', '.', ',', ';', ':', '=', '<', '>', '+', '-', '*', '/', '%', '&', '|'];

/** Single-character punctuation, and the two-character tokens starting with each character. */
const SINGLE_PUNCT = new Set(PUNCTUATION.filter((p) => p.length === 1));
const DOUBLE_PUNCT = new Set(PUNCTUATION.filter((p) => p.length === 2));

/** The punctuation token at `i` (the longest), or undefined: what `PUNCTUATION.find(startsWith)` finds, without a scan. */
function punctuationAt(source: string, i: number): string | undefined {
  const two = source.slice(i, i + 2);
  if (DOUBLE_PUNCT.has(two)) return two;
  const one = source[i]!;
  return SINGLE_PUNCT.has(one) ? one : undefined;
}

function isLetter(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}
function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/** Scans the whole source. Never throws: bad input yields an `illegal` token that the parser reports. */
export function tokenize(file: string, source: string): { tokens: Token[]; comments: Comment[] } {
  const tokens: Token[] = [];
  const comments: Comment[] = [];
  let i = 0;
  let row = 1;
  let lineStart = 0;
  let spaceBefore = false;
  let newlineBefore = false;
  // Columns count characters (code points), not UTF-16 units. Tokens come in
  // order, so the count resumes from the previous token of the same line:
  // recounting from the line start would make one long line quadratic.
  let colLine = -1;
  let colOffset = 0;
  let colValue = 1;
  const colAt = (offset: number): number => {
    if (colLine !== lineStart || offset < colOffset) {
      colLine = lineStart;
      colOffset = lineStart;
      colValue = 1;
    }
    for (let k = colOffset; k < offset; k++) {
      const code = source.charCodeAt(k);
      if (code >= 0xdc00 && code <= 0xdfff && k > lineStart) continue;
      colValue++;
    }
    colOffset = offset;
    return colValue;
  };

  const push = (kind: TokenKind, text: string, start: number, startRow: number, startCol: number, extra?: Partial<Token>): void => {
    // One object literal of one shape for every token (a spread would build each one the slow way); the rare extras after.
    const token: Token = { kind, text, row: startRow, col: startCol, start, end: i, spaceBefore, newlineBefore };
    if (extra !== undefined) Object.assign(token, extra);
    tokens.push(token);
    spaceBefore = false;
    newlineBefore = false;
  };

  while (i < source.length) {
    const c = source[i]!;
    if (c === '\n') {
      i++;
      row++;
      lineStart = i;
      spaceBefore = true;
      newlineBefore = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      spaceBefore = true;
      continue;
    }
    const start = i;
    const startRow = row;
    const startCol = colAt(i);
    if (c === '#') {
      let j = i + 1;
      while (j < source.length && source[j] !== '\n') j++;
      comments.push({ text: source.slice(i + 1, j).replace(/\r$/, ''), loc: { file, row: startRow, col: startCol } });
      i = j;
      spaceBefore = true;
      continue;
    }
    if (isLetter(c)) {
      let j = i + 1;
      while (j < source.length && (isLetter(source[j]!) || isDigit(source[j]!))) j++;
      i = j;
      push('ident', source.slice(start, j), start, startRow, startCol);
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(source[i + 1] ?? '') && !isRefContinuation(tokens, spaceBefore))) {
      const r = scanNumber(source, i);
      i = r.end;
      if (r.error) push('illegal', source.slice(start, i), start, startRow, startCol, { error: r.error });
      else push('number', source.slice(start, i), start, startRow, startCol);
      continue;
    }
    if (c === '"') {
      const r = scanString(source, i + 1, '"');
      i = r.end;
      if (r.error) push('illegal', source.slice(start, i), start, startRow, startCol, { error: r.error });
      else push('string', r.value, start, startRow, startCol);
      continue;
    }
    if (c === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== '`') j++;
      if (j >= source.length) {
        i = j;
        push('illegal', source.slice(start, i), start, startRow, startCol, { error: 'non-terminated raw string' });
        continue;
      }
      const value = source.slice(i + 1, j);
      // Raw strings may span lines: keep row/column bookkeeping right.
      for (let k = i + 1; k < j; k++) {
        if (source[k] === '\n') {
          row++;
          lineStart = k + 1;
        }
      }
      i = j + 1;
      push('rawstring', value, start, startRow, startCol);
      continue;
    }
    if (c === '$' && source[i + 1] === '"') {
      const r = scanTemplate(source, i + 2, startRow, startCol + 2);
      i = r.end;
      if (r.error) push('illegal', source.slice(start, i), start, startRow, startCol, { error: r.error });
      else push('template', '', start, startRow, startCol, { templateParts: r.parts });
      continue;
    }
    const punct = punctuationAt(source, i);
    if (punct) {
      i += punct.length;
      push('punct', punct, start, startRow, startCol);
      continue;
    }
    i += c.length;
    push('illegal', c, start, startRow, startCol, { error: 'illegal token' });
  }
  tokens.push({ kind: 'eof', text: '', row, col: colAt(i), start: i, end: i, spaceBefore, newlineBefore });
  return { tokens, comments };
}

/** `a.5` never occurs, but `x.y` must not scan `.y`... digits after a dot directly following a term are a number only when separated. */
function isRefContinuation(tokens: Token[], spaceBefore: boolean): boolean {
  const prev = tokens[tokens.length - 1];
  if (!prev || spaceBefore) return false;
  return prev.kind === 'ident' || (prev.kind === 'punct' && (prev.text === ']' || prev.text === ')'));
}

function scanNumber(source: string, i: number): { end: number; error?: string } {
  let j = i;
  while (isDigit(source[j] ?? '')) j++;
  if (source[j] === '.' && isDigit(source[j + 1] ?? '')) {
    j++;
    while (isDigit(source[j] ?? '')) j++;
  }
  if (source[j] === 'e' || source[j] === 'E') {
    let k = j + 1;
    if (source[k] === '+' || source[k] === '-') k++;
    if (isDigit(source[k] ?? '')) {
      while (isDigit(source[k] ?? '')) k++;
      j = k;
    }
  }
  if (isLetter(source[j] ?? '')) {
    while (isLetter(source[j] ?? '') || isDigit(source[j] ?? '')) j++;
    return { end: j, error: 'illegal number format' };
  }
  return { end: j };
}

const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Decodes the JSON escape sequence at `j` (a backslash); null when it is not a valid one. */
function decodeEscape(source: string, j: number): { value: string; length: number } | null {
  const e = source[j + 1];
  if (e !== undefined && Object.prototype.hasOwnProperty.call(SIMPLE_ESCAPES, e)) return { value: SIMPLE_ESCAPES[e]!, length: 2 };
  if (e !== 'u') return null;
  const hex = source.slice(j + 2, j + 6);
  if (!/^[0-9a-fA-F]{4}$/.test(hex)) return null;
  // Surrogate pairs arrive as two escapes; concatenating the UTF-16 units joins them.
  return { value: String.fromCharCode(parseInt(hex, 16)), length: 6 };
}

/** Decodes a double-quoted string body starting at `i` (after the quote), JSON escapes as OPA. */
function scanString(source: string, i: number, quote: string): { end: number; value: string; error?: string } {
  let out = '';
  let j = i;
  while (j < source.length) {
    const ch = source[j]!;
    if (ch === quote) return { end: j + 1, value: out };
    if (ch === '\n') return { end: j, value: out, error: 'non-terminated string' };
    if (ch === '\\') {
      const esc = decodeEscape(source, j);
      if (!esc) return { end: j + 2, value: out, error: 'illegal escape sequence' };
      out += esc.value;
      j += esc.length;
      continue;
    }
    out += ch;
    j++;
  }
  return { end: j, value: out, error: 'non-terminated string' };
}

/**
 * Scans a template string `$"...{expr}..."` starting after `$"`. Literal `{` is
 * written `\{`. Embedded expressions are kept as source and parsed by the parser.
 */
function scanTemplate(source: string, i: number, row: number, col: number): { end: number; parts: TemplatePart[]; error?: string } {
  const parts: TemplatePart[] = [];
  let literal = '';
  let j = i;
  let c = col;
  while (j < source.length) {
    const ch = source[j]!;
    if (ch === '"') {
      if (literal) parts.push(literal);
      return { end: j + 1, parts };
    }
    if (ch === '\n') break;
    if (ch === '\\' && source[j + 1] === '{') {
      literal += '{';
      j += 2;
      c += 2;
      continue;
    }
    if (ch === '\\') {
      const esc = decodeEscape(source, j);
      if (!esc) return { end: j + 2, parts, error: 'illegal escape sequence' };
      literal += esc.value;
      j += esc.length;
      c += esc.length;
      continue;
    }
    if (ch === '{') {
      if (literal) parts.push(literal);
      literal = '';
      // Find the matching brace, skipping nested braces and strings.
      let depth = 1;
      let k = j + 1;
      while (k < source.length && depth > 0) {
        const d = source[k]!;
        if (d === '"') {
          const s = scanString(source, k + 1, '"');
          if (s.error) return { end: s.end, parts, error: s.error };
          k = s.end;
          continue;
        }
        if (d === '\n') break;
        if (d === '{') depth++;
        if (d === '}') depth--;
        k++;
      }
      if (depth > 0) return { end: k, parts, error: 'non-terminated template string' };
      parts.push({ source: source.slice(j + 1, k - 1), row, col: c + 1 });
      c += k - j;
      j = k;
      continue;
    }
    literal += ch;
    j++;
    c++;
  }
  return { end: j, parts, error: 'non-terminated template string' };
}
