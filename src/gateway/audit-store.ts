/**
 * The sidecar's SQLite store (`<data_dir>/audit.db`): the audit trail
 * (`audit_events`) and the operator's block/allow entries (`actions`), which
 * feed admission's `block_list`/`allow_list`. One owner (the sidecar process),
 * WAL journal, prepared statements. The lists are cached in memory and rebuilt
 * only after a change, so admission does not query SQLite per request.
 *
 * Damage is looked for, not assumed away (`audit-integrity.ts`): after every
 * write and periodically the file is checked, and a write into a damaged
 * database is a failed write (a reload without its audit row is not applied).
 * The store then refuses writes until restarted; `health()` says why, and
 * `onHealthChange` tells the sidecar (lifecycle event, metric, log). At start
 * a damaged database is moved aside (`audit.db.damaged-<timestamp>`), the
 * block/allow entries still readable in it are carried over, and a new one is
 * created: the sidecar starts.
 */
import Database from 'better-sqlite3';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ListEntry } from '../policy/types.js';
import { checkBeforeOpen, FileWatch, isDamage, moveAside, salvageListEntries } from './audit-integrity.js';

export type ListAction = 'block' | 'allow';

export interface AuditEvent {
  action: string;
  target: string;
  /** Free text or a JSON document (stored as JSON text). */
  details: string | Record<string, unknown>;
  severity?: 'INFO' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  actor?: string;
}

export interface AuditRow {
  id: string;
  timestamp: string;
  action: string;
  target: string;
  actor: string;
  details: string;
  severity: string;
}

export interface ActionRow {
  id: string;
  target_type: string;
  target_name: string;
  reason: string;
  action: ListAction;
  created_at: string;
}

/** A store failure (the database could not be opened or written). */
export class AuditStoreError extends Error {
  override name = 'AuditStoreError';
  readonly code = 'audit_store_error';
}

/** `ok`; `failing`: the last write failed (a full disk…), the next may succeed; `damaged`: no writes until restart. */
export type AuditStatus = 'ok' | 'failing' | 'damaged';

export interface AuditHealth {
  status: AuditStatus;
  db: string;
  /** When the status last changed (absent while ok since start). */
  since?: string;
  error?: string;
  /** A damaged database found at start and moved aside. */
  recovered?: { moved_to: string; error: string; salvaged_entries: number; at: string };
}

export interface AuditStoreOptions {
  /** Told on every change of `health()`. */
  onHealthChange?: (health: AuditHealth) => void;
  /** Every failed or refused write, by kind. */
  onError?: (kind: 'write' | 'damaged') => void;
  now?: () => Date;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_events (
  id TEXT PRIMARY KEY,
  timestamp TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL DEFAULT '',
  actor TEXT NOT NULL DEFAULT 'defenseclaw',
  details TEXT NOT NULL DEFAULT '',
  severity TEXT NOT NULL DEFAULT 'INFO'
);
CREATE INDEX IF NOT EXISTS audit_events_action_ts ON audit_events (action, timestamp);
CREATE TABLE IF NOT EXISTS actions (
  id TEXT PRIMARY KEY,
  target_type TEXT NOT NULL,
  target_name TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL CHECK (action IN ('block', 'allow')),
  created_at TEXT NOT NULL,
  UNIQUE (target_type, target_name)
);
`;

export class AuditStore {
  private readonly db: Database.Database;
  private readonly insertEvent: Database.Statement;
  private readonly upsertAction: Database.Statement;
  private readonly deleteAction: Database.Statement;
  private readonly selectActions: Database.Statement;
  private lists: { block: ListEntry[]; allow: ListEntry[] } | null = null;
  private readonly fileWatch: FileWatch;
  private state: AuditHealth;
  private monitor: NodeJS.Timeout | null = null;

  private constructor(
    db: Database.Database,
    private readonly file: string,
    private readonly opts: AuditStoreOptions,
    recovered?: AuditHealth['recovered'],
  ) {
    this.db = db;
    this.fileWatch = new FileWatch(file);
    this.state = { status: 'ok', db: file, ...(recovered ? { recovered } : {}) };
    this.insertEvent = db.prepare(
      'INSERT INTO audit_events (id, timestamp, action, target, actor, details, severity) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    // One entry per target: blocking an allowed target (or the reverse) replaces its entry.
    this.upsertAction = db.prepare(
      `INSERT INTO actions (id, target_type, target_name, reason, action, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (target_type, target_name) DO UPDATE SET reason = excluded.reason, action = excluded.action, created_at = excluded.created_at`,
    );
    this.deleteAction = db.prepare('DELETE FROM actions WHERE target_type = ? AND target_name = ? AND action = ?');
    this.selectActions = db.prepare(
      'SELECT id, target_type, target_name, reason, action, created_at FROM actions WHERE action = ? ORDER BY created_at, target_type, target_name',
    );
  }

  /**
   * Opens (or creates) the store. A damaged database is moved aside and
   * replaced (see `health().recovered`); any other failure is an `AuditStoreError`.
   */
  static open(file: string, opts: AuditStoreOptions = {}): AuditStore {
    const now = opts.now ?? (() => new Date());
    try {
      mkdirSync(dirname(file), { recursive: true });
      const store = new AuditStore(openDatabase(file), file, opts);
      // Read now: admission keeps these lists even if the database is damaged later.
      store.admissionLists();
      return store;
    } catch (err) {
      if (!isDamage(err)) throw new AuditStoreError(`cannot open audit store ${file}: ${(err as Error).message}`);
      const at = now();
      let movedTo: string;
      let db: Database.Database;
      try {
        movedTo = moveAside(file, at);
        db = openDatabase(file);
      } catch (err2) {
        throw new AuditStoreError(`audit store ${file} is damaged (${(err as Error).message}) and could not be replaced: ${(err2 as Error).message}`);
      }
      const salvaged = salvageListEntries(movedTo);
      const store = new AuditStore(db, file, opts, { moved_to: movedTo, error: (err as Error).message, salvaged_entries: salvaged.length, at: at.toISOString() });
      try {
        store.write(
          db.transaction(() => {
            for (const e of salvaged) store.upsertAction.run(randomUUID(), e.target_type, e.target_name, e.reason ?? '', e.action, e.created_at);
          }),
        );
      } catch {
        store.state.recovered!.salvaged_entries = 0;
      }
      store.admissionLists();
      return store;
    }
  }

  health(): AuditHealth {
    return { ...this.state };
  }

  /** Checks the database file every `intervalMs` so that damage shows in `health()` without waiting for a write. */
  startMonitor(intervalMs: number): void {
    this.monitor ??= setInterval(() => {
      if (this.state.status === 'damaged') return;
      const damage = this.fileWatch.damage();
      if (damage !== null) this.markDamaged(damage);
    }, intervalMs).unref();
  }

  /** Appends an audit row; throws `AuditStoreError` if it could not be written. */
  log(event: AuditEvent): AuditRow {
    const row: AuditRow = {
      id: randomUUID(),
      timestamp: new Date().toISOString(),
      action: event.action,
      target: event.target,
      actor: event.actor ?? 'defenseclaw',
      details: typeof event.details === 'string' ? event.details : JSON.stringify(event.details),
      severity: event.severity ?? 'INFO',
    };
    this.write(() => this.insertEvent.run(row.id, row.timestamp, row.action, row.target, row.actor, row.details, row.severity), false);
    return row;
  }

  /** Records a block/allow entry and its audit row in one transaction. */
  setListEntry(action: ListAction, entry: Required<ListEntry>): void {
    this.write(
      this.db.transaction(() => {
        this.upsertAction.run(randomUUID(), entry.target_type, entry.target_name, entry.reason, action, new Date().toISOString());
        this.insertAuditFor(`api-enforce-${action}`, entry);
      }),
    );
  }

  /** Removes a block entry; returns whether one existed. */
  removeBlock(entry: Required<ListEntry>): boolean {
    let removed = false;
    this.write(
      this.db.transaction(() => {
        removed = this.deleteAction.run(entry.target_type, entry.target_name, 'block').changes > 0;
        this.insertAuditFor('api-enforce-unblock', entry);
      }),
    );
    return removed;
  }

  list(action: ListAction): ActionRow[] {
    if (this.state.status === 'damaged') throw new AuditStoreError(`audit store damaged: ${this.state.error}`);
    return this.selectActions.all(action) as ActionRow[];
  }

  /** The entries admission receives as `block_list`/`allow_list` (cached until the next change). */
  admissionLists(): { block: ListEntry[]; allow: ListEntry[] } {
    if (this.lists === null) {
      const toEntry = (r: ActionRow): ListEntry => ({ target_type: r.target_type, target_name: r.target_name, reason: r.reason });
      // Straight from SQLite, even when damaged: admission needs the lists; a read that fails is a 503.
      const rows = (action: ListAction) => (this.selectActions.all(action) as ActionRow[]).map(toEntry);
      try {
        this.lists = { block: rows('block'), allow: rows('allow') };
      } catch (err) {
        if (isDamage(err)) this.markDamaged(`SQLite: ${(err as Error).message}`, false);
        throw new AuditStoreError(`audit store cannot read the block/allow lists: ${(err as Error).message}`);
      }
    }
    return this.lists;
  }

  /** Rows of `audit_events` with the given action, oldest first (tests, status). */
  events(action: string): AuditRow[] {
    return this.db.prepare('SELECT * FROM audit_events WHERE action = ? ORDER BY timestamp').all(action) as AuditRow[];
  }

  close(): void {
    if (this.monitor !== null) clearInterval(this.monitor);
    this.monitor = null;
    if (this.db.open) {
      try {
        // Nothing is written into a damaged file: the next start moves it aside as it is.
        if (this.state.status !== 'damaged') this.db.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        this.db.close();
        this.fileWatch.close();
      }
    }
  }

  private insertAuditFor(action: string, entry: Required<ListEntry>): void {
    this.insertEvent.run(
      randomUUID(),
      new Date().toISOString(),
      action,
      `${entry.target_type}:${entry.target_name}`,
      'defenseclaw',
      JSON.stringify({ target_type: entry.target_type, target_name: entry.target_name, reason: entry.reason }),
      'INFO',
    );
  }

  /**
   * Runs a write, the file checked before and after: SQLite committing into
   * a damaged file is still a failed write. A failed write changes nothing
   * (SQLite rolled it back), so the cached lists stay valid.
   */
  private write(fn: () => unknown, listsChange = true): void {
    if (this.state.status !== 'damaged') {
      // Looked at before writing too: nothing is written into a file known to be damaged.
      const damage = this.fileWatch.damage();
      if (damage !== null) this.markDamaged(damage, false);
    }
    if (this.state.status === 'damaged') {
      this.opts.onError?.('damaged');
      throw new AuditStoreError(`audit store damaged, nothing can be recorded until the sidecar restarts: ${this.state.error}`);
    }
    try {
      fn();
    } catch (err) {
      const why = (err as Error).message;
      if (isDamage(err)) {
        this.markDamaged(`SQLite: ${why}`);
        throw new AuditStoreError(`audit store damaged: SQLite: ${why}`);
      }
      this.opts.onError?.('write');
      this.setState({ status: 'failing', error: why });
      throw new AuditStoreError(`audit store write failed: ${why}`);
    }
    if (listsChange) this.lists = null;
    const damage = this.fileWatch.damage();
    if (damage !== null) {
      this.markDamaged(damage);
      throw new AuditStoreError(`audit store damaged, the record is not durable: ${damage}`);
    }
    if (this.state.status === 'failing') this.setState({ status: 'ok' });
  }

  private markDamaged(error: string, count = true): void {
    if (count) this.opts.onError?.('damaged');
    if (this.state.status !== 'damaged') this.setState({ status: 'damaged', error });
  }

  private setState(next: { status: AuditStatus; error?: string }): void {
    const { recovered } = this.state;
    this.state = { status: next.status, db: this.file, since: (this.opts.now?.() ?? new Date()).toISOString() };
    if (next.error !== undefined) this.state.error = next.error;
    if (recovered) this.state.recovered = recovered;
    this.opts.onHealthChange?.(this.health());
  }
}

/**
 * Opens the database after a look at the file, sets it up, and reads a little
 * of each table so that a damaged file fails here (SQLite reports damage only
 * when it meets it). Closes what it opened on failure.
 */
function openDatabase(file: string): Database.Database {
  checkBeforeOpen(file);
  const db = new Database(file);
  try {
    // The audit trail is the operator's: not world-readable.
    chmodSync(file, 0o600);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    db.prepare('SELECT count(*) FROM actions').get();
    db.prepare('SELECT rowid FROM audit_events ORDER BY rowid DESC LIMIT 1').get();
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
