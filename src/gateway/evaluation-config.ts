/**
 * `evaluation:` in config.yaml — what one decision may cost, and where slow
 * ones run:
 *
 *   evaluation:
 *     timeout_ms: 1000            # time budget of one decision (eval_cancel_error past it)
 *     max_elements: 20000000      # collection members one decision may build (eval_budget_error)
 *     max_string_chars: 50000000  # characters of strings built-ins may grow (eval_budget_error)
 *     offload_after_ms: 5         # a decision still running after this leaves the event loop
 *     workers: 1                  # evaluation worker threads for those (0: no offloading)
 *     worker_heap_mb: 512         # heap limit of each worker (a worker past it dies alone)
 *
 * A decision past a budget fails closed (admission denies, guardrail answers its
 * outage verdict, the other domains 500) and is counted in
 * `defenseclaw_policy_budget_exceeded_total`.
 */
import { availableParallelism } from 'node:os';
import { DEFAULT_EVAL_TIMEOUT_MS } from '../policy/engine.js';
import { DEFAULT_BUDGETS } from '../rego/eval/state.js';
import type { KeyReader } from './config.js';

/** The largest element budget allowed: well below the array size at which V8 aborts the process. */
export const MAX_ELEMENTS = 100_000_000;

export interface EvaluationConfig {
  timeoutMs: number;
  maxElements: number;
  maxStringChars: number;
  offloadAfterMs: number;
  workers: number;
  workerHeapMb: number;
}

/** One worker: the other core stays for the event loop (and whatever else runs on a 2-core machine). */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(2, availableParallelism() - 1));
}

export function readEvaluationConfig(r: KeyReader): EvaluationConfig {
  const cfg: EvaluationConfig = {
    timeoutMs: r.positiveInteger('evaluation.timeout_ms') ?? DEFAULT_EVAL_TIMEOUT_MS,
    maxElements: r.positiveInteger('evaluation.max_elements') ?? DEFAULT_BUDGETS.maxElements,
    maxStringChars: r.positiveInteger('evaluation.max_string_chars') ?? DEFAULT_BUDGETS.maxStringChars,
    offloadAfterMs: r.positiveInteger('evaluation.offload_after_ms') ?? 5,
    workers: r.nonNegativeInteger('evaluation.workers') ?? defaultWorkers(),
    workerHeapMb: r.positiveInteger('evaluation.worker_heap_mb') ?? 512,
  };
  if (cfg.timeoutMs > 2_147_483_647) throw r.fail('evaluation.timeout_ms', 'must be at most 2147483647 ms');
  // Past about 112 million members V8 aborts the whole process (not an exception): the budget must stay below.
  if (cfg.maxElements > MAX_ELEMENTS) throw r.fail('evaluation.max_elements', `must be at most ${MAX_ELEMENTS}`);
  if (cfg.workerHeapMb < 16) throw r.fail('evaluation.worker_heap_mb', 'must be at least 16');
  return cfg;
}
