/** What the routes share: the engine, the store, telemetry and the reload path. */
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { PolicyEngineApi } from '../../policy/types.js';
import type { AuditStore } from '../audit-store.js';
import type { LifecycleEvents } from '../events.js';
import type { GatewayMetrics } from '../metrics.js';
import type { PolicyReloader } from '../reload.js';
import type { InvalidationHub } from '../verdict-cache.js';
import type { VerdictCache } from '../../judge/cache.js';
import type { Inspector } from '../../judge/inspect.js';
import type { PolicyHistory } from '../../policy/history.js';
import type { ServerLimits } from '../config.js';
import type { WatcherStatus } from '../../policy/watch.js';
import { HttpError } from './errors.js';
import type { ConnectionGuard } from './limits.js';
import type { EventStreams } from './event-stream.js';

export const REVISION_HEADER = 'x-defenseclaw-policy-revision';

export interface GatewayContext {
  /** null when no policy directory is configured. */
  engine: PolicyEngineApi | null;
  policyDir: string;
  store: AuditStore;
  metrics: GatewayMetrics;
  events: LifecycleEvents;
  reloader: PolicyReloader;
  /** Caches of decisions made under the serving policy; invalidated after every successful reload. */
  caches: InvalidationHub;
  /** The LLM-judge verdict cache (attached to `caches`), for the guardrail inspector to use. */
  judgeCache: VerdictCache;
  /** The LLM judge behind `POST /v1/guardrail/inspect` (unconfigured: the policy decides on no findings). */
  inspector: Inspector;
  /** `guardrail.mode`: the inspect route's mode when the request gives none. */
  guardrailMode: 'observe' | 'action';
  /** Applied snapshots (`<data_dir>/policy-history/`), for history and rollback. */
  history: PolicyHistory;
  /** Human-in-the-loop settings injected into every guardrail input (from config, fixed at start). */
  hilt: { enabled: boolean; min_severity: string };
  startedAt: Date;
  version: string;
  logger: Logger;
  /** `gateway.limits`: the HTTP server's limits. */
  limits: ServerLimits;
  /** Open connections (bounded by `limits.maxConnections`). */
  connections: ConnectionGuard;
  /** `GET /events` subscribers. */
  eventStreams: EventStreams;
  /** The policy directory watcher (null: automatic reload is off); set once it has started. */
  watcher: { status(): WatcherStatus } | null;
}

export function requireEngine(ctx: GatewayContext): PolicyEngineApi {
  if (ctx.engine === null) throw new HttpError(503, 'policy_dir not configured');
  return ctx.engine;
}

/** Every decision response says which policy revision made it. */
export function withRevision(reply: FastifyReply, revision: string): FastifyReply {
  if (revision !== '') void reply.header(REVISION_HEADER, revision);
  return reply;
}
