/**
 * The last reload attempts, newest first, for operators (`GET /policy/reloads`,
 * the console's overview): each with its result, source, duration and, when it
 * failed, every error with its location. `/health`'s `last_reload` keeps only
 * the latest one, as one line of text; this keeps the structured errors of a
 * few. Bounded: a loop of reloads cannot grow it.
 */
import type { ReloadResult, ReloadSource } from './reload.js';

export interface ReloadAttempt {
  at: string;
  source: ReloadSource;
  status: 'success' | 'failed';
  duration_ms: number;
  /** The revision now serving (success) or still serving (failure; null when none is). */
  revision: string | null;
  previous_revision?: string | null;
  unchanged?: true;
  error?: string;
  /** Structured errors (`{code, message, location: {file, row, col}}`), when the policy did not compile. */
  errors?: unknown[];
}

export const ATTEMPTS_KEPT = 20;

export class ReloadAttempts {
  private readonly attempts: ReloadAttempt[] = [];

  constructor(private readonly limit = ATTEMPTS_KEPT) {}

  /** Records the outcome of one reload; `serving` is the revision serving after it. */
  record(source: ReloadSource, result: ReloadResult, durationMs: number, serving: string | null): void {
    const attempt: ReloadAttempt = {
      at: new Date().toISOString(),
      source,
      status: result.ok ? 'success' : 'failed',
      duration_ms: Math.round(durationMs * 1000) / 1000,
      revision: serving,
    };
    if (result.ok) {
      attempt.previous_revision = result.body.previous_revision;
      if (result.body.unchanged) attempt.unchanged = true;
    } else {
      attempt.error = result.body.error;
      if (result.body.errors && result.body.errors.length > 0) attempt.errors = result.body.errors;
    }
    this.attempts.unshift(attempt);
    if (this.attempts.length > this.limit) this.attempts.length = this.limit;
  }

  /** Newest first. */
  list(): readonly ReloadAttempt[] {
    return this.attempts;
  }

  /** Failed attempts after the latest success (all of them when none succeeded). */
  failedSinceSuccess(): number {
    const i = this.attempts.findIndex((a) => a.status === 'success');
    return i === -1 ? this.attempts.length : i;
  }
}
