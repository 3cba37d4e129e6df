/**
 * The sidecar process: configuration → data directory → token → audit store →
 * policy engine (its snapshot recorded in the policy history) → HTTP server →
 * policy directory watcher, and an orderly stop on SIGINT/SIGTERM (stop
 * watching, stop accepting, finish in-flight requests and reloads, flush
 * events, close the store).
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { PolicyEngineApi } from '../policy/types.js';
import { VerdictCache } from '../judge/cache.js';
import { JudgeClient } from '../judge/client.js';
import { Inspector } from '../judge/inspect.js';
import { PolicyHistory } from '../policy/history.js';
import { recoverPolicyDirectory } from '../policy/revision-switch.js';
import { PolicyWatcher } from '../policy/watch.js';
import { loadConfig, type ConfigOverrides, type GatewayConfig } from './config.js';
import { ensureHome, packageVersion } from './home.js';
import { ensureToken } from './token.js';
import { AuditStore } from './audit-store.js';
import { GatewayMetrics } from './metrics.js';
import { LifecycleEvents } from './events.js';
import { PolicyReloader } from './reload.js';
import { InvalidationHub } from './verdict-cache.js';
import { createLogger, type Logger } from './logger.js';
import { buildServer, type GatewayContext } from './server.js';
import { ConnectionGuard } from './http/limits.js';
import { EventStreams } from './http/event-stream.js';
import { evaluationSetup, openPolicyEngine } from './engine-loader.js';
import { openBundleSource, openDecisionLogger } from './fleet.js';

/** A start-up failure with a message fit for the operator (exit 1). */
export class SidecarError extends Error {
  override name = 'SidecarError';
  readonly code = 'sidecar_error';
}

export interface SidecarOptions extends ConfigOverrides {
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Where the banner goes (stdout by default). */
  print?: (line: string) => void;
  /** Tests can inject an engine; by default the policy engine opens the configured directory. */
  openEngine?: (policyDir: string) => Promise<PolicyEngineApi>;
  /** false: every request goes through fastify, none through the lean decision path (tests compare the two answers). */
  leanPath?: boolean;
}

export interface RunningSidecar {
  config: GatewayConfig;
  url: string;
  port: number;
  app: FastifyInstance;
  context: GatewayContext;
  /** Graceful stop; idempotent. */
  stop(): Promise<void>;
}

export async function startSidecar(opts: SidecarOptions = {}): Promise<RunningSidecar> {
  const env = opts.env ?? process.env;
  const logger = opts.logger ?? createLogger(env);
  const print = opts.print ?? ((line: string) => process.stdout.write(line + '\n'));

  const config = loadConfig(opts, env);
  const bundleName = config.fleet.bundles[0]?.name ?? null;
  // With a bundle as the policy source, no local policy directory is seeded or read.
  const { seededPolicies } = prepare(`cannot prepare the data directory ${config.dataDir}`, () => ensureHome(bundleName === null ? config : { ...config, policyDir: '' }));
  const token = prepare('cannot set up the gateway token', () => ensureToken(config, env));
  const metrics = new GatewayMetrics();
  const events = new LifecycleEvents(join(config.dataDir, 'gateway.jsonl'), (err) =>
    logger.warn({ err }, 'cannot append to gateway.jsonl'),
  );
  const store = openAuditStore(config, metrics, events, logger, print);
  const evaluation = evaluationSetup(config.evaluation, metrics);
  // Whatever fails from here on must not leave the store open.
  const abort = async (message: string): Promise<never> => {
    store.close();
    await evaluation.close();
    await metrics.shutdown();
    throw new SidecarError(message);
  };

  let engine: PolicyEngineApi | null = null;
  let bundles: Awaited<ReturnType<typeof openBundleSource>> = null;
  try {
    bundles = await openBundleSource(config, packageVersion(), metrics, logger, evaluation.options);
    if (bundles !== null) engine = bundles.engine;
    else if (config.policyDir !== '') {
      recoverInterruptedRollback(config.policyDir, logger);
      engine = await (opts.openEngine ?? ((dir: string) => openPolicyEngine(dir, evaluation.options)))(config.policyDir);
    }
  } catch (err) {
    return abort(`cannot start the policy engine: ${(err as Error).message}`);
  }
  const caches = new InvalidationHub();
  // The LLM-judge verdict cache: verdicts rendered under an older policy must not survive a reload.
  const judgeCache = new VerdictCache({ onLookup: (hit, kind) => metrics.recordCacheLookup(hit, kind) });
  caches.attach(judgeCache);
  const history = new PolicyHistory(join(config.dataDir, 'policy-history'), config.policyHistory.limit, {
    warn: (message, details) => logger.warn(details, message),
  });
  const reloader = new PolicyReloader({ engine, audit: store, metrics, events, caches, history, logger });
  if (bundles !== null) bundles.manager.attach(reloader, bundles.engine);
  reloader.recordStart();
  const decisionLogs = openDecisionLogger(config, packageVersion(), metrics, logger);

  const context: GatewayContext = {
    engine,
    policyDir: bundleName === null ? config.policyDir : `bundle:${bundleName}`,
    bundles: bundles?.manager ?? null,
    decisionLogs,
    store,
    metrics,
    events,
    reloader,
    caches,
    judgeCache,
    inspector: new Inspector(judgeClient(config, env), judgeCache),
    guardrailMode: config.guardrail.mode,
    history,
    hilt: { enabled: config.guardrail.hilt.enabled, min_severity: config.guardrail.hilt.minSeverity },
    startedAt: new Date(),
    version: packageVersion(),
    logger,
    limits: config.gateway.limits,
    connections: new ConnectionGuard(config.gateway.limits.maxConnections),
    eventStreams: new EventStreams(config.gateway.limits.eventsMaxClients, config.gateway.limits.eventsMaxQueuedBytes),
    watcher: null,
  };
  observeServer(context);
  const app = buildServer(context, token.token, { leanPath: opts.leanPath ?? true });
  // Watching before listening: the first `/health` already knows the watcher's state.
  const watcher = engine !== null && bundles === null && config.watch.policy ? await startWatcher(config, reloader, logger, events) : null;
  context.watcher = watcher;

  try {
    await app.listen({ host: config.gateway.apiBind, port: config.gateway.apiPort });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const where = `${config.gateway.apiBind}:${config.gateway.apiPort}`;
    await watcher?.close().catch(() => undefined);
    await app.close().catch(() => undefined);
    if (code === 'EADDRINUSE') return abort(`cannot listen on ${where}: address already in use (is another sidecar running?)`);
    return abort(`cannot listen on ${where}: ${(err as Error).message}`);
  }
  const port = (app.server.address() as AddressInfo).port;
  const host = config.gateway.apiBind.includes(':') ? `[${config.gateway.apiBind}]` : config.gateway.apiBind;
  const url = `http://${host}:${port}`;

  const snap = engine?.current() ?? null;
  print(`defenseclaw-gateway listening on ${url}`);
  if (bundles !== null) {
    const m = bundles.manager;
    const state = snap !== null ? `revision ${snap.revision}, from the persisted copy` : 'NOT LOADED yet, serving fail-closed answers until the first download';
    print(`policy bundle: ${m.name} from ${m.url} (${state})`);
  } else if (engine === null) print('policy directory: not configured (policy routes answer 503)');
  else if (snap !== null) print(`policy directory: ${config.policyDir} (revision ${snap.revision}, ${snap.moduleCount} module${snap.moduleCount === 1 ? '' : 's'}${seededPolicies ? ', seeded from the bundled policies' : ''})`);
  else print(`policy directory: ${config.policyDir} (NOT LOADED, serving fail-closed answers: ${engine.lastLoadError() ?? 'unknown error'})`);
  print(`token: ${token.source}`);
  if (watcher !== null) {
    const state = watcher.status();
    if (state.state === 'watching') print(`watching ${config.policyDir} (reload ${config.watch.debounceMs} ms after the last change)`);
    else print(`NOT watching ${config.policyDir} yet (${state.error ?? 'unknown error'}); retrying in the background`);
  }
  if (decisionLogs !== null) print(`decision logs: ${decisionLogs.url ?? 'console'}`);
  bundles?.manager.start();
  decisionLogs?.start();
  events.emit('gateway', 'ready', { url, policy_dir: context.policyDir, revision: snap?.revision ?? null });

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // First: no new reload may start while the rest shuts down (close waits for a running one).
      await watcher?.close();
      await bundles?.manager.stop();
      await app.close();
      // A reload started by something other than a request (watcher) must finish before the store closes.
      await reloader.idle();
      // Decisions made until the server closed get one last upload.
      await decisionLogs?.stop();
      events.emit('gateway', 'stop', { url });
      await events.flush();
      store.close();
      await evaluation.close();
      await metrics.shutdown();
    })();
    return stopping;
  };
  return { config, url, port, app, context, stop };
}

/** The LLM judge, when `guardrail.judge.base_url` and `model` are both set. */
function judgeClient(config: GatewayConfig, env: NodeJS.ProcessEnv): JudgeClient | null {
  const j = config.guardrail.judge;
  if (j.baseUrl === '' || j.model === '') return null;
  const apiKey = j.apiKeyEnv !== '' ? env[j.apiKeyEnv] : undefined;
  return new JudgeClient({ baseUrl: j.baseUrl, model: j.model, timeoutMs: j.timeoutMs, maxResponseBytes: j.maxResponseBytes, ...(apiKey ? { apiKey } : {}) });
}

/** How often the audit database file is checked between writes. */
const AUDIT_CHECK_INTERVAL_MS = 5_000;

/**
 * The audit store, its failures wired to a metric, a lifecycle event and the
 * log. A database found damaged at start has been moved aside and replaced:
 * that is said loudly, and the sidecar starts.
 */
function openAuditStore(config: GatewayConfig, metrics: GatewayMetrics, events: LifecycleEvents, logger: Logger, print: (line: string) => void): AuditStore {
  const store = AuditStore.open(config.auditDb, {
    onError: (kind) => metrics.recordAuditError(kind),
    onHealthChange: (h) => {
      if (h.status === 'ok') {
        logger.info({ db: h.db }, 'audit store writes again');
        events.emit('audit', 'restored', { db: h.db });
      } else {
        logger.error({ db: h.db, status: h.status, error: h.error }, h.status === 'damaged' ? 'AUDIT DATABASE DAMAGED: nothing is recorded and policy reloads are refused until the sidecar restarts' : 'audit store write failed');
        events.emit('audit', 'degraded', { db: h.db, status: h.status, error: h.error ?? '' });
      }
    },
  });
  const recovered = store.health().recovered;
  if (recovered) {
    const carried = `${recovered.salvaged_entries} block/allow entr${recovered.salvaged_entries === 1 ? 'y' : 'ies'} carried over`;
    logger.error({ db: config.auditDb, moved_to: recovered.moved_to, error: recovered.error, salvaged_entries: recovered.salvaged_entries }, 'AUDIT DATABASE WAS DAMAGED: moved aside, a new one was created');
    print(`WARNING: audit database ${config.auditDb} was damaged (${recovered.error}); moved to ${recovered.moved_to}; a new one was created (${carried})`);
    events.emit('audit', 'alert', { db: config.auditDb, moved_to: recovered.moved_to, error: recovered.error, salvaged_entries: recovered.salvaged_entries });
  }
  store.startMonitor(AUDIT_CHECK_INTERVAL_MS);
  metrics.observeGauge('defenseclaw.audit.healthy', 'Whether the audit store records (1) or not (0)', '1', () => (store.health().status === 'ok' ? 1 : 0));
  return store;
}

/** The server's own gauges and counters: connections, event subscribers, the watcher. */
function observeServer(ctx: GatewayContext): void {
  const m = ctx.metrics;
  m.observeGauge('defenseclaw.gateway.connections', 'Open HTTP connections', '{connection}', () => ctx.connections.size);
  m.observeCounter('defenseclaw.gateway.connections.rejected', 'Connections refused at the connection limit', '{connection}', () => ctx.connections.rejected);
  m.observeCounter('defenseclaw.gateway.connections.evicted', 'Connections that had sent nothing, closed to make room at the limit', '{connection}', () => ctx.connections.evicted);
  m.observeGauge('defenseclaw.gateway.events.subscribers', 'GET /events subscribers', '{subscriber}', () => ctx.eventStreams.size);
  m.observeCounter('defenseclaw.gateway.events.dropped', 'GET /events subscribers dropped for not reading', '{subscriber}', () => ctx.eventStreams.dropped);
  m.observeGauge('defenseclaw.policy.watcher.up', 'Whether the policy directory is watched (1) or not (0)', '1', () => (ctx.watcher?.status().state === 'watching' ? 1 : 0));
  m.observeCounter('defenseclaw.policy.watcher.restarts', 'Times the policy directory watch was re-established', '{restart}', () => ctx.watcher?.status().restarts ?? 0);
}

/**
 * Automatic reload: the same path as `POST /policy/reload` (source `watch`).
 * A failed reload is already logged, counted and journaled by the reloader;
 * the previous policy keeps serving. A watch that is lost (the directory
 * unreadable for a moment, replaced) is logged, journaled and re-established
 * with back-off; `/health` and `defenseclaw.policy.watcher.up` show its state.
 */
async function startWatcher(config: GatewayConfig, reloader: PolicyReloader, logger: Logger, events: LifecycleEvents): Promise<PolicyWatcher> {
  const watcher = new PolicyWatcher(config.policyDir, {
    debounceMs: config.watch.debounceMs,
    onSettled: () => reloader.reload('watch'),
    onError: (err) => logger.warn({ err }, 'policy watcher error'),
    onStateChange: (status) => {
      if (status.state === 'restarting') {
        logger.error({ policy_dir: config.policyDir, error: status.error }, 'policy watcher lost the policy directory; automatic reload is paused, retrying');
        events.emit('watcher', 'degraded', { policy_dir: config.policyDir, error: status.error ?? '' });
      } else if (status.state === 'watching' && status.restarts > 0) {
        logger.warn({ policy_dir: config.policyDir, restarts: status.restarts }, 'policy watcher restarted');
        events.emit('watcher', 'restored', { policy_dir: config.policyDir, restarts: status.restarts });
      }
    },
  });
  await watcher.start();
  return watcher;
}

/**
 * A rollback interrupted by a crash is finished (or undone) before the policy
 * is read, so the engine never loads a mix of two revisions. A journal that
 * cannot be applied only logs: the engine then reports what it finds.
 */
function recoverInterruptedRollback(policyDir: string, logger: Logger): void {
  try {
    for (const r of recoverPolicyDirectory(policyDir)) {
      if (r.finished !== undefined) logger.warn({ rego_dir: r.regoDir, finished: r.finished }, 'an interrupted policy rollback was completed at start');
      if (r.discardedJournal) logger.warn({ rego_dir: r.regoDir }, 'an unreadable policy rollback journal was discarded');
      if (r.removed.length > 0) logger.info({ rego_dir: r.regoDir, removed: r.removed }, 'leftover temporary files of a policy rollback removed');
    }
  } catch (err) {
    logger.error({ err, policy_dir: policyDir }, 'an interrupted policy rollback could not be completed');
  }
}

/** File-system set-up failures become one operator-facing line. */
function prepare<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new SidecarError(`${what}: ${(err as Error).message}`);
  }
}

/** Runs in the foreground until SIGINT/SIGTERM; exits 0 after a graceful stop. */
export async function runSidecar(opts: SidecarOptions = {}): Promise<void> {
  const sidecar = await startSidecar(opts);
  const onSignal = (signal: NodeJS.Signals): void => {
    sidecar.context.logger.info({ signal }, 'stopping');
    sidecar.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`error while stopping: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
