/**
 * Evaluating slow decisions off the event loop: a small pool of worker threads,
 * each holding compiled copies of the snapshots it was asked about. The engine
 * evaluates every decision in process first, for a short slice of time; only a
 * decision that outlasts the slice is evaluated again here, so that a slow
 * policy cannot stall `/health`, reloads or the other requests. (A round trip
 * costs about as much main-thread time as a whole decision of the default
 * policies: sending every decision here would cost throughput; see
 * bench/RESULTS.md.)
 *
 * Each task carries what is left of its decision's time budget: its deadline
 * is set when a worker starts it (a worker's start and compile are not the
 * policy's evaluation time). The worker stops itself there (the evaluator's
 * time budget); a worker stuck past it by `graceMs` (one built-in grinding
 * through a huge value) is terminated and replaced, and so is one that dies
 * (out of its heap limit): the task fails closed with an error, the process
 * keeps serving. A task that waited for a worker past its expiry fails
 * without running; the queue is bounded.
 */
import type { Worker } from 'node:worker_threads';
import type { ModuleSource } from '../rego/api.js';
import { RegoError, type ErrorCode, type Location } from '../rego/errors.js';
import { BudgetExceededError, type EvalBudgets } from '../rego/eval/state.js';
import type { Value } from '../rego/value.js';
import { siblingModule, startModuleWorker } from '../rego/worker-thread.js';
import type { DomainName } from './types.js';

/** What a worker needs to compile a snapshot: as the engine compiled it. */
export interface PoolSnapshot {
  fullRevision: string;
  regoDir: string;
  modules: ModuleSource[];
  data: Value;
}

export type PoolJob = { kind: 'domain'; domain: DomainName; input: Value } | { kind: 'path'; path: string[]; input?: Value };

/** An error as it crosses the thread boundary. */
export interface WireError {
  code: ErrorCode;
  message: string;
  location?: Location;
  budget?: BudgetExceededError['budget'];
}

export type ToWorker =
  | { type: 'load'; revision: string; regoDir: string; modules: ModuleSource[]; data: Value }
  | { type: 'drop'; revision: string }
  | { type: 'eval'; id: number; revision: string; job: PoolJob; deadline: number; budgets: EvalBudgets };

export type FromWorker =
  | { type: 'loaded'; revision: string }
  | { type: 'load_failed'; revision: string; message: string }
  | { type: 'result'; id: number; ok: true; output: unknown }
  | { type: 'result'; id: number; ok: false; error: WireError };

export interface EvalPoolOptions {
  /** Worker threads at most (started when first needed). */
  size: number;
  budgets: EvalBudgets;
  /** Heap limit of each worker (MB): a worker past it dies alone, the process lives. */
  heapMb: number;
  /** How long a worker may overrun a task's deadline before it is terminated. Default 250 ms. */
  graceMs?: number;
  /** Tasks waiting for a worker at most. Default 256. */
  maxQueue?: number;
  /** A worker was terminated (stuck past a deadline) or died. */
  onRestart?: (reason: 'timeout' | 'crash') => void;
}

interface Task {
  snapshot: PoolSnapshot;
  /** null: only compile the snapshot (`prepare`). */
  job: PoolJob | null;
  /** Evaluation time it may still use (ms). */
  budgetMs: number;
  /** Past this (Date.now()), waiting for a worker: it fails without running. */
  expiresAt: number;
  resolve(output: unknown): void;
  reject(err: RegoError): void;
}

interface PoolWorker {
  worker: Worker;
  /** Revisions compiled in the worker, oldest first. */
  revisions: string[];
  task: Task | null;
  id: number;
  timer: NodeJS.Timeout | null;
}

/** Snapshots a worker keeps compiled: the one serving and the one before (requests still in flight). */
const KEPT_REVISIONS = 2;
/** A compile that has not finished by then has hung. */
const LOAD_TIMEOUT_MS = 120_000;

export class EvalPool {
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Task[] = [];
  private nextId = 0;
  private closed = false;
  private readonly graceMs: number;
  private readonly maxQueue: number;

  constructor(private readonly options: EvalPoolOptions) {
    this.graceMs = options.graceMs ?? 250;
    this.maxQueue = options.maxQueue ?? 256;
  }

  /** Workers running now (for /health and tests). */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Evaluates `job` against `snapshot` in a worker, within `budgetMs` of
   * evaluation time, provided a worker takes it before `expiresAt`; rejects
   * with a `RegoError` (budgets: `BudgetExceededError`).
   */
  evaluate(snapshot: PoolSnapshot, job: PoolJob, budgetMs: number, expiresAt: number): Promise<unknown> {
    if (this.closed) return Promise.reject(new RegoError('eval_internal_error', 'the evaluation pool is closed'));
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(new BudgetExceededError('time', `too many slow evaluations waiting (${this.maxQueue})`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ snapshot, job, budgetMs, expiresAt, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new RegoError('eval_internal_error', 'the evaluation pool is closed'));
    await Promise.all(this.workers.splice(0).map((w) => this.stop(w)));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const task = this.queue[0]!;
      if (Date.now() >= task.expiresAt) {
        this.queue.shift();
        task.reject(new BudgetExceededError('time', 'evaluation exceeded its time budget while waiting for a worker'));
        continue;
      }
      const idle = this.workers.filter((w) => w.task === null);
      const w = idle.find((x) => x.revisions.includes(task.snapshot.fullRevision)) ?? idle[0] ?? (this.workers.length < this.options.size ? this.spawn() : undefined);
      if (w === undefined) return;
      this.queue.shift();
      this.run(w, task);
    }
  }

  private spawn(): PoolWorker {
    const worker = startModuleWorker(siblingModule(import.meta.url, 'eval-worker'), {
      resourceLimits: { maxOldGenerationSizeMb: this.options.heapMb },
    });
    const w: PoolWorker = { worker, revisions: [], task: null, id: 0, timer: null };
    worker.unref();
    worker.on('message', (m: FromWorker) => this.onMessage(w, m));
    worker.on('error', (err) => this.onDeath(w, `evaluation worker stopped: ${err.message}`));
    worker.on('exit', (code) => this.onDeath(w, `evaluation worker exited (${code})`));
    this.workers.push(w);
    return w;
  }

  private run(w: PoolWorker, task: Task): void {
    w.task = task;
    const rev = task.snapshot.fullRevision;
    if (w.revisions.includes(rev)) return this.send(w, task);
    const s = task.snapshot;
    this.post(w, { type: 'load', revision: rev, regoDir: s.regoDir, modules: s.modules, data: s.data });
    this.arm(w, LOAD_TIMEOUT_MS, 'the policy did not compile in time in the evaluation worker');
  }

  private send(w: PoolWorker, task: Task): void {
    w.id = this.nextId++;
    const deadline = Date.now() + task.budgetMs;
    this.post(w, { type: 'eval', id: w.id, revision: task.snapshot.fullRevision, job: task.job!, deadline, budgets: this.options.budgets });
    this.arm(w, task.budgetMs + this.graceMs, 'evaluation exceeded its time budget and its worker was stopped');
  }

  /**
   * A new snapshot is serving: workers already running compile it now, while
   * idle, rather than when the next slow decision arrives. (No worker is
   * started for it: most policies never need one.)
   */
  prepare(snapshot: PoolSnapshot): void {
    for (const w of this.workers) {
      if (w.task !== null || w.revisions.includes(snapshot.fullRevision)) continue;
      this.run(w, { snapshot, job: null, budgetMs: 0, expiresAt: Infinity, resolve: () => undefined, reject: () => undefined });
    }
  }

  private post(w: PoolWorker, m: ToWorker): void {
    w.worker.postMessage(m);
  }

  /** Terminates the worker if nothing comes back in `ms`: its task fails with a time-budget error. */
  private arm(w: PoolWorker, ms: number, message: string): void {
    if (w.timer !== null) clearTimeout(w.timer);
    w.timer = setTimeout(() => {
      w.timer = null;
      const task = w.task;
      w.task = null;
      this.remove(w);
      void this.stop(w);
      this.options.onRestart?.('timeout');
      task?.reject(new BudgetExceededError('time', message));
      this.dispatch();
    }, ms);
  }

  private onMessage(w: PoolWorker, m: FromWorker): void {
    const task = w.task;
    if (task === null) return;
    if (m.type === 'loaded' || m.type === 'load_failed') {
      if (m.revision !== task.snapshot.fullRevision) return;
      if (m.type === 'load_failed') {
        this.finish(w);
        task.reject(new RegoError('eval_internal_error', `the evaluation worker could not compile the policy: ${m.message}`));
        return;
      }
      w.revisions.push(m.revision);
      while (w.revisions.length > KEPT_REVISIONS) this.post(w, { type: 'drop', revision: w.revisions.shift()! });
      if (task.job !== null) this.send(w, task);
      else this.finish(w);
      return;
    }
    if (m.id !== w.id) return;
    this.finish(w);
    if (m.ok) task.resolve(m.output);
    else task.reject(fromWire(m.error));
  }

  private finish(w: PoolWorker): void {
    if (w.timer !== null) clearTimeout(w.timer);
    w.timer = null;
    w.task = null;
    // The next task may start on this worker; resolving first lets the caller answer sooner.
    queueMicrotask(() => this.dispatch());
  }

  private onDeath(w: PoolWorker, message: string): void {
    if (!this.remove(w)) return;
    if (w.timer !== null) clearTimeout(w.timer);
    const task = w.task;
    w.task = null;
    if (!this.closed) this.options.onRestart?.('crash');
    task?.reject(new RegoError('eval_internal_error', message));
    this.dispatch();
  }

  private remove(w: PoolWorker): boolean {
    const i = this.workers.indexOf(w);
    if (i < 0) return false;
    this.workers.splice(i, 1);
    return true;
  }

  private async stop(w: PoolWorker): Promise<void> {
    if (w.timer !== null) clearTimeout(w.timer);
    w.worker.removeAllListeners('message');
    await w.worker.terminate().catch(() => undefined);
  }
}

export function toWire(e: unknown): WireError {
  if (e instanceof BudgetExceededError) return { code: e.code, message: e.message, budget: e.budget };
  if (e instanceof RegoError) return e.toJSON();
  return { code: 'eval_internal_error', message: e instanceof Error ? e.message : String(e) };
}

function fromWire(w: WireError): RegoError {
  if (w.budget !== undefined) return new BudgetExceededError(w.budget, w.message);
  return new RegoError(w.code, w.message, w.location);
}
