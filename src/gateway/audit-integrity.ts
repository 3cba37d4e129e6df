/**
 * Damage to the audit database, found by looking at the file rather than by
 * trusting SQLite: after `truncate -s 0 audit.db` under a running sidecar,
 * SQLite keeps answering from its cache and its write-ahead log, every write
 * "succeeds", and the next start fails with `file is not a database`.
 *
 * - `FileWatch`: the file we opened is still there, still the same file, and
 *   still starts with SQLite's header (two system calls; run after each write
 *   and periodically).
 * - `checkBeforeOpen`: the same look at start, before SQLite opens the file.
 * - `moveAside`: a damaged database (with its WAL and shared-memory files) is
 *   renamed `<name>.damaged-<timestamp>` so that a new one can be created;
 *   `salvageListEntries` reads back what it can of the block/allow entries.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, fstatSync, openSync, readSync, renameSync, statSync } from 'node:fs';

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** The database is damaged (as opposed to unreachable: permissions, a full disk). */
export class AuditDamageError extends Error {
  override name = 'AuditDamageError';
}

/** SQLite's own verdicts of damage. */
export function isDamage(err: unknown): boolean {
  if (err instanceof AuditDamageError) return true;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'));
}

function headerOf(fd: number): Buffer {
  const buf = Buffer.alloc(SQLITE_HEADER.length);
  const n = readSync(fd, buf, 0, buf.length, 0);
  return buf.subarray(0, n);
}

/** Throws `AuditDamageError` when an existing database file is plainly not a usable SQLite database. */
export function checkBeforeOpen(file: string): void {
  if (!existsSync(file)) return;
  // The store never leaves an empty file (its first page is written when it is created): this one lost its pages.
  if (statSync(file).size === 0) throw new AuditDamageError('the database file is empty (truncated?)');
  const fd = openSync(file, 'r');
  try {
    if (!headerOf(fd).equals(SQLITE_HEADER)) throw new AuditDamageError('the file does not start with the SQLite header (truncated or overwritten?)');
  } finally {
    closeSync(fd);
  }
}

/** Watches the database file opened at start: removal, replacement, truncation, a lost header. */
export class FileWatch {
  private readonly fd: number;
  private readonly dev: number;
  private readonly ino: number;

  constructor(private readonly file: string) {
    this.fd = openSync(file, 'r');
    const st = fstatSync(this.fd);
    this.dev = st.dev;
    this.ino = st.ino;
  }

  /** What is wrong with the file, or null. */
  damage(): string | null {
    let st;
    try {
      st = statSync(this.file);
    } catch {
      return 'the database file was removed';
    }
    if (st.dev !== this.dev || st.ino !== this.ino) return 'the database file was replaced by another file';
    if (st.size < SQLITE_HEADER.length) return `the database file was truncated (${st.size} bytes left)`;
    try {
      if (!headerOf(this.fd).equals(SQLITE_HEADER)) return 'the database file no longer starts with the SQLite header (overwritten?)';
    } catch (err) {
      return `the database file cannot be read: ${(err as Error).message}`;
    }
    return null;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Renames the database and its `-wal`/`-shm` companions out of the way; returns the new name. */
export function moveAside(file: string, at: Date): string {
  const target = `${file}.damaged-${at.toISOString().replace(/[:.]/g, '-')}`;
  renameSync(file, target);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, target + suffix);
  }
  return target;
}

export interface SalvagedEntry {
  target_type: string;
  target_name: string;
  reason: string;
  action: 'block' | 'allow';
  created_at: string;
}

/** The block/allow entries still readable in a damaged database (best effort: none when unreadable). */
export function salvageListEntries(file: string): SalvagedEntry[] {
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const rows = db.prepare("SELECT target_type, target_name, reason, action, created_at FROM actions WHERE action IN ('block', 'allow')").all() as SalvagedEntry[];
    return rows.filter((r) => typeof r.target_type === 'string' && typeof r.target_name === 'string');
  } catch {
    return [];
  } finally {
    try {
      db?.close();
    } catch {
      // nothing more to do with a damaged file
    }
  }
}
