/**
 * Policy history: every snapshot ever applied is kept on disk, content-addressed
 * by its full revision, so that an operator can list what was served and roll
 * back to it. Layout under `<data_dir>/policy-history/`:
 *
 *   index.json                 applied entries, oldest first (the last `limit`)
 *   <fullRevision>/files.json  the snapshot's files [{name, content}]
 *
 * A revision's files are written once (same revision = same content). Entries
 * past the limit are dropped, and their files too when no entry refers to them.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { PolicyFile } from './types.js';

export type HistorySource = 'start' | 'api' | 'watch' | 'rollback' | 'bundle';

export interface HistoryEntry {
  revision: string;
  full_revision: string;
  applied_at: string;
  source: HistorySource;
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

/** Writes a file so that readers see either the old or the new content, never a torn one. */
export function writeFileAtomic(path: string, content: string, mode?: number): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, content, mode === undefined ? undefined : { mode });
  renameSync(tmp, path);
}

export class PolicyHistory {
  constructor(
    readonly dir: string,
    readonly limit = 50,
  ) {}

  private get indexPath(): string {
    return join(this.dir, 'index.json');
  }

  /** Applied entries, oldest first. */
  entries(): HistoryEntry[] {
    try {
      const parsed = JSON.parse(readFileSync(this.indexPath, 'utf8')) as unknown;
      return Array.isArray(parsed) ? (parsed as HistoryEntry[]) : [];
    } catch {
      return [];
    }
  }

  /**
   * Stores a revision's files (once) without recording it as applied. `pin`
   * keeps them even when no applied entry refers to them (files a rollback
   * replaced that were never served).
   */
  store(fullRevision: string, files: readonly PolicyFile[], pin = false): void {
    const revDir = join(this.dir, fullRevision);
    const path = join(revDir, 'files.json');
    mkdirSync(revDir, { recursive: true, mode: 0o700 });
    if (!existsSync(path)) writeFileAtomic(path, JSON.stringify(files));
    if (pin) writeFileSync(join(revDir, 'pinned'), '');
  }

  /** Records an applied snapshot. */
  record(entry: HistoryEntry, files: readonly PolicyFile[]): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.store(entry.full_revision, files);
    const entries = [...this.entries(), entry];
    const kept = entries.slice(Math.max(0, entries.length - this.limit));
    writeFileAtomic(this.indexPath, JSON.stringify(kept, null, 2));
    this.prune(kept);
  }

  /** Files of a revision given by its full form or a unique prefix (12 digits as shown). */
  files(revision: string): { fullRevision: string; files: PolicyFile[] } {
    const full = this.resolve(revision);
    const files = JSON.parse(readFileSync(join(this.dir, full, 'files.json'), 'utf8')) as PolicyFile[];
    return { fullRevision: full, files };
  }

  /** An applied revision, or a pinned one (files a rollback replaced), by a unique prefix of at least 4 digits. */
  private resolve(revision: string): string {
    const entries = this.entries();
    const known = new Set(entries.map((e) => e.full_revision));
    for (const name of this.pinned()) known.add(name);
    const matches = revision.length >= 4 ? [...known].filter((full) => full.startsWith(revision)) : [];
    if (matches.length !== 1) throw new UnknownRevisionError(revision, [...new Set([...known].map((full) => full.slice(0, 12)))]);
    return matches[0]!;
  }

  private pinned(): string[] {
    try {
      return readdirSync(this.dir).filter((name) => /^[0-9a-f]{64}$/.test(name) && existsSync(join(this.dir, name, 'pinned')));
    } catch {
      return [];
    }
  }

  /** Removes stored revisions that no applied entry refers to and that are not pinned. */
  private prune(kept: HistoryEntry[]): void {
    const live = new Set(kept.map((e) => e.full_revision));
    for (const name of readdirSync(this.dir)) {
      if (/^[0-9a-f]{64}$/.test(name) && !live.has(name) && !existsSync(join(this.dir, name, 'pinned'))) rmSync(join(this.dir, name), { recursive: true, force: true });
    }
  }
}

/**
 * Writes a revision's files into the policy's rego directory: every file is
 * staged first, then renamed into place, then files the revision does not have
 * are removed — so a failure while staging leaves the directory untouched.
 */
export function writeRevisionFiles(regoDir: string, files: readonly PolicyFile[], currentNames: readonly string[]): void {
  const staged: [string, string][] = [];
  try {
    for (const f of files) {
      if (f.name.includes('/') || f.name.includes('\\') || f.name.startsWith('.')) throw new Error(`refusing file name ${f.name}`);
      const tmp = join(regoDir, `.${f.name}.rollback-${process.pid}`);
      writeFileSync(tmp, f.content);
      staged.push([tmp, join(regoDir, f.name)]);
    }
  } catch (err) {
    for (const [tmp] of staged) rmSync(tmp, { force: true });
    throw err;
  }
  for (const [tmp, dest] of staged) renameSync(tmp, dest);
  const wanted = new Set(files.map((f) => f.name));
  for (const name of currentNames) if (!wanted.has(name)) unlinkSync(join(regoDir, name));
}

/** Files of a rego directory that make up a policy (what the revision is computed over). */
export function isPolicyFileName(name: string): boolean {
  return name.endsWith('.rego') || name === 'data.json' || name === 'data-sandbox.json';
}

/**
 * The policy files now in a rego directory, read raw (no parsing, so a broken
 * directory can still be saved before a rollback replaces it), sorted by name.
 */
export function readPolicyFiles(regoDir: string): PolicyFile[] {
  const files: PolicyFile[] = [];
  for (const name of readdirSync(regoDir).sort()) {
    if (!isPolicyFileName(name) || !lstatSync(join(regoDir, name)).isFile()) continue;
    files.push({ name, content: readFileSync(join(regoDir, name), 'utf8') });
  }
  return files;
}
