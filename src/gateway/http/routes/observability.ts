/** `GET /metrics` (Prometheus text) and `GET /events` (lifecycle events as server-sent events). */
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.js';
import { HttpError } from '../errors.js';
import { exemptFromIdleTimeout } from '../limits.js';
import { rejectOtherMethods } from '../methods.js';

export function observabilityRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/metrics', async (_req, reply) => {
    const text = await ctx.metrics.render();
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
  });
  rejectOtherMethods(app, '/metrics', ['GET']);

  const streams = ctx.eventStreams;
  const unsubscribe = ctx.events.subscribe((_event, json) => streams.publish(json));
  app.get('/events', (_req, reply) => {
    if (streams.full) throw new HttpError(503, 'too many event subscribers', { 'retry-after': '5' });
    // The stream is quiet between events: its own heartbeat and queue bound apply instead.
    exemptFromIdleTimeout(reply);
    reply.hijack();
    streams.add(reply.raw);
  });
  rejectOtherMethods(app, '/events', ['GET']);

  // Open streams would keep `close()` waiting forever: end them when the server stops.
  app.addHook('preClose', async () => {
    unsubscribe();
    streams.closeAll();
  });
}
