/**
 * Switching a rego directory from one revision's files to another's (what a
 * rollback does) so that a crash at any instant, `kill -9` included, leaves the
 * directory holding exactly one of the two revisions once the sidecar starts
 * again, and a failure leaves it exactly as it was.
 *
 * A journal, because the directory itself cannot be swapped in one rename (the
 * operator's layout, `policies/rego/` or flat, is theirs to keep):
 *
 *  1. stage: a fresh directory `.defenseclaw-switch-stage.<random>` (created
 *     exclusively, mode 0700) receives `journal.json`: both revisions' files
 *     and the direction (`forward`), flushed to disk;
 *  2. commit: one rename makes it `.defenseclaw-switch`. Before this instant a
 *     crash leaves the directory untouched (start-up deletes the stage);
 *     after it, start-up completes the switch;
 *  3. apply: each file is written under a numbered name inside the journal
 *     directory and renamed into place (a rename replaces a link, never writes
 *     through it), then the policy files the target does not have are removed.
 *     Applying is idempotent: it can be redone from the start any number of times;
 *  4. done: the journal directory is removed.
 *
 * If applying fails (a directory appeared where a file goes), the journal's
 * direction becomes `undo` and the previous revision is applied the same way.
 * Start-up (`recoverPolicyDirectory`) finishes whatever the journal says, and
 * removes stages that were never committed and the predictable
 * `.<name>.rollback-<pid>` files of earlier versions.
 */
import { lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { isPolicyFileName, PolicyLoadError, readPolicyFile } from './directory.js';
import { isFullRevision, validRevisionFiles } from './history.js';
import { fsyncDirectory, randomName, writeFileAtomic, writeFileExclusive } from './safe-write.js';
import { computeRevision } from './snapshot.js';
import type { PolicyFile } from './types.js';

/** The committed journal's directory inside the rego directory. */
export const JOURNAL_DIR = '.defenseclaw-switch';
const STAGE_PREFIX = 'defenseclaw-switch-stage';
const JOURNAL_FILE = 'journal.json';
/** Leftovers of the rollback before this module: `.<file>.rollback-<pid>`. */
const OLD_TEMP = /^\..+\.rollback-\d+$/;

type Direction = 'forward' | 'undo';

interface Journal {
  version: 1;
  direction: Direction;
  from_revision: string;
  to_revision: string;
  from: PolicyFile[];
  to: PolicyFile[];
}

/** A switch that did not happen; the directory is as it was. */
export class RevisionSwitchError extends Error {
  override name = 'RevisionSwitchError';
}

function errorCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return null;
    throw e;
  }
}

/** Refuses up front what applying could not do: a directory where a policy file is or goes. */
function preflight(regoDir: string, to: readonly PolicyFile[]): void {
  const names = new Set([...readdirSync(regoDir).filter(isPolicyFileName), ...to.map((f) => f.name)]);
  for (const name of [...names].sort()) {
    if (lstatOrNull(join(regoDir, name))?.isDirectory()) throw new RevisionSwitchError(`${join(regoDir, name)} is a directory; nothing was changed`);
  }
}

/** Makes the rego directory hold exactly `files` (other files are left alone). Idempotent. */
function applyFiles(regoDir: string, journalDir: string, files: readonly PolicyFile[]): void {
  files.forEach((f, i) => {
    const staged = join(journalDir, `f-${i}`);
    rmSync(staged, { force: true });
    // Not flushed one by one (400 fsyncs take seconds): a crash redoes the switch from the flushed journal.
    writeFileExclusive(staged, f.content, 0o644, false);
    renameSync(staged, join(regoDir, f.name));
  });
  const wanted = new Set(files.map((f) => f.name));
  for (const name of readdirSync(regoDir)) {
    if (!isPolicyFileName(name) || wanted.has(name)) continue;
    // A directory is not a file of either revision, and not ours to delete (the loader refuses it by name).
    if (lstatOrNull(join(regoDir, name))?.isDirectory()) continue;
    rmSync(join(regoDir, name), { force: true });
  }
  fsyncDirectory(regoDir);
}

function readJournal(journalDir: string): Journal | null {
  let text: string | null;
  try {
    text = readPolicyFile(join(journalDir, JOURNAL_FILE), journalDir);
  } catch (e) {
    if (e instanceof PolicyLoadError) return null;
    throw e;
  }
  if (text === null) return null;
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    if (j['version'] !== 1 || (j['direction'] !== 'forward' && j['direction'] !== 'undo')) return null;
    if (!isFullRevision(j['from_revision']) || !isFullRevision(j['to_revision'])) return null;
    const from = validRevisionFiles(j['from_revision'], j['from']);
    const to = validRevisionFiles(j['to_revision'], j['to']);
    return { version: 1, direction: j['direction'], from_revision: j['from_revision'], to_revision: j['to_revision'], from, to };
  } catch {
    return null;
  }
}

/** Applies the journal's direction; on failure going forward, turns it to `undo` and applies that. Removes the journal once done. */
function finish(regoDir: string, journalDir: string, journal: Journal): Direction {
  let failure: unknown = null;
  if (journal.direction === 'forward') {
    try {
      applyFiles(regoDir, journalDir, journal.to);
    } catch (e) {
      failure = e;
      journal = { ...journal, direction: 'undo' };
      writeFileAtomic(join(journalDir, JOURNAL_FILE), JSON.stringify(journal), { mode: 0o600, sync: true });
    }
  }
  if (journal.direction === 'undo') applyFiles(regoDir, journalDir, journal.from);
  rmSync(journalDir, { recursive: true, force: true });
  fsyncDirectory(regoDir);
  if (failure !== null) {
    const why = failure instanceof Error ? failure.message : String(failure);
    throw new RevisionSwitchError(`${why}; the previous files were put back`);
  }
  return journal.direction;
}

/**
 * Replaces the policy files of `regoDir` (now `from`, as read) with `to`. On
 * return the directory holds `to`; on a `RevisionSwitchError` it holds `from`.
 */
export function switchRevision(regoDir: string, from: readonly PolicyFile[], to: readonly PolicyFile[]): void {
  recoverRegoDirectory(regoDir);
  if (lstatOrNull(join(regoDir, JOURNAL_DIR)) !== null) throw new RevisionSwitchError(`an earlier rollback in ${regoDir} could not be finished (${JOURNAL_DIR}); nothing was changed`);
  preflight(regoDir, to);
  const journal: Journal = {
    version: 1,
    direction: 'forward',
    from_revision: computeRevision(from),
    to_revision: computeRevision(to),
    from: from.map((f) => ({ name: f.name, content: f.content })),
    to: to.map((f) => ({ name: f.name, content: f.content })),
  };
  // Names and contents are checked as start-up will check them: a journal it would refuse is never committed.
  validRevisionFiles(journal.from_revision, journal.from);
  validRevisionFiles(journal.to_revision, journal.to);
  const stage = join(regoDir, randomName(STAGE_PREFIX));
  const journalDir = join(regoDir, JOURNAL_DIR);
  try {
    mkdirSync(stage, { mode: 0o700 });
    writeFileExclusive(join(stage, JOURNAL_FILE), JSON.stringify(journal), 0o600);
    fsyncDirectory(stage);
    renameSync(stage, journalDir);
    fsyncDirectory(regoDir);
  } catch (e) {
    rmSync(stage, { recursive: true, force: true });
    throw new RevisionSwitchError(`cannot prepare the switch in ${regoDir}: ${(e as Error).message}; nothing was changed`);
  }
  try {
    finish(regoDir, journalDir, journal);
  } catch (e) {
    if (e instanceof RevisionSwitchError) throw e;
    // Neither direction could be completed: the journal stays, and the next start finishes it.
    throw new Error(`the switch in ${regoDir} could not be finished nor undone (${(e as Error).message}); the journal ${JOURNAL_DIR} is kept for the next start`);
  }
}

export interface RecoveryReport {
  regoDir: string;
  /** The interrupted switch that was finished: `forward` (the new revision is in place) or `undo` (the old one). */
  finished?: Direction;
  /** A journal that could not be read was removed (the directory was left as found). */
  discardedJournal?: boolean;
  /** Temporary files and stages removed. */
  removed: string[];
}

/** Finishes or undoes an interrupted switch in one rego directory and removes leftovers. Throws if a journal cannot be applied. */
export function recoverRegoDirectory(regoDir: string): RecoveryReport {
  const report: RecoveryReport = { regoDir, removed: [] };
  let names: string[];
  try {
    names = readdirSync(regoDir);
  } catch {
    return report;
  }
  for (const name of names) {
    const path = join(regoDir, name);
    if (name.startsWith(`.${STAGE_PREFIX}.`)) {
      rmSync(path, { recursive: true, force: true });
      report.removed.push(name);
    } else if (OLD_TEMP.test(name) && !lstatOrNull(path)?.isDirectory()) {
      unlinkSync(path);
      report.removed.push(name);
    }
  }
  const journalDir = join(regoDir, JOURNAL_DIR);
  const st = lstatOrNull(journalDir);
  if (st === null) return report;
  if (!st.isDirectory()) {
    unlinkSync(journalDir);
    report.removed.push(JOURNAL_DIR);
    return report;
  }
  const journal = readJournal(journalDir);
  if (journal === null) {
    // Never committed by us (a commit renames a complete, valid journal): nothing to finish.
    rmSync(journalDir, { recursive: true, force: true });
    report.discardedJournal = true;
    return report;
  }
  report.finished = finish(regoDir, journalDir, journal);
  return report;
}

/** Start-up: recovery in both places a rego directory can be (`<policyDir>/rego` and `<policyDir>`). */
export function recoverPolicyDirectory(policyDir: string): RecoveryReport[] {
  const reports: RecoveryReport[] = [];
  for (const dir of [join(policyDir, 'rego'), policyDir]) {
    let isDir = false;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      // absent
    }
    if (!isDir) continue;
    const r = recoverRegoDirectory(dir);
    if (r.finished !== undefined || r.discardedJournal || r.removed.length > 0) reports.push(r);
  }
  return reports;
}
