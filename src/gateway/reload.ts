/**
 * Policy reload: the one path through which the serving policy changes, used by
 * `POST /policy/reload` (source `api`), the file watcher (`watch`), rollback
 * (`rollback`) and bundle activation (`bundle`, `src/bundle/manager.ts`).
 *
 * No policy change goes unrecorded: the directory is compiled once, and in the
 * engine's `beforeSwap` hook (after the compile, before the swap) the
 * `policy-reload` audit row for exactly that revision is written and the
 * snapshot recorded in the policy history (its file writes off the event loop).
 * If the audit row cannot be written, nothing is applied. Reloads (and
 * rollbacks, through `exclusive`) are serialised.
 */
import type { Logger } from 'pino';
import type { PolicyEngineApi, PolicyFile, ReloadOutcome, SnapshotInfo } from '../policy/types.js';
import type { HistoryEntry, HistorySource, PolicyHistory } from '../policy/history.js';
import { diffFiles } from '../policy/snapshot.js';
import { formatErrors, RegoError } from '../rego/errors.js';
import type { AuditEvent } from './audit-store.js';
import type { LifecycleTransition } from './events.js';
import type { ReloadStatus } from './metrics.js';
import type { Invalidatable } from './verdict-cache.js';
import { ReloadAttempts } from './reload-attempts.js';

export type ReloadSource = Exclude<HistorySource, 'start'>;

export interface ReloadSuccessBody {
  status: 'reloaded';
  policy_dir: string;
  revision: string;
  previous_revision: string | null;
  modules: number;
  duration_ms: number;
  unchanged?: true;
  /** Domains the new policy does not define: they answer their fail-closed default. */
  missing_domains?: string[];
}

export interface ReloadFailureBody {
  status?: 'failed';
  error: string;
  errors?: unknown[];
}

/** `POST /policy/reload?dry_run=true`: what a reload would do, nothing applied. */
export interface DryRunBody {
  status: 'dry_run';
  policy_dir: string;
  revision: string;
  current_revision: string | null;
  would_change: boolean;
  modules: { added: string[]; removed: string[]; changed: string[] };
}

export type DryRunResult =
  | { ok: true; httpStatus: 200; body: DryRunBody }
  | { ok: false; httpStatus: 400 | 500 | 503; body: ReloadFailureBody };

export type ReloadResult =
  | { ok: true; httpStatus: 200; body: ReloadSuccessBody }
  | { ok: false; httpStatus: 400 | 500 | 503; body: ReloadFailureBody };

export interface ReloadDeps {
  /** null when no policy directory is configured. */
  engine: PolicyEngineApi | null;
  audit: { log(event: AuditEvent): unknown };
  metrics: { recordReload(status: ReloadStatus): void; recordUnchangedReload?(): void };
  events: { emit(subsystem: string, transition: LifecycleTransition, details: Record<string, unknown>): unknown };
  caches: Invalidatable;
  /** Where applied snapshots are recorded (none: no history kept). */
  history?: PolicyHistory | null;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

/** The last attempt, for `/health` (a failed reload leaves the engine's own state untouched). */
export interface LastReload {
  status: 'success' | 'failed';
  source: ReloadSource;
  at: string;
  revision?: string;
  error?: string;
}

export class PolicyReloader {
  private queue: Promise<unknown> = Promise.resolve();
  private last: LastReload | null = null;
  /**
   * The serving revision whose "unchanged" reload has been audited: further
   * reloads that find it unchanged are only counted (a loop of reloads must not
   * fill the audit trail). Cleared when the policy changes.
   */
  private unchangedAudited: string | null = null;
  /** The last attempts with their errors (`GET /policy/reloads`). */
  readonly attempts = new ReloadAttempts();

  constructor(private readonly deps: ReloadDeps) {}

  /** Resolves when no reload is running or queued. */
  idle(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  lastReload(): LastReload | null {
    return this.last;
  }

  /**
   * Runs `fn` alone: after every reload queued before it, before any queued
   * after it. `fn` receives the unqueued reload (calling `reload` from inside
   * would wait for itself).
   */
  exclusive<T>(fn: (reloadNow: (source: ReloadSource) => Promise<ReloadResult>) => Promise<T>): Promise<T> {
    const run = this.queue.then(() => fn((source) => this.attempt(source)));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Reloads the configured directory; never throws. Calls are serialised in arrival order. */
  reload(source: ReloadSource): Promise<ReloadResult> {
    return this.exclusive((reloadNow) => reloadNow(source));
  }

  /** Compiles the directory and reports what a reload would change; applies, audits and counts nothing. */
  dryRun(): Promise<DryRunResult> {
    return this.exclusive(async () => {
      const { engine } = this.deps;
      if (engine === null || engine.policyDir === '') return { ok: false, httpStatus: 503, body: { error: 'policy_dir not configured' } };
      let outcome: ReloadOutcome;
      try {
        outcome = await engine.reload({ dryRun: true });
      } catch (err) {
        return { ok: false, httpStatus: 500, body: { status: 'failed', error: `reload failed: ${(err as Error).message}` } };
      }
      if (!outcome.ok) {
        const [httpStatus, body] = describeFailure(outcome);
        return { ok: false, httpStatus, body };
      }
      const body: DryRunBody = {
        status: 'dry_run',
        policy_dir: engine.policyDir,
        revision: outcome.revision,
        current_revision: engine.current()?.revision ?? null,
        would_change: outcome.changed,
        modules: outcome.diff,
      };
      return { ok: true, httpStatus: 200, body };
    });
  }

  /** One reload, recorded in `attempts` (a background reload that found nothing new is not an attempt). */
  private async attempt(source: ReloadSource): Promise<ReloadResult> {
    const started = performance.now();
    const result = await this.reloadNow(source);
    const background = source !== 'api' && source !== 'rollback';
    if (background && result.ok && result.body.unchanged && this.attempts.list()[0]?.status !== 'failed') return result;
    this.attempts.record(source, result, performance.now() - started, this.deps.engine?.current()?.revision ?? null);
    return result;
  }

  private async reloadNow(source: ReloadSource): Promise<ReloadResult> {
    const started = performance.now();
    const { engine } = this.deps;
    if (engine === null || engine.policyDir === '') {
      return this.failed(source, '', 503, { error: 'policy_dir not configured' });
    }
    const policyDir = engine.policyDir;
    let auditError: Error | null = null;
    let ignored = false;
    let repeated = false;
    const beforeSwap = async (next: SnapshotInfo): Promise<void> => {
      const current = engine.current();
      const changed = current?.fullRevision !== next.fullRevision;
      // The watcher also sees writes that change nothing (a rollback's own files, `touch`), and a bundle server
      // may serve the same files under a new ETag: not a policy change.
      if (!changed && (source === 'watch' || source === 'bundle')) {
        ignored = true;
        return;
      }
      if (!changed && this.unchangedAudited === next.fullRevision) {
        repeated = true;
        return;
      }
      const details = {
        message: 'OPA policy reloaded via ' + source,
        source,
        revision: next.revision,
        full_revision: next.fullRevision,
        previous_revision: current?.revision ?? null,
        modules: next.moduleCount,
        unchanged: !changed,
        diff: diffFiles(current?.files ?? [], next.files),
        ...(next.bundle ? { bundle: next.bundle } : {}),
      };
      try {
        this.deps.audit.log({ action: 'policy-reload', target: policyDir, details, severity: 'INFO' });
      } catch (err) {
        auditError = err as Error;
        throw err;
      }
      this.unchangedAudited = changed ? null : next.fullRevision;
      // Its file writes off the event loop: decisions served meanwhile (by the previous policy) never wait for the disk.
      if (changed) await this.recordHistoryAsync(source, next);
    };
    let outcome: ReloadOutcome;
    try {
      outcome = await engine.reload({ beforeSwap });
    } catch (err) {
      // The engine promises not to throw; if it does, report it as a load failure.
      return this.failed(source, policyDir, 500, { status: 'failed', error: `reload failed: ${(err as Error).message}` });
    }
    if (auditError !== null) {
      return this.failed(source, policyDir, 500, {
        status: 'failed',
        error: `reload failed: audit record could not be written, policy not applied: ${(auditError as Error).message}`,
      });
    }
    if (!outcome.ok) return this.failed(source, policyDir, ...describeFailure(outcome));
    const body: ReloadSuccessBody = {
      status: 'reloaded',
      policy_dir: policyDir,
      revision: outcome.revision,
      previous_revision: outcome.previousRevision,
      modules: outcome.modules,
      duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
    };
    if (!outcome.changed) body.unchanged = true;
    const missing = outcome.snapshot.missingDomains ?? [];
    if (missing.length > 0) body.missing_domains = [...missing];
    if (repeated) {
      // Counted, not audited or journaled again (the first such reload was).
      this.deps.caches.invalidate();
      this.deps.metrics.recordReload('success');
      this.deps.metrics.recordUnchangedReload?.();
      this.last = { status: 'success', source, at: new Date().toISOString(), revision: body.revision };
      return { ok: true, httpStatus: 200, body };
    }
    if (ignored) {
      this.deps.logger?.info({ source, revision: body.revision }, source === 'bundle' ? 'bundle files unchanged, nothing to reload' : 'policy directory unchanged, nothing to reload');
      // Back to the files being served (say, a broken edit undone): the last failure no longer describes the state.
      if (this.last?.status === 'failed') this.last = { status: 'success', source, at: new Date().toISOString(), revision: body.revision };
      return { ok: true, httpStatus: 200, body };
    }
    this.deps.caches.invalidate();
    this.deps.metrics.recordReload('success');
    this.deps.events.emit('policy', 'completed', {
      policy_dir: policyDir,
      source,
      revision: outcome.revision,
      ...(missing.length > 0 ? { missing_domains: body.missing_domains } : {}),
      ...(outcome.snapshot.bundle ? { bundle: outcome.snapshot.bundle } : {}),
    });
    this.last = { status: 'success', source, at: new Date().toISOString(), revision: body.revision };
    this.deps.logger?.info({ source, revision: body.revision, previous: body.previous_revision }, 'policy reloaded');
    if (missing.length > 0) {
      this.deps.logger?.warn({ revision: body.revision, missing_domains: missing }, 'the policy does not define some domains: they answer their fail-closed default');
    }
    return { ok: true, httpStatus: 200, body };
  }

  /**
   * Best effort: the audit row is the record of the change; a history that
   * cannot be written only costs the ability to roll back to this revision.
   */
  private async recordHistoryAsync(source: HistorySource, snap: SnapshotInfo): Promise<void> {
    const history = this.deps.history;
    if (!history) return;
    try {
      await history.recordAsync(historyEntry(source, snap), historyFiles(snap));
    } catch (err) {
      this.historyFailed(err, snap);
    }
  }

  /** Records the snapshot serving at start (source `start`). */
  recordStart(): void {
    const snap = this.deps.engine?.current();
    const history = this.deps.history;
    if (!snap || !history) return;
    try {
      history.record(historyEntry('start', snap), historyFiles(snap));
    } catch (err) {
      this.historyFailed(err, snap);
    }
  }

  private historyFailed(err: unknown, snap: SnapshotInfo): void {
    this.deps.logger?.error({ err, revision: snap.revision }, 'policy history could not be written');
  }

  private failed(source: ReloadSource, policyDir: string, httpStatus: 400 | 500 | 503, body: ReloadFailureBody): ReloadResult {
    this.deps.metrics.recordReload('failed');
    this.last = { status: 'failed', source, at: new Date().toISOString(), error: body.error };
    const revision = this.deps.engine?.current()?.revision ?? null;
    this.deps.events.emit('policy', 'failed', { policy_dir: policyDir, source, revision, error: truncate(body.error, 256) });
    this.deps.logger?.warn({ source, reason: truncate(body.error, 256) }, 'policy.reload.rejected');
    return { ok: false, httpStatus, body };
  }
}

function historyEntry(source: HistorySource, snap: SnapshotInfo): HistoryEntry {
  return {
    revision: snap.revision,
    full_revision: snap.fullRevision,
    applied_at: new Date().toISOString(),
    source,
    modules: snap.moduleCount,
    ...(snap.bundle ? { bundle: { ...snap.bundle } } : {}),
  };
}

/** A bundle's files are the server's (its paths are not policy-directory names): the entry says where it came from. */
function historyFiles(snap: SnapshotInfo): readonly PolicyFile[] {
  return snap.bundle ? [] : snap.files;
}

/** Compile errors are the caller's (400, every error's file:row:col in the text); load errors are 500. */
function describeFailure(outcome: Extract<ReloadOutcome, { ok: false }>): [400 | 500, ReloadFailureBody] {
  if (outcome.kind === 'compile') {
    const errors = outcome.errors.map((e) => (e instanceof RegoError ? e.toJSON() : e));
    const text = outcome.errors.length > 0 && outcome.errors.every((e) => e instanceof RegoError) ? formatErrors(outcome.errors) : outcome.message;
    return [400, { status: 'failed', error: `compilation failed: ${text}`, errors }];
  }
  return [500, { status: 'failed', error: `reload failed: ${outcome.message}` }];
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + '…';
}
