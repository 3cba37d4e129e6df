/**
 * `GET /health`: liveness plus which policy is serving, whether the policy
 * watcher and the audit store are well, and `status: "degraded"` when any is
 * not. It needs no token; without one the answer holds states only, never
 * paths or error texts (those are for callers presenting the gateway token).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GatewayContext } from '../context.js';
import { rejectOtherMethods } from '../methods.js';
import { policySource } from './policy.js';

export function healthRoutes(app: FastifyInstance, ctx: GatewayContext, authorized: (req: FastifyRequest) => boolean): void {
  app.get('/health', async (req) => {
    const full = authorized(req);
    const snap = ctx.engine?.current() ?? null;
    const loadError = ctx.engine === null ? 'policy_dir not configured' : ctx.engine.lastLoadError();
    const policy: Record<string, unknown> = {
      revision: snap?.revision ?? null,
      loaded_at: snap?.loadedAt.toISOString() ?? null,
      modules: snap?.moduleCount ?? 0,
    };
    if (snap?.missingDomains !== undefined && snap.missingDomains.length > 0) policy['missing_domains'] = snap.missingDomains;
    const last = ctx.reloader.lastReload();
    if (full) {
      policy['policy_dir'] = ctx.policyDir;
      if (loadError !== null) policy['error'] = loadError;
      if (last !== null) policy['last_reload'] = last;
      policy['source'] = policySource(ctx);
    } else {
      if (last !== null) policy['last_reload'] = { status: last.status, source: last.source, at: last.at };
      // Where the policy comes from, without URLs or error texts.
      policy['source'] = ctx.bundles ? { type: 'bundle', name: ctx.bundles.name } : { type: 'directory' };
    }

    const watcher = ctx.watcher?.status() ?? null;
    const audit = ctx.store.health();
    const body: Record<string, unknown> = {
      status: snap === null || (watcher !== null && watcher.state !== 'watching') || audit.status !== 'ok' ? 'degraded' : 'ok',
      version: ctx.version,
      started_at: ctx.startedAt.toISOString(),
      uptime_s: Math.floor((Date.now() - ctx.startedAt.getTime()) / 1000),
      policy,
      watcher: watcher === null ? { state: 'off' } : full ? watcher : { state: watcher.state, restarts: watcher.restarts },
      audit: full ? audit : { status: audit.status },
      ...(ctx.decisionLogs ? { decision_logs: full ? ctx.decisionLogs.describe() : { enabled: true } } : {}),
    };
    if (full) {
      body['connections'] = { open: ctx.connections.size, max: ctx.limits.maxConnections, rejected: ctx.connections.rejected, evicted: ctx.connections.evicted };
      body['events'] = { subscribers: ctx.eventStreams.size, dropped: ctx.eventStreams.dropped };
    }
    return body;
  });
  rejectOtherMethods(app, '/health', ['GET']);
}
