/**
 * Builds the sidecar's HTTP server (fastify): error handling, the JSON body
 * parser, the security checks, then the routes. It does not listen; the
 * caller (the sidecar, tests) does.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { installErrorHandlers } from './http/errors.js';
import { installJsonParser } from './http/body.js';
import { clientErrorHandler, createLimitedServer } from './http/limits.js';
import { requestAuthorizer, securityHook } from './http/security.js';
import type { GatewayContext } from './http/context.js';
import { healthRoutes } from './http/routes/health.js';
import { policyRoutes } from './http/routes/policy.js';
import { guardrailRoutes } from './http/routes/guardrail.js';
import { enforceRoutes } from './http/routes/enforce.js';
import { dataRoutes } from './http/routes/data.js';
import { observabilityRoutes } from './http/routes/observability.js';
import { policyInspectRoutes } from './http/routes/policy-inspect.js';
import { consoleRoutes } from './ui/routes.js';

export type { GatewayContext } from './http/context.js';

export function buildServer(ctx: GatewayContext, token: string): FastifyInstance {
  const app = Fastify({
    bodyLimit: ctx.limits.maxBodyBytes,
    // Timeouts, header size and the connection limit (`gateway.limits`).
    serverFactory: (handler) => createLimitedServer(handler, ctx.limits, ctx.connections),
    clientErrorHandler,
    // Our own pino logger does the logging; fastify's per-request lines would be noise.
    logger: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // A URL fastify cannot decode (`/v1/data/%`) is a 400 in our error shape, not fastify's.
    frameworkErrors: (_err, _req, reply) => {
      void (reply as FastifyReply).code(400).send({ error: 'invalid URL' });
    },
  });
  installErrorHandlers(app, (err, req) => ctx.logger.error({ err, method: req.method, url: req.url }, 'request failed'));
  installJsonParser(app, ctx.limits.maxBodyBytes);
  app.addHook('onRequest', securityHook(token));
  healthRoutes(app, ctx, requestAuthorizer(token));
  policyRoutes(app, ctx);
  guardrailRoutes(app, ctx);
  enforceRoutes(app, ctx);
  dataRoutes(app, ctx);
  observabilityRoutes(app, ctx);
  policyInspectRoutes(app, ctx);
  consoleRoutes(app);
  return app;
}
