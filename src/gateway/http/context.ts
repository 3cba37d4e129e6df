/** What the routes share: the engine, the store, telemetry and the reload path. */
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
import type { BundleManager } from '../../bundle/manager.js';
import type { DecisionLogger } from '../decision-logs/decision-logger.js';
import type { ServerLimits } from '../config.js';
import type { WatcherStatus } from '../../policy/watch.js';
import { HttpError } from './errors.js';
import type { ConnectionGuard } from './limits.js';
import type { EventStreams } from './event-stream.js';

export const REVISION_HEADER = 'x-defenseclaw-policy-revision';
/** With decision logs on, every decision's `decision_id`, to trace it from the agent to the log. */
export const DECISION_ID_HEADER = 'x-defenseclaw-decision-id';

export interface GatewayContext {
  /** null when no policy directory is configured. */
  engine: PolicyEngineApi | null;
  /** The policy directory, or `bundle:<name>` when a bundle is the source. */
  policyDir: string;
  /** The bundle the policy comes from (`bundles:` configured), else null. */
  bundles?: BundleManager | null;
  /** Decision logging (`decision_logs:` configured), else null. */
  decisionLogs?: DecisionLogger | null;
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

/** Where a decision's headers go: a fastify reply, or the lean path's (`lean.ts`). */
export interface HeaderSink {
  header(name: string, value: string): unknown;
}

/** What a decision needs of its request: the peer, for the decision log. */
export interface DecisionRequest {
  readonly socket: { readonly remoteAddress?: string | undefined; readonly remotePort?: number | undefined };
}

/**
 * A decision route: the parsed body in, the answer out (or its promise); it
 * sets its headers on `reply` and throws `HttpError`s. The same function serves
 * through fastify and through the lean path.
 */
export type DecisionRoute = (body: unknown, req: DecisionRequest, reply: HeaderSink) => unknown;

/** Every decision response says which policy revision made it. */
export function withRevision<R extends HeaderSink>(reply: R, revision: string): R {
  if (revision !== '') void reply.header(REVISION_HEADER, revision);
  return reply;
}

export interface DecisionRecord {
  /** Path of the decision below `data` (`defenseclaw/firewall`, a Data API path). */
  path: string;
  input: unknown;
  result: unknown;
  revision: string;
  startedAt?: number;
}

/**
 * Sets the revision header and, with decision logs on, logs the decision and
 * returns its id in `X-DefenseClaw-Decision-Id` (the log never delays the answer).
 */
export function sendDecision(ctx: GatewayContext, req: DecisionRequest, reply: HeaderSink, d: DecisionRecord): string | undefined {
  withRevision(reply, d.revision);
  const log = ctx.decisionLogs;
  if (!log) return undefined;
  const id = log.log({
    path: d.path,
    input: d.input,
    result: d.result,
    revision: d.revision,
    requestedBy: `${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? ''}`,
    ...(d.startedAt !== undefined ? { evalNs: (performance.now() - d.startedAt) * 1e6 } : {}),
  });
  void reply.header(DECISION_ID_HEADER, id);
  return id;
}
