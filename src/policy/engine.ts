/**
 * The policy engine: one immutable snapshot at a time, swapped whole.
 *
 * Every decision reads `this.snapshot` once and uses only that snapshot, so a
 * reload never shows a request half of two policies; evaluation never touches
 * the disk. Reloads are serialised and coalesced, and a failed reload changes
 * nothing but `lastLoadError()`.
 */
import { performance } from 'node:perf_hooks';
import type { EvalOptions } from '../rego/api.js';
import { RegoError, RegoErrors } from '../rego/errors.js';
import type { Value } from '../rego/value.js';
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
  /** Upper bound for one evaluation (ms). Default 10 000. */
  evalTimeoutMs?: number;
  /** Clock for `loadedAt`. */
  now?: () => Date;
}

/** A decision that fell back to its fail-closed output says why (for logs and metrics). */
export type FailClosedDecision<T> = Decision<T> & { failure?: string };

const DEFAULT_EVAL_TIMEOUT_MS = 10_000;

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

/** Admission's fail-closed decision. */
function admissionDenied(revision: string, why: string): FailClosedDecision<AdmissionOutput> {
  return { revision, output: { ...ADMISSION_DENY_DEFAULT }, failure: why };
}

export class PolicyEngine implements PolicyEngineApi {
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
  private readonly now: () => Date;

  private constructor(
    readonly policyDir: string,
    options: PolicyEngineOptions,
  ) {
    this.compile = options.compile;
    this.compileAsync = options.compileAsync;
    this.loadDirectory = options.loadDirectory ?? loadPolicyDirectory;
    this.evalTimeoutMs = options.evalTimeoutMs ?? DEFAULT_EVAL_TIMEOUT_MS;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Loads the directory synchronously (with the default loader). Never throws for
   * a bad directory: the engine then has no snapshot, `lastLoadError()` says why
   * and every domain fails closed until a reload succeeds.
   */
  static open(policyDir: string, options: PolicyEngineOptions): PolicyEngine {
    const engine = new PolicyEngine(policyDir, options);
    try {
      const dir = loadPolicyDirectory(policyDir);
      const fullRevision = computeRevision(dir.files);
      engine.snapshot = buildSnapshot(dir, engine.compile, fullRevision, engine.now());
    } catch (e) {
      engine.loadError = classifyFailure(e).message;
    }
    return engine;
  }

  /** Like `open`, through the configured (possibly asynchronous) loader. */
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

  private async runLoad(dryRun: boolean, beforeSwap?: (next: SnapshotInfo) => void): Promise<ReloadOutcome> {
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
      else if (this.compileAsync) next = snapshotOf(dir, await this.compileAsync(...compileInputs(dir)), fullRevision, this.now());
      else next = buildSnapshot(dir, this.compile, fullRevision, this.now());
    } catch (e) {
      const failure = classifyFailure(e);
      // A dry run reports; it does not change what the engine says about its state.
      if (!dryRun) this.loadError = failure.message;
      return { ok: false, ...failure, durationMs: elapsed() };
    }
    if (!dryRun) {
      try {
        beforeSwap?.(next.info);
      } catch (e) {
        // The caller refused the change (its record could not be written): nothing is applied.
        const message = `policy not applied: ${describe(e)}`;
        this.loadError = message;
        return { ok: false, kind: 'load', message, errors: [], durationMs: elapsed() };
      }
      this.snapshot = next;
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
    return { input, data: snapshot.data, strictBuiltinErrors: strict, timeoutMs: this.evalTimeoutMs };
  }

  private requireSnapshot(): PolicySnapshot {
    const snapshot = this.snapshot;
    if (!snapshot) throw new PolicyUnavailableError(`policy unavailable: ${this.loadError ?? 'no policy loaded'}`);
    return snapshot;
  }

  /** Evaluates a domain's package against one snapshot and reads its output; any failure is a PolicyEvaluationError. */
  private evaluate<In extends object, Out>(domain: DomainSpec<In, Out>, input: In, snapshot: PolicySnapshot): Out {
    // A domain the policy does not define answers its safe default, not an evaluation error.
    if (snapshot.missingDomains !== null && snapshot.missingDomains.has(domain.name)) return domain.failClosed(input);
    const query = snapshot.domainQueries.get(domain.name)!;
    try {
      return domain.readOutput(query(this.evalOptions(asValue(input), snapshot, true)));
    } catch (e) {
      throw new PolicyEvaluationError(`policy evaluation failed: ${describe(e)}`);
    }
  }

  /** Validates input (PolicyInputError escapes), then evaluates against the current snapshot. */
  private decide<In extends object, Out>(domain: DomainSpec<In, Out>, raw: unknown): Decision<Out> {
    const input = domain.parseInput(raw);
    const snapshot = this.requireSnapshot();
    return { revision: snapshot.info.revision, output: this.evaluate(domain, input, snapshot) };
  }

  admission(input: unknown): FailClosedDecision<AdmissionOutput> {
    const parsed = admissionDomain.parseInput(input);
    const snapshot = this.snapshot;
    if (!snapshot) return admissionDenied('', `policy unavailable: ${this.loadError ?? 'no policy loaded'}`);
    try {
      return { revision: snapshot.info.revision, output: this.evaluate(admissionDomain, parsed, snapshot) };
    } catch (e) {
      return admissionDenied(snapshot.info.revision, describe(e));
    }
  }

  guardrail(input: unknown): FailClosedDecision<GuardrailOutput> {
    const parsed = guardrailDomain.parseInput(input);
    const snapshot = this.snapshot;
    if (!snapshot) {
      const why = `policy engine load failed: ${this.loadError ?? 'no policy loaded'}`;
      return { revision: '', output: guardrailOutageVerdict(parsed.mode, why), failure: why };
    }
    try {
      return { revision: snapshot.info.revision, output: this.evaluate(guardrailDomain, parsed, snapshot) };
    } catch (e) {
      const why = describe(e); // already "policy evaluation failed: ..."
      return { revision: snapshot.info.revision, output: guardrailOutageVerdict(parsed.mode, why), failure: why };
    }
  }

  firewall(input: unknown): Decision<FirewallOutput> {
    return this.decide(firewallDomain, input);
  }

  sandbox(input: unknown): Decision<SandboxOutput> {
    return this.decide(sandboxDomain, input);
  }

  audit(input: unknown): Decision<AuditOutput> {
    return this.decide(auditDomain, input);
  }

  skillActions(input: unknown): Decision<SkillActionsOutput> {
    return this.decide(skillActionsDomain, input);
  }

  /**
   * OPA Data API: the value of `data.<path>` (undefined when undefined), with
   * OPA's default non-strict built-in errors. `input` must already be a Rego value
   * (parsed JSON).
   */
  query(path: string[], input: unknown): Decision<unknown | undefined> {
    const snapshot = this.requireSnapshot();
    try {
      const prepared = preparePathQuery(snapshot, path);
      const opts = this.evalOptions(input as Value, snapshot, false);
      if (input === undefined) delete opts.input;
      return { revision: snapshot.info.revision, output: firstValue(prepared, opts) };
    } catch (e) {
      throw new PolicyEvaluationError(`policy evaluation failed: ${describe(e)}`);
    }
  }
}

