/**
 * Request-body helpers. JSON bodies are parsed by our own parser so that an
 * empty body with `Content-Type: application/json` is accepted (the CLI's
 * reload request has none), and malformed JSON is a 400 with the original's text.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.js';

export const BODY_LIMIT = 1024 * 1024;

export function installJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, text, done) => {
    const s = typeof text === 'string' ? text : text.toString('utf8');
    if (s.trim() === '') return done(null, undefined);
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
