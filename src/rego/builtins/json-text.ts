/**
 * JSON text exactly as Go's encoding/json writes and reads it, for the `json.*`
 * built-ins: keys sorted by bytes, sets as sorted arrays, `<` `>` `&` U+2028
 * U+2029 escaped, non-string object keys written as their own JSON text (as
 * OPA's `ast.JSON`); parsing keeps integers beyond 2^53 exact (bigint) and
 * reports Go's syntax error messages.
 */
import { goJSONQuote } from './go-quote.js';
import { normalizeBigInt, numberFromText, setOwn, type RegoNumber, writeIndentedJSON, writeValue, type JsonObject, type TextStyle, type Value } from '../value.js';

/** Go's json.Marshal: HTML-escaping string encoding, compact. */
const GO_JSON: TextStyle = { quote: goJSONQuote, json: true, separator: ',', colon: ':' };

/** A value's JSON text as Go's json.Marshal of OPA's `ast.JSON` conversion. */
export function goMarshal(v: Value): string {
  return writeValue(v, GO_JSON);
}

/** Go's json.MarshalIndent(v, prefix, indent) (the first line carries no prefix). */
export function goMarshalIndent(v: Value, prefix: string, indent: string): string {
  return writeIndentedJSON(v, GO_JSON, prefix, indent);
}

// ---------------------------------------------------------------------------
// Parsing

/**
 * A document that is not JSON. `message` is Go's (what OPA reports); `offset`
 * is where the text goes wrong and `reason` says what is wrong in plain words,
 * for messages that point into a file (`data.json:3:11: invalid literal`).
 */
export class JSONSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly reason: string = message,
  ) {
    super(message);
  }
}

/** Go's decoder refuses documents nested deeper than this (and it keeps us off the stack limit). */
const MAX_DEPTH = 10000;

/** Go's `%q`-ish rendering of the offending character in syntax errors. */
function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  if (c < ' ') return `'\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}'`;
  return `'${c}'`;
}

/**
 * Parses one JSON document (surrounding whitespace allowed) into a Rego value.
 * Duplicate keys keep the last value, as Go does.
 */
export function parseJSON(text: string): Value {
  try {
    return parseDocument(text);
  } catch (e) {
    // Deep nesting can exhaust the stack before Go's depth limit: report it as Go would.
    if (e instanceof RangeError) throw new JSONSyntaxError('exceeded max depth', 0);
    throw e;
  }
}

function parseDocument(text: string): Value {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  /** Fails at `i`: Go's message ends with `context`; `reason` is the plain-words one. */
  const fail = (context: string, reason: string): never => {
    if (i >= text.length) throw new JSONSyntaxError('unexpected end of JSON input', i);
    throw new JSONSyntaxError(`invalid character ${quoteChar(String.fromCodePoint(text.codePointAt(i)!))} ${context}`, i, reason);
  };
  let depth = 0;
  const value = (): Value => {
    if (++depth > MAX_DEPTH) throw new JSONSyntaxError('exceeded max depth', i);
    try {
      return valueAt();
    } finally {
      depth--;
    }
  };
  const valueAt = (): Value => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: JsonObject = {};
      ws();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('looking for beginning of object key string', 'expected a double-quoted property name');
        const k = string();
        ws();
        if (text[i] !== ':') fail('after object key', "expected ':' after property name");
        i++;
        setOwn(out, k, value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return out;
        }
        fail('after object key:value pair', "expected ',' or '}' in object");
      }
    }
    if (c === '[') {
      i++;
      const out: Value[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return out;
        }
        fail('after array element', "expected ',' or ']' in array");
      }
    }
    if (c === '"') return string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (c === word[0]) {
        for (let k = 0; k < word.length; k++, i++) if (text[i] !== word[k]) fail(`in literal ${word} (expecting ${quoteChar(word[k]!)})`, `invalid literal (expected ${word})`);
        return v;
      }
    }
    return fail('looking for beginning of value', 'unexpected character');
  };
  const string = (): string => {
    const start = i++;
    for (;;) {
      if (i >= text.length) fail('', 'unterminated string');
      const c = text[i]!;
      if (c === '"') break;
      if (c < ' ') fail('in string literal', 'control character in string');
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            i += 2;
            while (i < text.length && /[0-9a-fA-F]/.test(text[i]!)) i++;
            fail('in \\u hexadecimal character escape', 'invalid unicode escape');
          }
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) {
          i++;
          fail('in string escape code', 'invalid escape in string');
        }
        i += 2;
        continue;
      }
      i++;
    }
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const number = (): number | bigint | RegoNumber => {
    const start = i;
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (text[i] !== undefined && text[i]! >= '1' && text[i]! <= '9') while (text[i]! >= '0' && text[i]! <= '9') i++;
    else fail('in numeric literal', 'invalid number');
    let integer = true;
    if (text[i] === '.') {
      integer = false;
      i++;
      if (!(text[i]! >= '0' && text[i]! <= '9')) fail('after decimal point in numeric literal', 'invalid number');
      while (text[i]! >= '0' && text[i]! <= '9') i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      integer = false;
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!(text[i]! >= '0' && text[i]! <= '9')) fail('in exponent of numeric literal', 'invalid number');
      while (text[i]! >= '0' && text[i]! <= '9') i++;
    }
    const src = text.slice(start, i);
    if (integer) {
      const n = Number(src);
      return Number.isSafeInteger(n) ? n : normalizeBigInt(BigInt(src));
    }
    // Go's decoder with UseNumber (OPA's util.UnmarshalJSON) keeps the number's text: `1.0` stays `1.0`,
    // `1e400` is a number too (its value past float64 is only kept as text).
    return numberFromText(src, Number(src));
  };
  const v = value();
  ws();
  if (i < text.length) fail('after top-level value', 'unexpected text after the JSON value');
  return v;
}

/** True if `text` is one well-formed JSON document. */
export function isValidJSON(text: string): boolean {
  try {
    parseJSON(text);
    return true;
  } catch (e) {
    if (e instanceof JSONSyntaxError) return false;
    throw e;
  }
}
