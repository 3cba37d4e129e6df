/**
 * Request-body helpers. JSON bodies are parsed by our own parser so that an
 * empty body with `Content-Type: application/json` is accepted (the CLI's
 * reload request has none), and malformed JSON is a 400 with the original's text.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.js';

export const BODY_LIMIT = 1024 * 1024;

/**
 * Deepest nesting of arrays and objects a body may have. Policies walk input
 * recursively (set keys, `walk`, `print`…); a 1 MiB body could otherwise nest
 * half a million levels deep and exhaust the stack. Real requests nest a few levels.
 */
export const MAX_JSON_DEPTH = 512;

/** Nesting depth of JSON text, counted over brackets outside strings (one linear scan, no allocation). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

export function installJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, text, done) => {
    const s = typeof text === 'string' ? text : text.toString('utf8');
    if (s.trim() === '') return done(null, undefined);
    if (jsonDepth(s) > MAX_JSON_DEPTH) return done(new HttpError(400, `JSON body nested deeper than ${MAX_JSON_DEPTH} levels`), undefined);
    try {
      done(null, JSON.parse(s));
    } catch {
      done(new HttpError(400, 'invalid JSON body'), undefined);
    }
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
