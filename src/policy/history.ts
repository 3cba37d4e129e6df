/**
 * Policy history: every snapshot ever applied is kept on disk, content-addressed
 * by its full revision, so that an operator can list what was served and roll
 * back to it. Layout under `<data_dir>/policy-history/`:
 *
 *   index.json                 applied entries, oldest first (the last `limit`)
 *   <fullRevision>/files.json  the snapshot's files [{name, content}]
 *   <fullRevision>/pinned      present: kept although no entry refers to it
 *
 * Nothing read back from disk is trusted: index entries are validated one by
 * one (an invalid one is dropped, never acted upon), a revision's files must be
 * plain policy file names whose contents hash to the revision, and only regular
 * files are read. An unreadable index is rebuilt from the revision directories
 * (and the damaged one kept aside). Pruning deletes only what the index it
 * replaces described and no longer does: a directory the index does not
 * describe is never deleted.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isSafePolicyFileName, PolicyLoadError, readPolicyFile } from './directory.js';
import { writeFileAtomic, writeFileAtomicAsync, writeFileExclusive } from './safe-write.js';
import { computeRevision } from './snapshot.js';
import type { PolicyFile } from './types.js';

export type HistorySource = 'start' | 'api' | 'watch' | 'rollback' | 'bundle';

export interface HistoryEntry {
  revision: string;
  full_revision: string;
  applied_at: string;
  /** `recovered`: rebuilt from the revision directories after the index was found damaged. */
  source: HistorySource | 'recovered';
  modules: number;
  /** The bundle the revision came from (name and manifest revision). */
  bundle?: { name: string; revision: string };
}

export class UnknownRevisionError extends Error {
  override name = 'UnknownRevisionError';
  constructor(
    readonly revision: string,
    readonly known: string[],
  ) {
    super(`unknown revision ${revision}`);
  }
}

/** A stored revision that cannot be used: unreadable, malformed, or its files do not hash to its name. */
export class DamagedRevisionError extends Error {
  override name = 'DamagedRevisionError';
}

export interface HistoryOptions {
  /** Told about damage found and repaired (a rebuilt index, dropped entries). */
  warn?: (message: string, details: Record<string, unknown>) => void;
}

const FULL_REVISION = /^[0-9a-f]{64}$/;
const SOURCES: ReadonlySet<string> = new Set(['start', 'api', 'watch', 'rollback', 'bundle', 'recovered']);

export function isFullRevision(x: unknown): x is string {
  return typeof x === 'string' && FULL_REVISION.test(x);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The entry if every field is what we write, else null. */
function validEntry(x: unknown): HistoryEntry | null {
  if (!isRecord(x)) return null;
  const { revision, full_revision: full, applied_at: at, source, modules } = x;
  // A bundle's revision is its manifest revision (src/bundle/), else the content hash's first 12 digits.
  const bundle = validBundle(x['bundle']);
  if (!isFullRevision(full) || (revision !== full.slice(0, 12) && (bundle === null || revision !== bundle.revision))) return null;
  if (typeof at !== 'string' || !Number.isFinite(Date.parse(at))) return null;
  if (typeof source !== 'string' || !SOURCES.has(source)) return null;
  if (typeof modules !== 'number' || !Number.isInteger(modules) || modules < 0) return null;
  return { revision, full_revision: full, applied_at: at, source: source as HistoryEntry['source'], modules, ...(bundle ? { bundle } : {}) };
}

function validBundle(x: unknown): { name: string; revision: string } | null {
  if (!isRecord(x) || typeof x['name'] !== 'string' || typeof x['revision'] !== 'string') return null;
  return { name: x['name'], revision: x['revision'] };
}

/** A revision's files as read back: plain policy file names, no duplicates, hashing to `fullRevision`. Throws `DamagedRevisionError`. */
export function validRevisionFiles(fullRevision: string, parsed: unknown): PolicyFile[] {
  const damaged = (why: string): DamagedRevisionError => new DamagedRevisionError(`revision ${fullRevision.slice(0, 12)} in the history is damaged: ${why}`);
  if (!Array.isArray(parsed)) throw damaged('files.json is not a list');
  const names = new Set<string>();
  const files: PolicyFile[] = [];
  for (const f of parsed as unknown[]) {
    if (!isRecord(f) || typeof f['content'] !== 'string') throw damaged('an entry is not {name, content}');
    const name = f['name'];
    if (!isSafePolicyFileName(name)) throw damaged(`${JSON.stringify(name)} is not a policy file name`);
    if (names.has(name)) throw damaged(`${name} is listed twice`);
    names.add(name);
    files.push({ name, content: f['content'] });
  }
  if (computeRevision(files) !== fullRevision) throw damaged('its files do not match its revision');
  return files;
}

export class PolicyHistory {
  constructor(
    readonly dir: string,
    readonly limit = 50,
    private readonly options: HistoryOptions = {},
  ) {}

  private get indexPath(): string {
    return join(this.dir, 'index.json');
  }

  /** Applied entries, oldest first (rebuilt from the revision directories when the index is damaged). */
  entries(): HistoryEntry[] {
    return this.readIndex();
  }

  private readIndex(): HistoryEntry[] {
    let text: string | null;
    try {
      text = readPolicyFile(this.indexPath, this.dir);
    } catch (e) {
      if (!(e instanceof PolicyLoadError)) throw e;
      return this.rebuilt(e.message);
    }
    // No index but revisions stored: it was lost, not never written.
    if (text === null) return this.revisionDirs().length > 0 ? this.rebuilt('index.json is missing') : [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      return this.rebuilt(`index.json is not JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(parsed)) return this.rebuilt('index.json is not a list');
    const entries: HistoryEntry[] = [];
    let dropped = 0;
    for (const x of parsed as unknown[]) {
      const e = validEntry(x);
      if (e) entries.push(e);
      else dropped++;
    }
    if (dropped > 0) this.options.warn?.('policy history: invalid index entries ignored', { dropped, kept: entries.length });
    return entries;
  }

  /**
   * The index rebuilt from the revision directories holding valid files (not
   * the pinned ones: those were never applied), newest `limit` by the time
   * they were stored.
   */
  private rebuilt(why: string): HistoryEntry[] {
    const found: { entry: HistoryEntry; at: number }[] = [];
    for (const name of this.revisionDirs()) {
      if (existsSync(join(this.dir, name, 'pinned'))) continue;
      try {
        const files = this.readFiles(name);
        const at = statSync(join(this.dir, name, 'files.json')).mtimeMs;
        const modules = files.filter((f) => f.name.endsWith('.rego')).length;
        found.push({ entry: { revision: name.slice(0, 12), full_revision: name, applied_at: new Date(at).toISOString(), source: 'recovered', modules }, at });
      } catch {
        // Unusable: not described, so left alone.
      }
    }
    found.sort((a, b) => a.at - b.at);
    const entries = found.slice(Math.max(0, found.length - this.limit)).map((f) => f.entry);
    this.options.warn?.('policy history: index.json is damaged; rebuilt from the revision directories', { reason: why, recovered: entries.length });
    this.repair(entries);
    return entries;
  }

  /** Keeps the damaged index aside (for whoever wants to know what happened to it) and writes the rebuilt one. Best effort. */
  private repair(entries: HistoryEntry[]): void {
    try {
      if (existsOrLink(this.indexPath)) renameSync(this.indexPath, join(this.dir, `index.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}.json`));
      writeFileAtomic(this.indexPath, JSON.stringify(entries, null, 2));
    } catch (e) {
      this.options.warn?.('policy history: the rebuilt index could not be written', { error: (e as Error).message });
    }
  }

  /** Names of the real directories (not links) named like a full revision. */
  private revisionDirs(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.filter((n) => FULL_REVISION.test(n) && isRealDirectory(join(this.dir, n)));
  }

  /** Reads and validates a stored revision's files. Throws `DamagedRevisionError`. */
  private readFiles(fullRevision: string): PolicyFile[] {
    const path = join(this.dir, fullRevision, 'files.json');
    let text: string | null;
    try {
      if (!isRealDirectory(join(this.dir, fullRevision))) text = null;
      else text = readPolicyFile(path, this.dir);
    } catch (e) {
      throw new DamagedRevisionError(`revision ${fullRevision.slice(0, 12)} in the history is damaged: ${(e as Error).message}`);
    }
    if (text === null) throw new DamagedRevisionError(`revision ${fullRevision.slice(0, 12)} is missing from the history`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new DamagedRevisionError(`revision ${fullRevision.slice(0, 12)} in the history is damaged: files.json is not JSON`);
    }
    return validRevisionFiles(fullRevision, parsed);
  }

  /**
   * Stores a revision's files (once) without recording it as applied. `pin`
   * keeps them even when no applied entry refers to them (files a rollback
   * replaced that were never served).
   */
  store(fullRevision: string, files: readonly PolicyFile[], pin = false): void {
    const write = this.storeDirectory(fullRevision, files);
    if (write) writeFileAtomic(write.path, write.content);
    const revDir = join(this.dir, fullRevision);
    if (pin && !isRegularFile(join(revDir, 'pinned'))) {
      rmSync(join(revDir, 'pinned'), { force: true });
      writeFileExclusive(join(revDir, 'pinned'), '');
    }
  }

  /**
   * Makes the revision's directory and says which `files.json` to write, if
   * any: same revision, same content, written once; whatever else sits there
   * is replaced (a damaged copy, a link).
   */
  private storeDirectory(fullRevision: string, files: readonly PolicyFile[]): { path: string; content: string } | undefined {
    if (!isFullRevision(fullRevision)) throw new Error(`policy history: refusing revision ${JSON.stringify(fullRevision)}`);
    for (const f of files) if (!isSafePolicyFileName(f.name)) throw new Error(`policy history: refusing file name ${JSON.stringify(f.name)}`);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const revDir = join(this.dir, fullRevision);
    if (existsOrLink(revDir) && !isRealDirectory(revDir)) rmSync(revDir, { force: true });
    if (!existsOrLink(revDir)) mkdirSync(revDir, { mode: 0o700 });
    const path = join(revDir, 'files.json');
    if (isRegularFile(path)) return undefined;
    return { path, content: JSON.stringify(files.map((f) => ({ name: f.name, content: f.content }))) };
  }

  /** Records an applied snapshot. */
  record(entry: HistoryEntry, files: readonly PolicyFile[]): void {
    const plan = this.planRecord(entry, files);
    if (plan.files) writeFileAtomic(plan.files.path, plan.files.content);
    writeFileAtomic(this.indexPath, plan.index);
    this.prune(plan.before, plan.kept);
  }

  /**
   * `record` with its writes (the revision's files when new, the index) done
   * off the event loop: what a reload on the request path uses. The caller
   * runs one at a time (reloads are serialised), as with `record`.
   */
  async recordAsync(entry: HistoryEntry, files: readonly PolicyFile[]): Promise<void> {
    const plan = this.planRecord(entry, files);
    if (plan.files) await writeFileAtomicAsync(plan.files.path, plan.files.content);
    await writeFileAtomicAsync(this.indexPath, plan.index);
    this.prune(plan.before, plan.kept);
  }

  /** What recording `entry` writes: the revision's files (once), then the index with the entry appended (the last `limit`). */
  private planRecord(
    entry: HistoryEntry,
    files: readonly PolicyFile[],
  ): { before: HistoryEntry[]; kept: HistoryEntry[]; index: string; files: { path: string; content: string } | undefined } {
    const valid = validEntry(entry);
    if (!valid) throw new Error(`policy history: refusing entry ${JSON.stringify(entry)}`);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // Read first: a rebuilt index must not already list the revision stored next.
    const before = this.readIndex();
    const write = this.storeDirectory(valid.full_revision, files);
    const entries = [...before, valid];
    const kept = entries.slice(Math.max(0, entries.length - this.limit));
    return { before, kept, index: JSON.stringify(kept, null, 2), files: write };
  }

  /** Files of a revision given by its full form or a unique prefix (12 digits as shown). */
  files(revision: string): { fullRevision: string; files: PolicyFile[] } {
    const full = this.resolve(revision);
    const bundle = this.entries().find((e) => e.full_revision === full && e.bundle !== undefined)?.bundle;
    if (bundle) throw new Error(`revision ${bundle.revision} came from bundle ${JSON.stringify(bundle.name)}: its files are kept by the bundle server, not here`);
    return { fullRevision: full, files: this.readFiles(full) };
  }

  /** An applied revision, or a pinned one (files a rollback replaced), by a unique prefix of at least 4 digits. */
  private resolve(revision: string): string {
    const known = new Set(this.entries().map((e) => e.full_revision));
    for (const name of this.pinned()) known.add(name);
    const valid = /^[0-9a-f]{4,64}$/.test(revision);
    const matches = valid ? [...known].filter((full) => full.startsWith(revision)) : [];
    if (matches.length !== 1) throw new UnknownRevisionError(revision, [...new Set([...known].map((full) => full.slice(0, 12)))]);
    return matches[0]!;
  }

  private pinned(): string[] {
    return this.revisionDirs().filter((name) => existsSync(join(this.dir, name, 'pinned')));
  }

  /**
   * Removes the stored revisions that the previous index described and the new
   * one no longer does (and that are not pinned). Nothing else is ever deleted.
   */
  private prune(previous: readonly HistoryEntry[], kept: readonly HistoryEntry[]): void {
    const live = new Set(kept.map((e) => e.full_revision));
    for (const full of new Set(previous.map((e) => e.full_revision))) {
      const revDir = join(this.dir, full);
      if (live.has(full) || !isRealDirectory(revDir) || existsSync(join(revDir, 'pinned'))) continue;
      rmSync(revDir, { recursive: true, force: true });
    }
  }
}

function existsOrLink(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function isRegularFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

function isRealDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}
