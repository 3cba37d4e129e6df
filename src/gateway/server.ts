/**
 * Builds the sidecar's HTTP server (fastify): error handling, the JSON body
 * parser, the security checks, then the routes. The decision routes are also
 * served by the lean path in front of fastify (`http/lean.ts`), with the same
 * checks and route functions. It does not listen; the caller (the sidecar,
 * tests) does.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { installErrorHandlers, type RequestLine } from './http/errors.js';
import { installJsonParser } from './http/body.js';
import { clientErrorHandler, createLimitedServer } from './http/limits.js';
import { requestAuthorizer, requestChecker, securityHook } from './http/security.js';
import { leanDecisions } from './http/lean.js';
import type { DecisionRoute, GatewayContext } from './http/context.js';
import { healthRoutes } from './http/routes/health.js';
import { policyDecisionRoutes, policyRoutes } from './http/routes/policy.js';
import { guardrailDecisionRoutes, guardrailRoutes } from './http/routes/guardrail.js';
import { enforceRoutes } from './http/routes/enforce.js';
import { dataRoutes } from './http/routes/data.js';
import { observabilityRoutes } from './http/routes/observability.js';
import { policyInspectRoutes } from './http/routes/policy-inspect.js';
import { consoleRoutes } from './ui/routes.js';

export type { GatewayContext } from './http/context.js';

export interface ServerOptions {
  /** Serve the decision routes on the lean path (true by default); false sends every request through fastify. */
  leanPath?: boolean;
}

export function buildServer(ctx: GatewayContext, token: string, opts: ServerOptions = {}): FastifyInstance {
  const decisions: Record<string, DecisionRoute> = { ...policyDecisionRoutes(ctx), ...guardrailDecisionRoutes(ctx) };
  const onInternal = (err: unknown, req: RequestLine): void => ctx.logger.error({ err, method: req.method, url: req.url }, 'request failed');
  let closing = false;
  const lean = { routes: decisions, check: requestChecker(token), bodyLimit: ctx.limits.maxBodyBytes, closing: () => closing, onInternal };
  const app = Fastify({
    bodyLimit: ctx.limits.maxBodyBytes,
    // Timeouts, header size and the connection limit (`gateway.limits`); the decision routes' lean path in front.
    serverFactory: (handler) => createLimitedServer(opts.leanPath === false ? handler : leanDecisions(lean, handler), ctx.limits, ctx.connections),
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
  // From now on fastify answers 503 (return503OnClosing): the lean path hands it every request.
  app.addHook('preClose', async () => {
    closing = true;
  });
  installErrorHandlers(app, onInternal);
  installJsonParser(app, ctx.limits.maxBodyBytes);
  app.addHook('onRequest', securityHook(token));
  for (const [url, route] of Object.entries(decisions)) app.post(url, async (req, reply) => route(req.body, req, reply));
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
