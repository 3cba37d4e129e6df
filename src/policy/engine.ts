/**
 * The policy engine: one immutable snapshot at a time, swapped whole.
 *
 * Every decision reads `this.snapshot` once and uses only that snapshot, so a
 * reload never shows a request half of two policies; evaluation never touches
 * the disk. Reloads are serialised and coalesced, and a failed reload changes
 * nothing but `lastLoadError()`.
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import type { EvalOptions } from '../rego/api.js';
import { parseJSON } from '../rego/builtins/json-text.js';
import { CompileCache } from '../rego/compile/incremental.js';
import { RegoError, RegoErrors } from '../rego/errors.js';
import { BudgetExceededError, DEFAULT_BUDGETS, type EvalBudgets } from '../rego/eval/state.js';
import type { Value } from '../rego/value.js';
import type { EvalPool, PoolJob, PoolSnapshot } from './eval-pool.js';
import { loadPolicyDirectory, PolicyLoadError, type PolicyDirectory } from './directory.js';
import { admissionDomain, ADMISSION_DENY_DEFAULT } from './domains/admission.js';
import { auditDomain } from './domains/audit.js';
import { asValue, type DomainSpec } from './domains/domain.js';
import { firewallDomain } from './domains/firewall.js';
import { guardrailDomain, guardrailOutageVerdict } from './domains/guardrail.js';
import { sandboxDomain } from './domains/sandbox.js';
import { skillActionsDomain } from './domains/skill-actions.js';
import {
  buildSnapshot,
  compileInputs,
  computeRevision,
  diffFiles,
  firstValue,
  preparePathQuery,
  snapshotOf,
  type AsyncCompileFn,
  type CompileFn,
  type PolicySnapshot,
} from './snapshot.js';
import {
  PolicyEvaluationError,
  PolicyUnavailableError,
  type AdmissionOutput,
  type AuditOutput,
  type Decision,
  type FirewallOutput,
  type GuardrailOutput,
  type PolicyEngineApi,
  type ReloadOptions,
  type ReloadOutcome,
  type SandboxOutput,
  type SkillActionsOutput,
  type SnapshotInfo,
} from './types.js';

export type DirectoryLoader = (policyDir: string) => PolicyDirectory | Promise<PolicyDirectory>;

export interface PolicyEngineOptions {
  /** The Rego compiler (`compile` from `src/rego/index.ts`). */
  compile: CompileFn;
  /**
   * The time-sliced compiler (`compileAsync`), for reloads in a server: the
   * event loop keeps serving decisions from the current snapshot meanwhile.
   */
  compileAsync?: AsyncCompileFn;
  /** Reads the policy directory. Default: `loadPolicyDirectory`. Tests inject slow or failing loaders. */
  loadDirectory?: DirectoryLoader;
  /** Time budget of one decision (ms). Default `DEFAULT_EVAL_TIMEOUT_MS`. */
  evalTimeoutMs?: number;
  /** Size budgets of one decision. Default: the evaluator's `DEFAULT_BUDGETS`. */
  budgets?: EvalBudgets;
  /**
   * Slow decisions leave the event loop: a decision still running after
   * `afterMs` in process is stopped and evaluated again in the pool, within
   * what is left of its time budget. Without it, decisions run in process
   * for their whole budget.
   */
  offload?: { pool: EvalPool; afterMs: number };
  /** Told of every budget exceeded and every decision sent to the pool (metrics). */
  observer?: EvaluationObserver;
  /** Clock for `loadedAt`. */
  now?: () => Date;
}

/** A decision that fell back to its fail-closed output says why (for logs and metrics). */
export type FailClosedDecision<T> = Decision<T> & { failure?: string };

export interface EvaluationObserver {
  /** `what`: a domain name, or `data` for the Data API. */
  budgetExceeded(what: string, budget: BudgetExceededError['budget']): void;
  offloaded(what: string): void;
}

/** After a decision outlasted its slice, its domain's next decisions go straight to the pool for this long. */
const SLOW_MEMORY_MS = 1000;

/** A decision's time budget unless configured (`evaluation.timeout_ms`). */
export const DEFAULT_EVAL_TIMEOUT_MS = 1000;


function describe(e: unknown): string {
  if (e instanceof RegoError) return e.format();
  return e instanceof Error ? e.message : String(e);
}

/** Sorts a load/compile failure into the reload outcome's `kind` and Rego errors. */
function classifyFailure(e: unknown): { kind: 'compile' | 'load'; message: string; errors: RegoError[] } {
  if (e instanceof RegoErrors) return { kind: 'compile', message: `policy: compile: ${e.message}`, errors: e.errors };
  if (e instanceof RegoError) return { kind: 'compile', message: `policy: compile: ${e.format()}`, errors: [e] };
  if (e instanceof PolicyLoadError) return { kind: 'load', message: e.message, errors: [] };
  return { kind: 'load', message: `policy: load failed: ${describe(e)}`, errors: [] };
}

/** Guardrail's fail-closed decision (`why` is already "policy evaluation failed: ..."). */
function guardrailOutage(revision: string, why: string, input: { mode: string }): FailClosedDecision<GuardrailOutput> {
  return { revision, output: guardrailOutageVerdict(input.mode, why), failure: why };
}

/** Admission's fail-closed decision. */
function admissionDenied<D = FailClosedDecision<AdmissionOutput>>(revision: string, why: string): D {
  return { revision, output: { ...ADMISSION_DENY_DEFAULT }, failure: why } as D;
}

/**
 * A decision of an engine that may send slow decisions to a pool (`Async` =
 * true: now or later) or not (false: always now, as tests and the local CLI use it).
 */
export type EngineDecision<Async extends boolean, D> = Async extends true ? D | Promise<D> : D;

type WithOffload = PolicyEngineOptions & { offload: NonNullable<PolicyEngineOptions['offload']> };
type WithoutOffload = PolicyEngineOptions & { offload?: undefined };

export class PolicyEngine<Async extends boolean = boolean> implements PolicyEngineApi {
  private snapshot: PolicySnapshot | null = null;
  private loadError: string | null = null;
  /** Serialises loads: resolves when every scheduled load has finished. */
  private tail: Promise<void> = Promise.resolve();
  /** The next load not yet started, per mode: later callers join it. */
  private readonly waiting = new Map<boolean, Promise<ReloadOutcome>>();
  private readonly compile: CompileFn;
  private readonly compileAsync: AsyncCompileFn | undefined;
  private readonly loadDirectory: DirectoryLoader;
  private readonly evalTimeoutMs: number;
  private readonly budgets: EvalBudgets;
  private readonly offload: { pool: EvalPool; afterMs: number } | undefined;
  /** The time an evaluation gets in process: all of its budget, or the slice before it goes to the pool. */
  private readonly inProcessMs: number;
  private readonly observer: EvaluationObserver | undefined;
  /** Domains whose decisions recently outlasted their slice, under which snapshot, and until when (Date.now()). */
  private slow: { snapshot: PolicySnapshot; until: Map<string, number> } | null = null;
  private readonly now: () => Date;
  /** Parsed files and the last compile, kept between loads: a reload redoes only what changed (`rego/compile/incremental.ts`). */
  private readonly compileCache = new CompileCache();

  private constructor(
    readonly policyDir: string,
    options: PolicyEngineOptions,
  ) {
    this.compile = options.compile;
    this.compileAsync = options.compileAsync;
    this.loadDirectory = options.loadDirectory ?? loadPolicyDirectory;
    this.evalTimeoutMs = options.evalTimeoutMs ?? DEFAULT_EVAL_TIMEOUT_MS;
    this.budgets = options.budgets ?? DEFAULT_BUDGETS;
    // A slice as long as the whole budget would only evaluate twice.
    this.offload = options.offload !== undefined && options.offload.afterMs < this.evalTimeoutMs ? options.offload : undefined;
    this.inProcessMs = this.offload?.afterMs ?? this.evalTimeoutMs;
    this.observer = options.observer;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Loads the directory synchronously (with the default loader). Never throws for
   * a bad directory: the engine then has no snapshot, `lastLoadError()` says why
   * and every domain fails closed until a reload succeeds.
   */
  static open(policyDir: string, options: WithOffload): PolicyEngine<true>;
  static open(policyDir: string, options: WithoutOffload): PolicyEngine<false>;
  static open(policyDir: string, options: PolicyEngineOptions): PolicyEngine;
  static open(policyDir: string, options: PolicyEngineOptions): PolicyEngine {
    const engine = new PolicyEngine(policyDir, options);
    try {
      const dir = loadPolicyDirectory(policyDir);
      const fullRevision = computeRevision(dir.files);
      engine.snapshot = buildSnapshot(dir, engine.compile, fullRevision, engine.now(), engine.compileCache);
    } catch (e) {
      engine.loadError = classifyFailure(e).message;
    }
    return engine;
  }

  /** Like `open`, through the configured (possibly asynchronous) loader. */
  static create(policyDir: string, options: WithOffload): Promise<PolicyEngine<true>>;
  static create(policyDir: string, options: WithoutOffload): Promise<PolicyEngine<false>>;
  static create(policyDir: string, options: PolicyEngineOptions): Promise<PolicyEngine>;
  static async create(policyDir: string, options: PolicyEngineOptions): Promise<PolicyEngine> {
    const engine = new PolicyEngine(policyDir, options);
    await engine.reload();
    return engine;
  }

  current(): SnapshotInfo | null {
    return this.snapshot?.info ?? null;
  }

  lastLoadError(): string | null {
    return this.loadError;
  }

  /**
   * Coalesced: at most one load runs; a caller arriving while one runs shares the
   * next load (which starts when the running one ends), so it always sees the
   * directory as it was after its call. A load with a `beforeSwap` hook is never
   * shared: its hook belongs to its caller alone.
   */
  reload(opts: ReloadOptions = {}): Promise<ReloadOutcome> {
    const dryRun = opts.dryRun === true;
    const beforeSwap = dryRun ? undefined : opts.beforeSwap;
    const shared = beforeSwap === undefined;
    if (shared) {
      const queued = this.waiting.get(dryRun);
      if (queued) return queued;
    }
    const next = this.tail.then(() => {
      if (shared) this.waiting.delete(dryRun);
      return this.runLoad(dryRun, beforeSwap);
    });
    if (shared) this.waiting.set(dryRun, next);
    this.tail = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  private async runLoad(dryRun: boolean, beforeSwap?: ReloadOptions['beforeSwap']): Promise<ReloadOutcome> {
    const started = performance.now();
    const elapsed = (): number => Math.round((performance.now() - started) * 1000) / 1000;
    const previous = this.snapshot;
    let next: PolicySnapshot;
    try {
      const dir = await this.loadDirectory(this.policyDir);
      const fullRevision = computeRevision(dir.files);
      const unchanged = previous !== null && previous.info.fullRevision === fullRevision;
      // Same files, same policy: nothing to compile or swap.
      if (unchanged) next = previous;
      else if (this.compileAsync) next = snapshotOf(dir, await this.compileAsync(...compileInputs(dir, this.compileCache)), fullRevision, this.now());
      else next = buildSnapshot(dir, this.compile, fullRevision, this.now(), this.compileCache);
    } catch (e) {
      const failure = classifyFailure(e);
      // A dry run reports; it does not change what the engine says about its state.
      if (!dryRun) this.loadError = failure.message;
      return { ok: false, ...failure, durationMs: elapsed() };
    }
    if (!dryRun) {
      try {
        // Loads are serialised (`tail`): nothing else swaps while the hook's writes finish.
        await beforeSwap?.(next.info);
      } catch (e) {
        // The caller refused the change (its record could not be written): nothing is applied.
        const message = `policy not applied: ${describe(e)}`;
        this.loadError = message;
        return { ok: false, kind: 'load', message, errors: [], durationMs: elapsed() };
      }
      this.snapshot = next;
      // Workers already running compile the new policy while idle.
      if (next !== previous) this.offload?.pool.prepare(poolSnapshot(next));
      this.loadError = null;
    }
    return {
      ok: true,
      changed: next !== previous,
      dryRun,
      revision: next.info.revision,
      previousRevision: previous?.info.revision ?? null,
      modules: next.info.moduleCount,
      durationMs: elapsed(),
      snapshot: next.info,
      diff: diffFiles(previous?.info.files ?? [], next.info.files),
    };
  }

  // --- evaluation --------------------------------------------------------------

  private evalOptions(input: Value, snapshot: PolicySnapshot, strict: boolean): EvalOptions {
    return { input, data: snapshot.data, strictBuiltinErrors: strict, timeoutMs: this.inProcessMs, budgets: this.budgets };
  }

  private requireSnapshot(): PolicySnapshot {
    const snapshot = this.snapshot;
    if (!snapshot) throw new PolicyUnavailableError(`policy unavailable: ${this.loadError ?? 'no policy loaded'}`);
    return snapshot;
  }

  /**
   * After an in-process evaluation failed: if it outlasted its slice, the same
   * job runs in the pool (the promise of its output); any other failure is
   * thrown as a PolicyEvaluationError. Off the hot path: closures are made
   * only here, never for a decision that succeeds in process.
   */
  private afterFailure<T>(e: unknown, what: string, snapshot: PolicySnapshot, job: () => PoolJob, fromPool: (output: unknown) => T): Promise<T> {
    const offload = this.offload;
    if (offload === undefined || !(e instanceof BudgetExceededError) || e.budget !== 'time') throw this.failure(what, e);
    // The next decisions of this domain go to the pool straight away for a while, without a wasted slice each.
    this.rememberSlow(what, snapshot);
    // What is left of the budget. The memory runs from the slow decision's end too: a worker that had to start and
    // compile first may take longer than the memory lasts.
    const pending = this.toPool(what, snapshot, job(), this.evalTimeoutMs - offload.afterMs, fromPool);
    const remember = (): void => this.rememberSlow(what, snapshot);
    pending.then(remember, remember);
    return pending;
  }

  private rememberSlow(what: string, snapshot: PolicySnapshot): void {
    if (this.slow === null || this.slow.snapshot !== snapshot) this.slow = { snapshot, until: new Map() };
    this.slow.until.set(what, Date.now() + SLOW_MEMORY_MS);
  }

  /** Evaluates in the pool within `budgetMs`; waiting for a worker may take at most the whole budget again. */
  private toPool<T>(what: string, snapshot: PolicySnapshot, job: PoolJob, budgetMs: number, fromPool: (output: unknown) => T): Promise<T> {
    this.observer?.offloaded(what);
    const pending = this.offload!.pool.evaluate(poolSnapshot(snapshot), job, budgetMs, Date.now() + this.evalTimeoutMs);
    return pending.then(fromPool, (err: unknown) => {
      throw this.failure(what, err);
    });
  }

  /** Whether a decision of `what` outlasted its slice less than SLOW_MEMORY_MS ago under this snapshot. */
  private recentlySlow(what: string, snapshot: PolicySnapshot): boolean {
    const slow = this.slow!;
    const until = slow.snapshot === snapshot ? slow.until.get(what) : undefined;
    if (until !== undefined && Date.now() < until) return true;
    slow.until.delete(what);
    if (slow.until.size === 0 || slow.snapshot !== snapshot) this.slow = null;
    return false;
  }

  private failure(what: string, e: unknown): PolicyEvaluationError {
    if (e instanceof BudgetExceededError) {
      this.observer?.budgetExceeded(what, e.budget);
      if (e.budget === 'time') {
        // Said in the decision's terms, wherever it ran out (in process, in the pool, in the queue).
        const own = /^(evaluation exceeded its time budget of \d+ ms|caller cancelled query execution)$/.test(e.message);
        e = new BudgetExceededError('time', `evaluation exceeded its time budget of ${this.evalTimeoutMs} ms${own ? '' : ` (${e.message})`}`);
      }
    }
    return new PolicyEvaluationError(`policy evaluation failed: ${describe(e)}`);
  }

  /** Evaluates a domain's package against one snapshot and reads its output; any failure is a PolicyEvaluationError (thrown or rejected). */
  private evaluate<In extends object, Out>(domain: DomainSpec<In, Out>, input: In, snapshot: PolicySnapshot): Out | Promise<Out> {
    // A domain the policy does not define answers its safe default, not an evaluation error.
    if (snapshot.missingDomains !== null && snapshot.missingDomains.has(domain.name)) return domain.failClosed(input);
    // Null unless a decision recently outlasted its slice: the hot path reads no clock.
    if (this.slow !== null && this.recentlySlow(domain.name, snapshot)) {
      return this.toPool(domain.name, snapshot, { kind: 'domain', domain: domain.name, input: asValue(input) }, this.evalTimeoutMs, (output) => output as Out);
    }
    const query = snapshot.domainQueries[domain.name];
    try {
      return domain.readOutput(query(this.evalOptions(asValue(input), snapshot, true)));
    } catch (e) {
      return this.afterFailure(e, domain.name, snapshot, () => ({ kind: 'domain', domain: domain.name, input: asValue(input) }), (output) => output as Out);
    }
  }

  /** Validates input (PolicyInputError escapes), then evaluates against the current snapshot. */
  private decide<In extends object, Out>(domain: DomainSpec<In, Out>, raw: unknown): EngineDecision<Async, Decision<Out>> {
    const input = domain.parseInput(raw);
    const snapshot = this.requireSnapshot();
    const revision = snapshot.info.revision;
    const out = this.evaluate(domain, input, snapshot);
    return (out instanceof Promise ? out.then((output) => ({ revision, output })) : { revision, output: out }) as EngineDecision<Async, Decision<Out>>;
  }

  /** A domain that never fails: its failures become `failClosed(why)`, now or later. */
  private decideOrFailClosed<In extends object, Out>(
    domain: DomainSpec<In, Out>,
    input: In,
    snapshot: PolicySnapshot,
    failClosed: (revision: string, why: string, input: In) => FailClosedDecision<Out>,
  ): EngineDecision<Async, FailClosedDecision<Out>> {
    const revision = snapshot.info.revision;
    let out: Out | Promise<Out>;
    try {
      out = this.evaluate(domain, input, snapshot);
    } catch (e) {
      return failClosed(revision, describe(e), input) as EngineDecision<Async, FailClosedDecision<Out>>;
    }
    if (!(out instanceof Promise)) return { revision, output: out } as EngineDecision<Async, FailClosedDecision<Out>>;
    return out.then(
      (output): FailClosedDecision<Out> => ({ revision, output }),
      (e: unknown) => failClosed(revision, describe(e), input),
    ) as EngineDecision<Async, FailClosedDecision<Out>>;
  }

  admission(input: unknown): EngineDecision<Async, FailClosedDecision<AdmissionOutput>> {
    const parsed = admissionDomain.parseInput(input);
    const snapshot = this.snapshot;
    if (!snapshot) return admissionDenied('', `policy unavailable: ${this.loadError ?? 'no policy loaded'}`);
    return this.decideOrFailClosed(admissionDomain, parsed, snapshot, admissionDenied);
  }

  guardrail(input: unknown): EngineDecision<Async, FailClosedDecision<GuardrailOutput>> {
    const parsed = guardrailDomain.parseInput(input);
    const snapshot = this.snapshot;
    if (!snapshot) {
      const why = `policy engine load failed: ${this.loadError ?? 'no policy loaded'}`;
      return { revision: '', output: guardrailOutageVerdict(parsed.mode, why), failure: why } as EngineDecision<Async, FailClosedDecision<GuardrailOutput>>;
    }
    return this.decideOrFailClosed(guardrailDomain, parsed, snapshot, guardrailOutage);
  }

  firewall(input: unknown): EngineDecision<Async, Decision<FirewallOutput>> {
    return this.decide(firewallDomain, input);
  }

  sandbox(input: unknown): EngineDecision<Async, Decision<SandboxOutput>> {
    return this.decide(sandboxDomain, input);
  }

  audit(input: unknown): EngineDecision<Async, Decision<AuditOutput>> {
    return this.decide(auditDomain, input);
  }

  skillActions(input: unknown): EngineDecision<Async, Decision<SkillActionsOutput>> {
    return this.decide(skillActionsDomain, input);
  }

  /**
   * OPA Data API: the value of `data.<path>` (undefined when undefined), with
   * OPA's default non-strict built-in errors. `input` must already be a Rego value
   * (parsed JSON).
   */
  query(path: string[], input: unknown): EngineDecision<Async, Decision<unknown | undefined>> {
    const snapshot = this.requireSnapshot();
    const revision = snapshot.info.revision;
    let out: Value | undefined | Promise<Value | undefined>;
    try {
      const prepared = preparePathQuery(snapshot, path);
      const opts = this.evalOptions(input as Value, snapshot, false);
      if (input === undefined) delete opts.input;
      try {
        out = firstValue(prepared, opts);
      } catch (e) {
        const job = (): PoolJob => (input === undefined ? { kind: 'path', path } : { kind: 'path', path, input: input as Value });
        out = this.afterFailure(e, 'data', snapshot, job, (text) => (text === undefined ? undefined : parseJSON(text as string)));
      }
    } catch (e) {
      throw e instanceof PolicyEvaluationError ? e : new PolicyEvaluationError(`policy evaluation failed: ${describe(e)}`);
    }
    return (out instanceof Promise ? out.then((output) => ({ revision, output })) : { revision, output: out }) as EngineDecision<Async, Decision<unknown | undefined>>;
  }
}

const poolSnapshots = new WeakMap<PolicySnapshot, PoolSnapshot>();

/** What the pool needs of a snapshot to compile it as the engine did (module paths as the loader made them). */
function poolSnapshot(snapshot: PolicySnapshot): PoolSnapshot {
  let p = poolSnapshots.get(snapshot);
  if (p === undefined) {
    const { info } = snapshot;
    const modules = info.files.filter((f) => f.name.endsWith('.rego')).map((f) => ({ file: join(info.regoDir, f.name), source: f.content }));
    poolSnapshots.set(snapshot, (p = { fullRevision: info.fullRevision, regoDir: info.regoDir, modules, data: snapshot.data }));
  }
  return p;
}
