/**
 * Policy rollback: put an applied revision's files back into the policy
 * directory, then reload through the one reload path, so that what is on disk
 * is always what is served. The files being replaced are stored in the history
 * first (pinned), so a rollback never loses an operator's edits. The files are
 * switched through a journal (`revision-switch.ts`): a crash leaves one of the
 * two revisions, a failure the previous one; a reload that then fails switches
 * the files back. The whole operation runs inside the reloader's queue: no
 * reload (API, watcher) can interleave between writing the files and applying them.
 */
import type { Logger } from 'pino';
import { readPolicyFiles, resolveRegoDir } from '../policy/directory.js';
import { computeRevision } from '../policy/snapshot.js';
import { PolicyHistory, UnknownRevisionError } from '../policy/history.js';
import { switchRevision } from '../policy/revision-switch.js';
import type { PolicyFile } from '../policy/types.js';
import type { PolicyEngineApi } from '../policy/types.js';
import type { AuditEvent } from './audit-store.js';
import type { RollbackStatus } from './metrics.js';
import type { PolicyReloader, ReloadSuccessBody } from './reload.js';

export interface RollbackDeps {
  engine: PolicyEngineApi | null;
  history: PolicyHistory;
  reloader: PolicyReloader;
  audit: { log(event: AuditEvent): unknown };
  metrics: { recordRollback(status: RollbackStatus): void };
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export interface RollbackSuccessBody {
  status: 'rolled_back';
  policy_dir: string;
  revision: string;
  /** The revision of the files that were replaced (kept in the history, pinned). */
  replaced_revision: string;
  reload: ReloadSuccessBody;
}

export type RollbackResult =
  | { ok: true; httpStatus: 200; body: RollbackSuccessBody }
  | { ok: false; httpStatus: 400 | 404 | 500 | 503; body: { error: string; known?: string[]; errors?: unknown[] } };

export function rollbackPolicy(deps: RollbackDeps, revision: string): Promise<RollbackResult> {
  return deps.reloader.exclusive(async (reloadNow) => {
    const { engine, history } = deps;
    if (engine === null || engine.policyDir === '') return { ok: false, httpStatus: 503, body: { error: 'policy_dir not configured' } };
    const policyDir = engine.policyDir;

    let target: { fullRevision: string; files: PolicyFile[] };
    try {
      target = history.files(revision);
    } catch (err) {
      if (err instanceof UnknownRevisionError) {
        deps.metrics.recordRollback('unknown_revision');
        return { ok: false, httpStatus: 404, body: { error: err.message, known: err.known } };
      }
      return failed(deps, policyDir, revision, `rollback failed: cannot read revision ${revision} from the history: ${(err as Error).message}`);
    }

    const regoDir = engine.current()?.regoDir ?? resolveRegoDir(policyDir);
    let replaced: string;
    let current: PolicyFile[];
    try {
      current = readPolicyFiles(regoDir, policyDir);
      replaced = computeRevision(current);
      history.store(replaced, current, true);
      switchRevision(regoDir, current, target.files);
    } catch (err) {
      return failed(deps, policyDir, revision, `rollback failed: ${(err as Error).message}`);
    }

    const reload = await reloadNow('rollback');
    let restored = '';
    if (!reload.ok) {
      // What is on disk stays what is served: the replaced files go back.
      try {
        switchRevision(regoDir, target.files, current);
        restored = '; the previous files were put back';
      } catch (err) {
        restored = `; the previous files could not be put back: ${(err as Error).message}`;
      }
    }
    const details = {
      revision: target.fullRevision.slice(0, 12),
      full_revision: target.fullRevision,
      replaced_revision: replaced.slice(0, 12),
      replaced_full_revision: replaced,
      reloaded: reload.ok,
      ...(reload.ok ? {} : { error: reload.body.error }),
    };
    auditRollback(deps, policyDir, details, reload.ok ? 'INFO' : 'HIGH');
    if (!reload.ok) {
      deps.metrics.recordRollback('failed');
      const body: { error: string; errors?: unknown[] } = { error: `rollback to revision ${details.revision} was not applied: ${reload.body.error}${restored}` };
      if (reload.body.errors) body.errors = reload.body.errors;
      return { ok: false, httpStatus: reload.httpStatus, body };
    }
    deps.metrics.recordRollback('success');
    deps.logger?.info({ revision: details.revision, replaced: details.replaced_revision }, 'policy rolled back');
    return {
      ok: true,
      httpStatus: 200,
      body: { status: 'rolled_back', policy_dir: policyDir, revision: reload.body.revision, replaced_revision: details.replaced_revision, reload: reload.body },
    };
  });
}

function failed(deps: RollbackDeps, policyDir: string, revision: string, error: string): RollbackResult {
  deps.metrics.recordRollback('failed');
  auditRollback(deps, policyDir, { revision, reloaded: false, error }, 'HIGH');
  deps.logger?.warn({ revision, reason: error }, 'policy.rollback.failed');
  return { ok: false, httpStatus: 500, body: { error } };
}

/** Best effort: a successful rollback's policy change already has its `policy-reload` row. */
function auditRollback(deps: RollbackDeps, policyDir: string, details: Record<string, unknown>, severity: 'INFO' | 'HIGH'): void {
  try {
    deps.audit.log({ action: 'policy-rollback', target: policyDir, details, severity });
  } catch (err) {
    deps.logger?.error({ err }, 'policy-rollback audit record could not be written');
  }
}
