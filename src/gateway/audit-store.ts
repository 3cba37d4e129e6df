/**
 * The sidecar's SQLite store (`<data_dir>/audit.db`): the audit trail
 * (`audit_events`) and the operator's block/allow entries (`actions`), which
 * feed admission's `block_list`/`allow_list`. One owner (the sidecar process),
 * WAL journal, prepared statements. The lists are cached in memory and rebuilt
 * only after a change, so admission does not query SQLite per request.
 */
import Database from 'better-sqlite3';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ListEntry } from '../policy/types.js';

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

  private constructor(db: Database.Database) {
    this.db = db;
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

  static open(file: string): AuditStore {
    try {
      mkdirSync(dirname(file), { recursive: true });
      const db = new Database(file);
      // The audit trail is the operator's: not world-readable.
      chmodSync(file, 0o600);
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
      return new AuditStore(db);
    } catch (err) {
      throw new AuditStoreError(`cannot open audit store ${file}: ${(err as Error).message}`);
    }
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
    this.write(() => this.insertEvent.run(row.id, row.timestamp, row.action, row.target, row.actor, row.details, row.severity));
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
    return this.selectActions.all(action) as ActionRow[];
  }

  /** The entries admission receives as `block_list`/`allow_list` (cached until the next change). */
  admissionLists(): { block: ListEntry[]; allow: ListEntry[] } {
    if (this.lists === null) {
      const toEntry = (r: ActionRow): ListEntry => ({ target_type: r.target_type, target_name: r.target_name, reason: r.reason });
      this.lists = { block: this.list('block').map(toEntry), allow: this.list('allow').map(toEntry) };
    }
    return this.lists;
  }

  /** Rows of `audit_events` with the given action, oldest first (tests, status). */
  events(action: string): AuditRow[] {
    return this.db.prepare('SELECT * FROM audit_events WHERE action = ? ORDER BY timestamp').all(action) as AuditRow[];
  }

  close(): void {
    if (this.db.open) {
      try {
        this.db.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        this.db.close();
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

  private write(fn: () => unknown): void {
    try {
      fn();
    } catch (err) {
      throw new AuditStoreError(`audit store write failed: ${(err as Error).message}`);
    } finally {
      this.lists = null;
    }
  }
}
