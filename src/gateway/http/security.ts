/**
 * Request checks run before routing (the original's `tokenAuth` then
 * `apiCSRFProtect`): every route but `GET /health` (and the console's static
 * files, `GET /ui`) needs the gateway token;
 * state-changing requests must also look like they come from a DefenseClaw
 * client and not from a browser page on another site.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';
import { isConsolePath } from '../ui/routes.js';

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** What the checks read of a request: a fastify request or node's `IncomingMessage` (the lean path). */
export interface RequestHead {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: IncomingHttpHeaders;
}
const LOCAL_ORIGIN_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Compares tokens in constant time: every character of the candidate is
 * compared (no early exit), against the expected token cycled to the
 * candidate's length, so the time depends only on the candidate's length and
 * reveals neither the expected token nor its length. (It replaced hashing both
 * sides with SHA-256, which cost ~1.4 µs and two allocations per request.)
 */
export function tokenMatcher(expected: string): (candidate: string) => boolean {
  const n = expected.length;
  return (candidate) => {
    let diff = candidate.length ^ n;
    for (let i = 0; i < candidate.length; i++) diff |= candidate.charCodeAt(i) ^ expected.charCodeAt(i % n);
    return n > 0 && diff === 0;
  };
}

export function presentedToken(req: RequestHead): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  const header = req.headers['x-defenseclaw-token'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  return null;
}

/** `GET /health`, and the console's static page and assets (their data comes from the API, with the token). */
function isPublic(req: RequestHead): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = pathOf(req.url ?? '');
  return path === '/health' || isConsolePath(path);
}

export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Whether a request carries the gateway token (`GET /health` shows more to those that do). */
export function requestAuthorizer(expectedToken: string): (req: RequestHead) => boolean {
  const matches = tokenMatcher(expectedToken);
  return (req) => {
    const token = presentedToken(req);
    return token !== null && matches(token);
  };
}

/** The checks, in order; a request that fails one gets its `HttpError` thrown. */
export function requestChecker(expectedToken: string): (req: RequestHead) => void {
  const authorized = requestAuthorizer(expectedToken);
  return (req) => {
    if (isPublic(req)) return;
    if (!authorized(req)) throw new HttpError(401, 'unauthorized');
    if (SAFE_METHODS.has(req.method ?? '')) return;
    checkStateChangingRequest(req);
  };
}

/** The checks as fastify's `onRequest` hook (the lean path calls `requestChecker` itself). */
export function securityHook(expectedToken: string): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const check = requestChecker(expectedToken);
  return async (req) => check(req);
}

const JSON_MEDIA_TYPE = 'application/json';

/**
 * Whether a Content-Type's media type (RFC 9110: type "/" subtype, before any
 * parameters, case-insensitive) is application/json. `text/plain;
 * charset=application/json` is not, nor `application/json-patch+json`.
 * Compared in place: no allocation on the request path.
 */
export function isJsonMediaType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const n = value.length;
  let i = 0;
  while (i < n && isOptionalWhitespace(value.charCodeAt(i))) i++;
  if (n - i < JSON_MEDIA_TYPE.length) return false;
  for (let k = 0; k < JSON_MEDIA_TYPE.length; k++, i++) {
    let c = value.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== JSON_MEDIA_TYPE.charCodeAt(k)) return false;
  }
  while (i < n && isOptionalWhitespace(value.charCodeAt(i))) i++;
  return i === n || value.charCodeAt(i) === 0x3b; // ";" starts the parameters
}

function isOptionalWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function checkStateChangingRequest(req: RequestHead): void {
  const site = header(req, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new HttpError(403, 'cross-site request rejected');
  if (!header(req, 'x-defenseclaw-client')) throw new HttpError(403, 'missing X-DefenseClaw-Client header');
  if (!isJsonMediaType(req.headers['content-type'])) {
    throw new HttpError(415, 'Content-Type must be application/json');
  }
  const origin = header(req, 'origin');
  if (origin !== undefined && !isLocalOrigin(origin)) throw new HttpError(403, 'cross-origin request rejected');
}

function isLocalOrigin(origin: string): boolean {
  try {
    return LOCAL_ORIGIN_HOSTS.has(new URL(origin).hostname);
  } catch {
    return false;
  }
}

function header(req: RequestHead, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined ? undefined : s.trim();
}
