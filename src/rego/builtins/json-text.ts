/**
 * JSON text exactly as Go's encoding/json writes and reads it, for the `json.*`
 * built-ins: keys sorted by bytes, sets as sorted arrays, `<` `>` `&` U+2028
 * U+2029 escaped, non-string object keys written as their own JSON text (as
 * OPA's `ast.JSON`); parsing keeps integers beyond 2^53 exact (bigint) and
 * reports Go's syntax error messages.
 */
import { formatNumber, normalizeBigInt, RegoSet, setOwn, sortedEntries, compareStrings, type JsonObject, type Value } from '../value.js';

const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** Go's string encoding with HTML escaping (the default of json.Marshal). */
export function goQuote(s: string): string {
  // eslint-disable-next-line no-control-regex
  return '"' + s.replace(/["\\\u0000-\u001f<>&\u2028\u2029]/g, (c) => ESCAPES[c] ?? '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '"';
}

/** A value's JSON text as Go's json.Marshal of OPA's `ast.JSON` conversion. */
export function goMarshal(v: Value): string {
  switch (typeof v) {
    case 'string':
      return goQuote(v);
    case 'number':
    case 'bigint':
      return formatNumber(v);
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      if (v === null) return 'null';
      if (Array.isArray(v)) return '[' + v.map(goMarshal).join(',') + ']';
      if (v instanceof RegoSet) return '[' + v.sorted().map(goMarshal).join(',') + ']';
      return '{' + jsonEntries(v).map(([k, x]) => goQuote(k) + ':' + goMarshal(x)).join(',') + '}';
  }
}

/** Object entries with keys as strings (non-string keys as their JSON text), sorted as Go sorts map keys. */
function jsonEntries(o: Exclude<Value, null | boolean | number | bigint | string | Value[] | RegoSet>): [string, Value][] {
  const out = sortedEntries(o).map(([k, x]): [string, Value] => [typeof k === 'string' ? k : goMarshal(k), x]);
  return out.sort((a, b) => compareStrings(a[0], b[0]));
}

/** Go's json.MarshalIndent(v, prefix, indent) (the first line carries no prefix). */
export function goMarshalIndent(v: Value, prefix: string, indent: string): string {
  const write = (x: Value, depth: number): string => {
    const nl = '\n' + prefix + indent.repeat(depth);
    const inner = '\n' + prefix + indent.repeat(depth + 1);
    if (Array.isArray(x) || x instanceof RegoSet) {
      const items = Array.isArray(x) ? x : x.sorted();
      if (items.length === 0) return '[]';
      return '[' + items.map((e) => inner + write(e, depth + 1)).join(',') + nl + ']';
    }
    if (typeof x === 'object' && x !== null) {
      const entries = jsonEntries(x);
      if (entries.length === 0) return '{}';
      return '{' + entries.map(([k, e]) => inner + goQuote(k) + ': ' + write(e, depth + 1)).join(',') + nl + '}';
    }
    return goMarshal(x);
  };
  return write(v, 0);
}

// ---------------------------------------------------------------------------
// Parsing

export class JSONSyntaxError extends Error {}

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
    if (e instanceof RangeError) throw new JSONSyntaxError('exceeded max depth');
    throw e;
  }
}

function parseDocument(text: string): Value {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const fail = (context: string): never => {
    if (i >= text.length) throw new JSONSyntaxError('unexpected end of JSON input');
    throw new JSONSyntaxError(`invalid character ${quoteChar(String.fromCodePoint(text.codePointAt(i)!))} ${context}`);
  };
  let depth = 0;
  const value = (): Value => {
    if (++depth > MAX_DEPTH) throw new JSONSyntaxError('exceeded max depth');
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
        if (text[i] !== '"') fail('looking for beginning of object key string');
        const k = string();
        ws();
        if (text[i] !== ':') fail('after object key');
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
        fail('after object key:value pair');
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
        fail('after array element');
      }
    }
    if (c === '"') return string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (c === word[0]) {
        for (let k = 0; k < word.length; k++, i++) if (text[i] !== word[k]) fail(`in literal ${word} (expecting ${quoteChar(word[k]!)})`);
        return v;
      }
    }
    return fail('looking for beginning of value');
  };
  const string = (): string => {
    const start = i++;
    for (;;) {
      if (i >= text.length) fail('');
      const c = text[i]!;
      if (c === '"') break;
      if (c < ' ') fail('in string literal');
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            i += 2;
            while (i < text.length && /[0-9a-fA-F]/.test(text[i]!)) i++;
            fail('in \\u hexadecimal character escape');
          }
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) {
          i++;
          fail('in string escape code');
        }
        i += 2;
        continue;
      }
      i++;
    }
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const number = (): number | bigint => {
    const start = i;
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (text[i] !== undefined && text[i]! >= '1' && text[i]! <= '9') while (text[i]! >= '0' && text[i]! <= '9') i++;
    else fail('in numeric literal');
    let integer = true;
    if (text[i] === '.') {
      integer = false;
      i++;
      if (!(text[i]! >= '0' && text[i]! <= '9')) fail('after decimal point in numeric literal');
      while (text[i]! >= '0' && text[i]! <= '9') i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      integer = false;
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!(text[i]! >= '0' && text[i]! <= '9')) fail('in exponent of numeric literal');
      while (text[i]! >= '0' && text[i]! <= '9') i++;
    }
    const src = text.slice(start, i);
    if (integer) {
      const n = Number(src);
      return Number.isSafeInteger(n) ? n : normalizeBigInt(BigInt(src));
    }
    const n = Number(src);
    if (!Number.isFinite(n)) throw new JSONSyntaxError(`number ${src} is out of range`);
    return n;
  };
  const v = value();
  ws();
  if (i < text.length) fail('after top-level value');
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
