/**
 * HTTP errors as values: routes throw `HttpError`, and the one error handler
 * turns it (and the policy engine's and fastify's own errors) into the
 * `{"error": …}` JSON body with the right status. Nothing leaves as plain text.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PolicyEvaluationError, PolicyInputError, PolicyUnavailableError } from '../../policy/types.js';
import { AuditStoreError } from '../audit-store.js';

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Maps any thrown value to a status and the message callers may see. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof PolicyInputError) return new HttpError(400, err.message);
  if (err instanceof PolicyUnavailableError) return new HttpError(503, err.message);
  if (err instanceof PolicyEvaluationError) return new HttpError(500, err.message);
  // The store cannot record (damaged, disk full): the service is unavailable, and says why.
  if (err instanceof AuditStoreError) return new HttpError(503, err.message);
  const fe = err as Partial<FastifyError>;
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new HttpError(fe.statusCode, fastifyClientMessage(fe));
  }
  return new HttpError(500, 'internal error');
}

function fastifyClientMessage(err: Partial<FastifyError>): string {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'request body too large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Content-Type must be application/json';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'invalid JSON body';
    default:
      return err.message ?? 'bad request';
  }
}

/** What a request needs to say for an internal error to be reported. */
export interface RequestLine {
  method?: string | undefined;
  url?: string | undefined;
}

/**
 * The answer to a failed request (status, headers, message); an internal
 * failure (5xx not raised as an `HttpError`) is also reported to `onInternal`.
 * Shared by fastify's error handler and the lean decision path.
 */
export function errorAnswer(err: unknown, req: RequestLine, onInternal: (err: unknown, req: RequestLine) => void): HttpError {
  const h = toHttpError(err);
  if (h.statusCode >= 500 && !(err instanceof HttpError)) onInternal(err, req);
  return h;
}

export function installErrorHandlers(app: FastifyInstance, onInternal: (err: unknown, req: RequestLine) => void): void {
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const h = errorAnswer(err, req, onInternal);
    void reply.code(h.statusCode).headers(h.headers).send({ error: h.message });
  });
  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).send({ error: 'not found' });
  });
}
