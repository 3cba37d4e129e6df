/**
 * Request-body helpers. JSON bodies are parsed by our own parser so that an
 * empty body with `Content-Type: application/json` is accepted (the CLI's
 * reload request has none), and malformed JSON is a 400 with the original's text.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.js';

/** The default body limit (`gateway.limits.max_body_bytes`). */
export const BODY_LIMIT = 1024 * 1024;

/**
 * Deepest nesting of arrays and objects a body may have. Policies walk input
 * recursively (set keys, `walk`, `print`…); a 1 MiB body could otherwise nest
 * half a million levels deep and exhaust the stack. Real requests nest a few levels.
 */
export const MAX_JSON_DEPTH = 512;

/** Longest run of digits a float64 can hold without an exponent (1.8e308 has 309). */
const MAX_PLAIN_DIGITS = 309;

/**
 * One linear scan of JSON text, no allocation: the nesting depth (brackets
 * outside strings), times two, plus one when a number might lie beyond
 * float64 (it has an exponent, or more digits than a float64 holds). Only then
 * is the parsed value searched for infinities.
 */
function scanJson(text: string): number {
  let depth = 0;
  let max = 0;
  let digits = 0;
  let mayOverflow = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: jump to its closing quote (indexOf is much faster than a loop over its characters).
      i = closingQuote(text, i);
      if (i === -1) break; // unterminated: JSON.parse refuses it
      digits = 0;
      continue;
    }
    if (c >= 0x30 && c <= 0x39) {
      if (++digits > MAX_PLAIN_DIGITS) mayOverflow = 1;
      continue;
    }
    // An exponent follows a digit or a point; the e of `true`/`false` does not.
    if ((c === 0x65 || c === 0x45) && i > 0) {
      const p = text.charCodeAt(i - 1);
      if ((p >= 0x30 && p <= 0x39) || p === 0x2e) mayOverflow = 1;
    }
    digits = 0;
    if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max * 2 + mayOverflow;
}

/** The index of the quote that closes the string opened at `open`, or -1: the first one not escaped by an odd run of backslashes. */
function closingQuote(text: string, open: number): number {
  let q = text.indexOf('"', open + 1);
  while (q !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === 0x5c) backslashes++;
    if ((backslashes & 1) === 0) return q;
    q = text.indexOf('"', q + 1);
  }
  return -1;
}

/** Nesting depth of JSON text, counted over brackets outside strings. */
export function jsonDepth(text: string): number {
  return scanJson(text) >> 1;
}

/** Whether a parsed JSON value holds a number JSON.parse turned into ±Infinity. */
function holdsInfinity(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) return v.some(holdsInfinity);
  for (const k in v) if (holdsInfinity((v as Record<string, unknown>)[k])) return true;
  return false;
}

/**
 * A request body's JSON text as a value: `undefined` for an empty body, else
 * the parsed value, or a 400 `HttpError` (too deep, malformed, or a number
 * beyond float64). Numbers beyond float64 are refused: OPA keeps them as
 * arbitrary-precision JSON numbers, our value model cannot, and JSON.parse's
 * Infinity is not JSON (it would come back as `Infinity` in a Data API answer).
 * Shared by fastify's content-type parser and the lean decision path (`lean.ts`).
 */
export function parseJsonBody(s: string): unknown {
  if (s.trim() === '') return undefined;
  const scan = scanJson(s);
  if (scan >> 1 > MAX_JSON_DEPTH) throw new HttpError(400, `JSON body nested deeper than ${MAX_JSON_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(s);
  } catch {
    throw new HttpError(400, 'invalid JSON body');
  }
  if ((scan & 1) === 1 && holdsInfinity(value)) throw new HttpError(400, 'JSON body holds a number beyond the range of a 64-bit float');
  return value;
}

/** Replaces fastify's JSON parser with `parseJsonBody` (an empty body is accepted: the CLI's reload request has none). */
export function installJsonParser(app: FastifyInstance, bodyLimit: number = BODY_LIMIT): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_req, text, done) => {
    let value: unknown;
    try {
      value = parseJsonBody(typeof text === 'string' ? text : text.toString('utf8'));
    } catch (err) {
      return done(err as HttpError, undefined);
    }
    done(null, value);
  });
}

export type JsonRecord = Record<string, unknown>;

export function isRecord(v: unknown): v is JsonRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The body as a JSON object, or 400 `invalid JSON body`. */
export function objectBody(body: unknown): JsonRecord {
  if (!isRecord(body)) throw new HttpError(400, 'invalid JSON body');
  return body;
}

export function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

/** Optional field of the given JSON type; a present value of another type is 400 `invalid JSON body`. */
export function optional<T>(v: unknown, check: (x: unknown) => x is T): T | undefined {
  if (v === undefined || v === null) return undefined;
  if (!check(v)) throw new HttpError(400, 'invalid JSON body');
  return v;
}

export const isString = (x: unknown): x is string => typeof x === 'string';
export const isInteger = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);
export const isBoolean = (x: unknown): x is boolean => typeof x === 'boolean';
export const isStringArray = (x: unknown): x is string[] => Array.isArray(x) && x.every((e) => typeof e === 'string');
