/**
 * Opens the policy engine for a directory with our Rego compiler, with the
 * evaluation budgets and pool of `evaluation.*` (see evaluation-config.ts).
 * `PolicyEngine.open` never throws for a bad directory (no snapshot +
 * `lastLoadError()`), so a broken policy does not stop the sidecar: it serves
 * fail-closed answers until a reload succeeds.
 */
import { PolicyEngine, type PolicyEngineOptions } from '../policy/engine.js';
import { EvalPool } from '../policy/eval-pool.js';
import type { PolicyEngineApi } from '../policy/types.js';
import { compile, compileAsync } from '../rego/index.js';
import type { EvaluationConfig } from './evaluation-config.js';

/** What the engine options take from `evaluation.*`. */
export type EvaluationOptions = Pick<PolicyEngineOptions, 'evalTimeoutMs' | 'budgets' | 'offload' | 'observer'>;

export interface EvaluationSetup {
  options: EvaluationOptions;
  /** Stops the pool's workers (at shutdown). */
  close(): Promise<void>;
}

export interface EvaluationMetrics {
  recordBudgetExceeded(domain: string, budget: string): void;
  recordOffloaded(domain: string): void;
  recordEvalWorkerRestart(reason: 'timeout' | 'crash'): void;
}

export function evaluationSetup(cfg: EvaluationConfig, metrics: EvaluationMetrics): EvaluationSetup {
  const budgets = { maxElements: cfg.maxElements, maxStringChars: cfg.maxStringChars };
  const pool =
    cfg.workers > 0
      ? new EvalPool({ size: cfg.workers, budgets, heapMb: cfg.workerHeapMb, onRestart: (reason) => metrics.recordEvalWorkerRestart(reason) })
      : null;
  const options: EvaluationOptions = {
    evalTimeoutMs: cfg.timeoutMs,
    budgets,
    observer: {
      budgetExceeded: (what, budget) => metrics.recordBudgetExceeded(what, budget),
      offloaded: (what) => metrics.recordOffloaded(what),
    },
  };
  if (pool !== null) options.offload = { pool, afterMs: cfg.offloadAfterMs };
  return { options, close: async () => pool?.close() };
}

export async function openPolicyEngine(policyDir: string, evaluation: EvaluationOptions = {}): Promise<PolicyEngineApi> {
  return PolicyEngine.open(policyDir, { compile, compileAsync, ...evaluation });
}
