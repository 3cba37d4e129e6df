/**
 * The sidecar's fleet wiring: a configured bundle becomes the policy source
 * (engine + `BundleManager`), and `decision_logs` a `DecisionLogger`. Kept out
 * of `sidecar.ts` so that the start-up sequence stays readable there.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { BundleManager } from '../bundle/manager.js';
import { writeFileAtomic } from '../policy/safe-write.js';
import { PolicyEngine } from '../policy/engine.js';
import type { PolicyEngineApi } from '../policy/types.js';
import { compile, compileAsync } from '../rego/index.js';
import type { GatewayConfig } from './config.js';
import { DecisionLogger } from './decision-logs/decision-logger.js';
import type { GatewayMetrics } from './metrics.js';
import type { EvaluationOptions } from './engine-loader.js';

export function userAgent(version: string): string {
  return `defenseclaw/${version} (${process.platform}, ${process.arch})`;
}

/** The bundle manager and an engine reading through it; the persisted bundle (if any) is compiled on open. */
export async function openBundleSource(
  config: GatewayConfig,
  version: string,
  metrics: GatewayMetrics,
  logger: Logger,
  evaluation: EvaluationOptions = {},
): Promise<{ manager: BundleManager; engine: PolicyEngineApi } | null> {
  const source = config.fleet.bundles[0];
  if (source === undefined) return null;
  const manager = new BundleManager({
    config: source,
    service: config.fleet.services.get(source.service)!,
    persistenceDir: config.fleet.persistenceDir,
    userAgent: userAgent(version),
    metrics,
    logger,
  });
  manager.stagePersisted();
  const engine = await PolicyEngine.create(`bundle:${source.name}`, { compile, compileAsync, loadDirectory: manager.loader, ...evaluation });
  return { manager, engine };
}

export function openDecisionLogger(config: GatewayConfig, version: string, metrics: GatewayMetrics, logger: Logger): DecisionLogger | null {
  if (config.decisionLogs === null) return null;
  const labels = { ...config.fleet.labels, id: sidecarId(config.dataDir), version };
  return new DecisionLogger({
    config: config.decisionLogs,
    labels,
    bundleName: config.fleet.bundles[0]?.name ?? null,
    userAgent: userAgent(version),
    metrics,
    logger,
  });
}

/** This sidecar's identity in decision logs: a UUID kept in `<data_dir>/sidecar-id`, stable across restarts. */
export function sidecarId(dataDir: string): string {
  const file = join(dataDir, 'sidecar-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f-]{36}$/.test(id)) return id;
  } catch {
    // First start: create it.
  }
  const id = randomUUID();
  writeFileAtomic(file, id + '\n', 0o600);
  return id;
}
