/**
 * Running the suite in a worker thread, as a backstop for code that never
 * reaches the evaluator's deadline check (a built-in grinding through a huge
 * input): the main thread watches each test, and when one overruns its
 * timeout by a grace period it terminates the worker, reports that test as an
 * error and starts a fresh worker at the next test. The worker compiles the
 * same sources and selects the same tests as the main thread did (both are
 * deterministic), so tests are identified by index.
 */
import type { Worker } from 'node:worker_threads';
import type { CompileOptions, ModuleSource } from '../api.js';
import { RegoError, type ErrorCode, type Location } from '../errors.js';
import type { Value } from '../value.js';
import type { TestCase } from './discover.js';
import type { TestResult } from './runner.js';
import { siblingModule, startModuleWorker } from '../worker-thread.js';

/** What the worker needs to rebuild the suite and run it from `startAt`. */
export interface WorkerJob {
  sources: ModuleSource[];
  compileOptions: CompileOptions;
  data: Value;
  run?: string;
  timeoutMs: number;
  coverage: boolean;
  startAt: number;
  /** URL of the module providing `compile` (default: the engine, `src/rego/index`). */
  engine?: string;
}

/** A result as it crosses the thread boundary (errors as plain data). */
export interface WireResult extends Omit<TestResult, 'error'> {
  error?: { code: ErrorCode; message: string; location?: Location };
}

export type WorkerMessage =
  | { type: 'start'; index: number }
  | { type: 'result'; index: number; result: WireResult; hits: [string, number[]][] }
  | { type: 'done'; count: number }
  | { type: 'fatal'; message: string };

export function toWire(r: TestResult): WireResult {
  const { error, ...rest } = r;
  return error ? { ...rest, error: error.toJSON() } : rest;
}

function fromWire(w: WireResult): TestResult {
  const { error, ...rest } = w;
  return error ? { ...rest, error: new RegoError(error.code, error.message, error.location) } : rest;
}

/** Time a test may overrun its own deadline before the worker is terminated. */
export const GRACE_MS = 2000;

function startWorker(job: WorkerJob): Worker {
  return startModuleWorker(siblingModule(import.meta.url, 'worker-entry'), { workerData: job });
}

function failure(test: TestCase, code: ErrorCode, message: string, durationNs: bigint): TestResult {
  return { location: test.location, package: test.package, name: test.name, fail: false, skip: false, durationNs, output: '', error: new RegoError(code, message) };
}

/**
 * Runs `tests` (the main thread's selection) in workers. Resolves with one
 * result per test, in order, and the coverage hits. Never rejects for test
 * problems; a worker that cannot even start rejects.
 */
export function runIsolated(
  job: Omit<WorkerJob, 'startAt'>,
  tests: readonly TestCase[],
  onResult?: (r: TestResult) => void,
): Promise<{ results: TestResult[]; hits: Map<string, Set<number>> }> {
  const results: TestResult[] = [];
  const hits = new Map<string, Set<number>>();
  return new Promise((resolve, reject) => {
    const launch = (startAt: number): void => {
      if (startAt >= tests.length) return resolve({ results, hits });
      const worker = startWorker({ ...job, startAt });
      let current = -1;
      let startedAt = 0n;
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const finishWith = (next: number | 'reject', err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        void worker.terminate();
        if (next === 'reject') reject(err);
        else launch(next);
      };
      const record = (index: number, r: TestResult): void => {
        results[index] = r;
        onResult?.(r);
      };
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'start') {
          current = m.index;
          startedAt = process.hrtime.bigint();
          clearTimeout(timer);
          timer = setTimeout(() => {
            const secs = (job.timeoutMs / 1000).toString();
            record(current, failure(tests[current]!, 'eval_cancel_error', `test exceeded the ${secs}s timeout and was stopped`, process.hrtime.bigint() - startedAt));
            finishWith(current + 1);
          }, job.timeoutMs + GRACE_MS);
        } else if (m.type === 'result') {
          clearTimeout(timer);
          for (const [file, rows] of m.hits) {
            let set = hits.get(file);
            if (!set) hits.set(file, (set = new Set()));
            for (const row of rows) set.add(row);
          }
          record(m.index, fromWire(m.result));
          current = -1;
        } else if (m.type === 'done') {
          if (m.count !== tests.length) return finishWith('reject', new Error(`test worker found ${m.count} tests, expected ${tests.length}`));
          finishWith(tests.length);
        } else {
          finishWith('reject', new Error(`test worker: ${m.message}`));
        }
      });
      worker.on('error', (e) => {
        // The worker died inside a test (out of memory, a crash): that test errors, the run goes on.
        if (current >= 0) {
          record(current, failure(tests[current]!, 'eval_internal_error', `test worker stopped: ${e.message}`, process.hrtime.bigint() - startedAt));
          finishWith(current + 1);
        } else {
          finishWith('reject', e);
        }
      });
      worker.on('exit', () => {
        if (!settled) finishWith('reject', new Error('test worker exited early'));
      });
    };
    launch(0);
  });
}
