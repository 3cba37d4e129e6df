/** `GET /metrics` (Prometheus text) and `GET /events` (lifecycle events as server-sent events). */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.js';
import { rejectOtherMethods } from '../methods.js';

const HEARTBEAT_MS = 15_000;

export function observabilityRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/metrics', async (_req, reply) => {
    const text = await ctx.metrics.render();
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
  });
  rejectOtherMethods(app, '/metrics', ['GET']);

  const streams = new Set<ServerResponse>();
  app.get('/events', (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': connected\n\n');
    streams.add(res);
    const unsubscribe = ctx.events.subscribe((event) => {
      res.write(`event: ${event.event_type}\ndata: ${JSON.stringify(event)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS).unref();
    const close = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    };
    req.raw.on('close', close);
    res.on('close', close);
  });
  rejectOtherMethods(app, '/events', ['GET']);

  // Open streams would keep `close()` waiting forever: end them when the server stops.
  app.addHook('preClose', async () => {
    for (const res of streams) res.end();
  });
}
