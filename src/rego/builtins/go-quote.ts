/**
 * Go's two ways of quoting a string, as OPA's output shows them: strconv.Quote
 * (Rego text of values, `%q`, error messages) and encoding/json's string
 * encoding with HTML escaping (the `json.*` built-ins).
 */

/** Runes strconv.Quote leaves as they are (Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols, ASCII space). */
export const GO_PRINTABLE = /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u;

export function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** One rune escaped as Go's strconv.Quote does (inside `quote` characters). */
export function goQuoteRune(r: string, quote: string): string {
  if (r === quote || r === '\\') return '\\' + r;
  if (GO_PRINTABLE.test(r)) return r;
  switch (r) {
    case '\x07':
      return '\\a';
    case '\b':
      return '\\b';
    case '\f':
      return '\\f';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\v':
      return '\\v';
  }
  const cp = r.codePointAt(0)!;
  if (cp >= 0xd800 && cp <= 0xdfff) return '\\ufffd'; // a lone surrogate is not valid UTF-8
  if (cp < 0x80) return '\\x' + hex(cp, 2);
  if (cp < 0x10000) return '\\u' + hex(cp, 4);
  return '\\U' + hex(cp, 8);
}

/** Go's strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const r of s) out += goQuoteRune(r, '"');
  return out + '"';
}

const JSON_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** Go's encoding/json string encoding with HTML escaping (the default of json.Marshal). */
export function goJSONQuote(s: string): string {
  // eslint-disable-next-line no-control-regex
  return '"' + s.replace(/["\\\u0000-\u001f<>&\u2028\u2029]/g, (c) => JSON_ESCAPES[c] ?? '\\u' + hex(c.charCodeAt(0), 4)) + '"';
}
