/** `GET /health`: unauthenticated liveness plus which policy is serving (or why none is). */
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.js';
import { rejectOtherMethods } from '../methods.js';
import { policySource } from './policy.js';

export function healthRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/health', async () => {
    const snap = ctx.engine?.current() ?? null;
    const loadError = ctx.engine === null ? 'policy_dir not configured' : ctx.engine.lastLoadError();
    const policy: Record<string, unknown> = {
      revision: snap?.revision ?? null,
      loaded_at: snap?.loadedAt.toISOString() ?? null,
      policy_dir: ctx.policyDir,
      modules: snap?.moduleCount ?? 0,
    };
    if (loadError !== null) policy['error'] = loadError;
    const last = ctx.reloader.lastReload();
    if (last !== null) policy['last_reload'] = last;
    policy['source'] = policySource(ctx);
    return {
      status: snap === null ? 'degraded' : 'ok',
      version: ctx.version,
      started_at: ctx.startedAt.toISOString(),
      uptime_s: Math.floor((Date.now() - ctx.startedAt.getTime()) / 1000),
      policy,
      ...(ctx.decisionLogs ? { decision_logs: ctx.decisionLogs.describe() } : {}),
    };
  });
  rejectOtherMethods(app, '/health', ['GET']);
}
