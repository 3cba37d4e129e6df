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
import { openPolicyEngine } from './engine-loader.js';
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
  const store = AuditStore.open(config.auditDb);
  const metrics = new GatewayMetrics();
  // Whatever fails from here on must not leave the store open.
  const abort = async (message: string): Promise<never> => {
    store.close();
    await metrics.shutdown();
    throw new SidecarError(message);
  };

  let engine: PolicyEngineApi | null = null;
  let bundles: Awaited<ReturnType<typeof openBundleSource>> = null;
  try {
    bundles = await openBundleSource(config, packageVersion(), metrics, logger);
    if (bundles !== null) engine = bundles.engine;
    else if (config.policyDir !== '') engine = await (opts.openEngine ?? openPolicyEngine)(config.policyDir);
  } catch (err) {
    return abort(`cannot start the policy engine: ${(err as Error).message}`);
  }
  const events = new LifecycleEvents(join(config.dataDir, 'gateway.jsonl'), (err) =>
    logger.warn({ err }, 'cannot append to gateway.jsonl'),
  );
  const caches = new InvalidationHub();
  // The LLM-judge verdict cache: verdicts rendered under an older policy must not survive a reload.
  const judgeCache = new VerdictCache({ onLookup: (hit, kind) => metrics.recordCacheLookup(hit, kind) });
  caches.attach(judgeCache);
  const history = new PolicyHistory(join(config.dataDir, 'policy-history'), config.policyHistory.limit);
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
  };
  const app = buildServer(context, token.token);

  try {
    await app.listen({ host: config.gateway.apiBind, port: config.gateway.apiPort });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const where = `${config.gateway.apiBind}:${config.gateway.apiPort}`;
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
  const watcher = engine !== null && bundles === null && config.watch.policy ? await startWatcher(config, reloader, logger) : null;
  if (watcher !== null) print(`watching ${config.policyDir} (reload ${config.watch.debounceMs} ms after the last change)`);
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
  return new JudgeClient({ baseUrl: j.baseUrl, model: j.model, timeoutMs: j.timeoutMs, ...(apiKey ? { apiKey } : {}) });
}

/**
 * Automatic reload: the same path as `POST /policy/reload` (source `watch`).
 * A failed reload is already logged, counted and journaled by the reloader;
 * the previous policy keeps serving. A watcher that cannot start only logs.
 */
async function startWatcher(config: GatewayConfig, reloader: PolicyReloader, logger: Logger): Promise<PolicyWatcher | null> {
  const watcher = new PolicyWatcher(config.policyDir, {
    debounceMs: config.watch.debounceMs,
    onSettled: () => reloader.reload('watch'),
    onError: (err) => logger.warn({ err }, 'policy watcher error'),
  });
  try {
    await watcher.start();
    return watcher;
  } catch (err) {
    logger.error({ err, policy_dir: config.policyDir }, 'cannot watch the policy directory; automatic reload is off');
    await watcher.close().catch(() => undefined);
    return null;
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
