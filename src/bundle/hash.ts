/**
 * File digests of OPA's bundle signatures (`v1/bundle/hash.go`).
 *
 * Policies and other unstructured files are hashed as their bytes. Structured
 * files (`data.json`, `data.yaml`, `.manifest`) are hashed in a canonical JSON
 * form, so that a signature does not depend on whitespace or key order:
 * compact, object keys sorted by code point (Go's byte order of UTF-8),
 * numbers exactly as written (OPA decodes them as `json.Number`), strings
 * escaped as Go's `encoding/json` does without HTML escaping. Hand-written
 * because JSON.parse loses the number text and no library reproduces Go's
 * string escaping.
 */
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';

/** OPA's hashing algorithm names → node:crypto's. */
const ALGORITHMS: Readonly<Record<string, string>> = Object.freeze({
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
  'SHA-512-224': 'sha512-224',
  'SHA-512-256': 'sha512-256',
});

export const DEFAULT_HASH_ALGORITHM = 'SHA-256';

export function isHashAlgorithm(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(ALGORITHMS, name);
}

/** OPA's `IsStructuredDoc`: the files hashed in canonical JSON form (note: not `data.yml`). */
export function isStructuredFile(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base === 'data.json' || base === 'data.yaml' || base === 'signatures.json' || base === '.manifest';
}

/** The hex digest OPA records for a bundle file. Throws for an unknown algorithm or unparseable structured file. */
export function fileDigest(path: string, content: Buffer, algorithm: string): string {
  const name = ALGORITHMS[algorithm];
  if (name === undefined) throw new Error(`unsupported hashing algorithm: ${algorithm}`);
  const hash = createHash(name);
  if (!isStructuredFile(path)) hash.update(content);
  else if (path.endsWith('.yaml')) hash.update(canonicalValue(parseYaml(content.toString('utf8')) as unknown), 'utf8');
  else hash.update(canonicalJson(content.toString('utf8')), 'utf8');
  return hash.digest('hex');
}

/** The canonical form of a JSON text (numbers kept as written). Throws SyntaxError on invalid JSON. */
export function canonicalJson(text: string): string {
  JSON.parse(text); // validates; the scan below assumes well-formed input
  const scanner = { text, i: 0 };
  const out = canonicalAt(scanner);
  return out;
}

/** The canonical form of an already parsed value (YAML data, manifests we write). */
export function canonicalValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return '[' + value.map(canonicalValue).join(',') + ']';
  if (value instanceof Date) return goQuote(value.toISOString());
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort(compareCodePoints);
  return '{' + keys.map((k) => goQuote(k) + ':' + canonicalValue(obj[k])).join(',') + '}';
}

interface Scanner {
  text: string;
  i: number;
}

function skipSpace(s: Scanner): void {
  for (;;) {
    const c = s.text.charCodeAt(s.i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) s.i++;
    else return;
  }
}

function canonicalAt(s: Scanner): string {
  skipSpace(s);
  const c = s.text[s.i];
  if (c === '{') {
    s.i++;
    // Go decodes into a map: a repeated key keeps its last value.
    const members = new Map<string, string>();
    skipSpace(s);
    if (s.text[s.i] === '}') s.i++;
    else {
      for (;;) {
        skipSpace(s);
        const key = readString(s);
        skipSpace(s);
        s.i++; // ':'
        members.set(key, canonicalAt(s));
        skipSpace(s);
        if (s.text[s.i++] === '}') break; // else ','
      }
    }
    const keys = [...members.keys()].sort(compareCodePoints);
    return '{' + keys.map((k) => goQuote(k) + ':' + members.get(k)!).join(',') + '}';
  }
  if (c === '[') {
    s.i++;
    const items: string[] = [];
    skipSpace(s);
    if (s.text[s.i] === ']') s.i++;
    else {
      for (;;) {
        items.push(canonicalAt(s));
        skipSpace(s);
        if (s.text[s.i++] === ']') break;
      }
    }
    return '[' + items.join(',') + ']';
  }
  if (c === '"') return goQuote(readString(s));
  const start = s.i;
  while (s.i < s.text.length && !VALUE_END.has(s.text.charCodeAt(s.i))) s.i++;
  return s.text.slice(start, s.i); // number (as written), true, false, null
}

/** Characters that end a number or literal: whitespace, `,`, `]`, `}`. */
const VALUE_END = new Set([0x20, 0x09, 0x0a, 0x0d, 0x2c, 0x5d, 0x7d]);

/** Reads a JSON string literal at `s.i` and returns its value. */
function readString(s: Scanner): string {
  const start = s.i;
  s.i++;
  for (;;) {
    const c = s.text[s.i++];
    if (c === '\\') s.i++;
    else if (c === '"') break;
  }
  return JSON.parse(s.text.slice(start, s.i)) as string;
}

/** Orders strings by code point (UTF-8 byte order), as Go's sort of map keys. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

const HEX = '0123456789abcdef';

/** A string as Go's `encoding/json` writes it with HTML escaping off (lone surrogates become U+FFFD). */
export function goQuote(value: string): string {
  const s = value;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      // A pair passes through; a lone surrogate is what Go decodes as U+FFFD.
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else out += '\ufffd';
      continue;
    }
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c && c !== 0x2028 && c !== 0x2029) {
      out += s[i];
      continue;
    }
    switch (c) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x08:
        out += '\\b';
        break;
      case 0x0c:
        out += '\\f';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x2028:
        out += '\\u2028';
        break;
      case 0x2029:
        out += '\\u2029';
        break;
      default:
        out += '\\u00' + HEX[c >> 4] + HEX[c & 0xf];
    }
  }
  return out + '"';
}
