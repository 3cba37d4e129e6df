/**
 * The lean path: the decision routes (`POST /policy/evaluate[/<domain>]`,
 * `POST /v1/guardrail/evaluate`) answered straight from node:http, in front
 * of fastify. Why: under load, fastify's request pipeline (router, hook runner,
 * content-type parser with its async resource, reply and serialiser, the
 * async handler's promise) cost 4-7 µs of CPU per decision, 15-20 % of the
 * sidecar's time per request (profile in bench/RESULTS.md, section 10).
 *
 * It takes only the requests it answers exactly as fastify would: POST to one
 * of those paths exactly (no query string), with a Content-Type fastify hands
 * to our JSON parser, that pass the same security checks (`requestChecker`:
 * token in constant time, CSRF headers, JSON media type), while the server is
 * not closing. Every other request, and every one the checks refuse, goes to
 * fastify untouched (nothing has been read from it yet), which answers as
 * always. From there on it does what fastify does: the body limit, by
 * Content-Length and by bytes received (413, connection closed); the same
 * parser (`parseJsonBody`, its 400s also close the connection); the same route
 * function (`DecisionRoute`, shared with fastify's registration); the same
 * error answers (`errorAnswer`), JSON with a Content-Length.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorCodes } from 'fastify';
import { parseJsonBody } from './body.js';
import type { DecisionRoute, HeaderSink } from './context.js';
import { errorAnswer, type RequestLine } from './errors.js';
import type { RequestHead } from './security.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface LeanOptions {
  /** Path → route; the same functions fastify serves. */
  routes: Record<string, DecisionRoute>;
  /** The security checks (throw on refusal). */
  check: (req: RequestHead) => void;
  bodyLimit: number;
  /** True once the server is closing (fastify then answers 503 itself). */
  closing: () => boolean;
  onInternal: (err: unknown, req: RequestLine) => void;
}

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Content-Types that fastify certainly hands to our parser (others still reach it, through fastify). */
function takesJson(contentType: string | undefined): boolean {
  return contentType === 'application/json' || contentType === JSON_CONTENT_TYPE;
}

function passes(check: (req: RequestHead) => void, req: IncomingMessage): boolean {
  try {
    check(req);
    return true;
  } catch {
    return false;
  }
}

/** The headers a route sets, kept as fastify keeps them (lower-case names, in order). */
class LeanReply implements HeaderSink {
  readonly headers: Record<string, string> = {};

  header(name: string, value: string): this {
    this.headers[name.toLowerCase()] = value;
    return this;
  }
}

/** The node:http handler: the lean path for the decision routes, `fallback` (fastify) for everything else. */
export function leanDecisions(opts: LeanOptions, fallback: Handler): Handler {
  const routes = new Map(Object.entries(opts.routes));
  return (req, res) => {
    const route = req.method === 'POST' ? routes.get(req.url ?? '') : undefined;
    if (route === undefined || !takesJson(req.headers['content-type']) || opts.closing() || !passes(opts.check, req)) {
      fallback(req, res);
      return;
    }
    const reply = new LeanReply();
    const fail = (err: unknown, closeConnection: boolean): void => {
      const h = errorAnswer(err, req, opts.onInternal);
      const headers = reply.headers;
      // fastify closes the connection after a body it could not read or parse: the client may still be sending.
      if (closeConnection) headers['connection'] = 'close';
      for (const [k, v] of Object.entries(h.headers)) headers[k.toLowerCase()] = v;
      send(res, h.statusCode, headers, JSON.stringify({ error: h.message }));
    };
    // A value JSON cannot represent is an internal error (500), as fastify's serialisation failure is.
    const answer = (value: unknown): void => {
      let payload: string | undefined;
      try {
        payload = JSON.stringify(value);
      } catch (e) {
        return fail(e, false);
      }
      if (payload === undefined) return fail(new Error('a decision route answered nothing'), false);
      send(res, 200, reply.headers, payload);
    };
    readBody(req, opts.bodyLimit, (err, text) => {
      if (err !== null) return fail(err, true);
      let body: unknown;
      try {
        body = parseJsonBody(text);
      } catch (e) {
        return fail(e, true);
      }
      let out: unknown;
      try {
        out = route(body, req, reply);
      } catch (e) {
        return fail(e, false);
      }
      if (out instanceof Promise) {
        out.then(
          (v: unknown) => answer(v),
          (e: unknown) => fail(e, false),
        );
      } else {
        answer(out);
      }
    });
  };
}

/** One write: headers and the JSON text with its Content-Length (as fastify's reply sends it). */
function send(res: ServerResponse, status: number, headers: Record<string, string>, payload: string): void {
  if (res.headersSent || res.destroyed) return;
  headers['content-type'] = JSON_CONTENT_TYPE;
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(status, headers);
  res.end(payload);
}

type BodyError = Error & { statusCode?: number };

/**
 * Reads the body as fastify's `rawBody` does: refused at once when its
 * Content-Length is over the limit, stopped when the bytes received pass it,
 * checked against its Content-Length at the end, decoded as UTF-8 once.
 */
function readBody(req: IncomingMessage, limit: number, done: (err: BodyError | null, text: string) => void): void {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), '');
  const chunks: Buffer[] = [];
  let received = 0;
  const stop = (): void => {
    req.removeListener('data', onData);
    req.removeListener('end', onEnd);
    req.removeListener('error', onEnd);
  };
  function onData(chunk: Buffer): void {
    received += chunk.length;
    if (received > limit) {
      stop();
      done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), '');
      return;
    }
    chunks.push(chunk);
  }
  function onEnd(err?: BodyError): void {
    stop();
    if (err != null) {
      if (!(typeof err.statusCode === 'number' && err.statusCode >= 400)) err.statusCode = 400;
      return done(err, '');
    }
    if (!Number.isNaN(declared) && received !== declared) return done(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH(), '');
    done(null, chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, received).toString('utf8'));
  }
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onEnd);
  req.resume();
}
