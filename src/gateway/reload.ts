/**
 * Policy reload: the one path through which the serving policy changes, used by
 * `POST /policy/reload` (source `api`) and later by the file watcher (`watch`)
 * and rollback (`rollback`).
 *
 * No policy change goes unrecorded: the directory is first compiled without
 * being applied (dry run), the `policy-reload` audit row for that revision is
 * written, and only then is the reload applied. If the audit store cannot be
 * written, nothing is applied. Reloads are serialised.
 */
import type { Logger } from 'pino';
import type { PolicyEngineApi, ReloadOutcome } from '../policy/types.js';
import { formatErrors, RegoError } from '../rego/errors.js';
import type { AuditEvent } from './audit-store.js';
import type { LifecycleTransition } from './events.js';
import type { ReloadStatus } from './metrics.js';
import type { Invalidatable } from './verdict-cache.js';

export type ReloadSource = 'api' | 'watch' | 'rollback';

export interface ReloadSuccessBody {
  status: 'reloaded';
  policy_dir: string;
  revision: string;
  previous_revision: string | null;
  modules: number;
  duration_ms: number;
  unchanged?: true;
}

export interface ReloadFailureBody {
  status?: 'failed';
  error: string;
  errors?: unknown[];
}

export type ReloadResult =
  | { ok: true; httpStatus: 200; body: ReloadSuccessBody }
  | { ok: false; httpStatus: 400 | 500 | 503; body: ReloadFailureBody };

export interface ReloadDeps {
  /** null when no policy directory is configured. */
  engine: PolicyEngineApi | null;
  audit: { log(event: AuditEvent): unknown };
  metrics: { recordReload(status: ReloadStatus): void };
  events: { emit(subsystem: string, transition: LifecycleTransition, details: Record<string, unknown>): unknown };
  caches: Invalidatable;
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

  /** Resolves when no reload is running or queued. */
  idle(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  lastReload(): LastReload | null {
    return this.last;
  }

  constructor(private readonly deps: ReloadDeps) {}

  /** Reloads the configured directory; never throws. Calls are serialised in arrival order. */
  reload(source: ReloadSource): Promise<ReloadResult> {
    const run = this.queue.then(() => this.reloadNow(source));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async reloadNow(source: ReloadSource): Promise<ReloadResult> {
    const started = performance.now();
    const { engine } = this.deps;
    if (engine === null || engine.policyDir === '') {
      return this.failed(source, '', 503, { error: 'policy_dir not configured' });
    }
    const policyDir = engine.policyDir;
    try {
      const dry = await engine.reload({ dryRun: true });
      if (!dry.ok) return this.failed(source, policyDir, ...describeFailure(dry));

      const details = {
        message: 'OPA policy reloaded via ' + source,
        source,
        revision: dry.revision,
        full_revision: dry.snapshot.fullRevision,
        previous_revision: dry.previousRevision,
        modules: dry.modules,
        unchanged: !dry.changed,
        diff: dry.diff,
      };
      try {
        this.deps.audit.log({ action: 'policy-reload', target: policyDir, details, severity: 'INFO' });
      } catch (err) {
        return this.failed(source, policyDir, 500, {
          status: 'failed',
          error: `reload failed: audit record could not be written, policy not applied: ${(err as Error).message}`,
        });
      }

      let applied: ReloadOutcome = dry;
      if (dry.changed) {
        applied = await engine.reload();
        if (!applied.ok) return this.failed(source, policyDir, ...describeFailure(applied));
        if (applied.revision !== dry.revision) this.recordRace(source, policyDir, dry.revision, applied);
      }
      // `applied` is ok here: both failure branches returned.
      const outcome = applied as Extract<ReloadOutcome, { ok: true }>;
      this.deps.caches.invalidate();
      this.deps.metrics.recordReload('success');
      this.deps.events.emit('policy', 'completed', { policy_dir: policyDir, source, revision: outcome.revision });
      const body: ReloadSuccessBody = {
        status: 'reloaded',
        policy_dir: policyDir,
        revision: outcome.revision,
        previous_revision: dry.previousRevision,
        modules: outcome.modules,
        duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
      };
      if (!dry.changed) body.unchanged = true;
      this.last = { status: 'success', source, at: new Date().toISOString(), revision: body.revision };
      this.deps.logger?.info({ source, revision: body.revision, previous: body.previous_revision }, 'policy reloaded');
      return { ok: true, httpStatus: 200, body };
    } catch (err) {
      // The engine promises not to throw; if it does, report it as a load failure.
      return this.failed(source, policyDir, 500, { status: 'failed', error: `reload failed: ${(err as Error).message}` });
    }
  }

  /**
   * The directory changed between the dry run and the apply, so the applied
   * revision is not the audited one: record the applied one too (best effort,
   * loudly logged if even that fails).
   */
  private recordRace(source: ReloadSource, policyDir: string, audited: string, applied: Extract<ReloadOutcome, { ok: true }>): void {
    try {
      this.deps.audit.log({
        action: 'policy-reload',
        target: policyDir,
        severity: 'INFO',
        details: {
          message: 'OPA policy reloaded via ' + source + ' (directory changed during reload)',
          source,
          revision: applied.revision,
          full_revision: applied.snapshot.fullRevision,
          previous_revision: applied.previousRevision,
          superseded_revision: audited,
          modules: applied.modules,
        },
      });
    } catch (err) {
      this.deps.logger?.error({ err, revision: applied.revision }, 'policy applied but its audit record could not be written');
    }
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
