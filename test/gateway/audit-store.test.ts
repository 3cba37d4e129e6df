/**
 * Damage to the audit database (a real SQLite file): detected while running
 * (a write into a damaged file is a failed write, reported once, counted every
 * time), and at start (moved aside, block/allow entries carried over when
 * readable, a new database created).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, openSync, readdirSync, rmSync, truncateSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AuditStore, AuditStoreError, type AuditHealth } from '../../src/gateway/audit-store.js';

const ENTRY = { target_type: 'skill', target_name: 'evil', reason: 'known bad' };

function withDir(fn: (dir: string) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dc-audit-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  'truncated under a running store: the next write fails, the damage is reported once and counted, writes stay refused',
  withDir((dir) => {
    const file = join(dir, 'audit.db');
    // A database with a past: its pages are in the file, not only in the write-ahead log.
    const first = AuditStore.open(file);
    first.setListEntry('block', ENTRY);
    first.close();
    const changes: AuditHealth[] = [];
    const errors: string[] = [];
    const store = AuditStore.open(file, { onHealthChange: (h) => changes.push(h), onError: (k) => errors.push(k) });
    store.log({ action: 'x', target: 't', details: 'before' });
    assert.deepEqual(store.admissionLists().block, [ENTRY]);
    assert.equal(store.health().status, 'ok');

    truncateSync(file, 0);
    assert.throws(() => store.log({ action: 'x', target: 't', details: 'after' }), (e) => e instanceof AuditStoreError && /damaged.*truncated/.test(e.message));
    assert.throws(() => store.setListEntry('allow', { ...ENTRY, target_name: 'other' }), /damaged, nothing can be recorded/);
    assert.throws(() => store.list('block'), /audit store damaged/);
    // Admission keeps the last good lists.
    assert.deepEqual(store.admissionLists().block, [ENTRY]);
    assert.equal(store.health().status, 'damaged');
    assert.match(store.health().error!, /truncated \(0 bytes left\)/);
    assert.equal(changes.length, 1, 'reported once');
    assert.deepEqual(errors, ['damaged', 'damaged'], 'every failed or refused write counted');
    store.close();

    // The next start moves it aside (SQLite itself would say "file is not a database") and starts afresh.
    const reopened = AuditStore.open(file, { now: () => new Date('2025-01-05T10:12:03.120Z') });
    try {
      const h = reopened.health();
      assert.equal(h.status, 'ok');
      assert.equal(h.recovered?.moved_to, `${file}.damaged-2025-01-05T10-12-03-120Z`);
      assert.ok(existsSync(h.recovered!.moved_to));
      reopened.setListEntry('block', ENTRY);
      assert.equal(reopened.list('block').length, 1);
    } finally {
      reopened.close();
    }
  }),
);

test(
  'damage found by the periodic check, without a write',
  withDir(async (dir) => {
    const file = join(dir, 'audit.db');
    const store = AuditStore.open(file);
    try {
      store.startMonitor(20);
      const fd = openSync(file, 'r+');
      writeSync(fd, Buffer.alloc(16), 0, 16, 0); // the header overwritten
      closeSync(fd);
      for (let i = 0; i < 100 && store.health().status === 'ok'; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(store.health().status, 'damaged');
      assert.match(store.health().error!, /no longer starts with the SQLite header/);
    } finally {
      store.close();
    }
  }),
);

test(
  'removed or replaced under a running store: damaged',
  withDir((dir) => {
    const file = join(dir, 'audit.db');
    const store = AuditStore.open(file);
    rmSync(file);
    assert.throws(() => store.log({ action: 'x', target: 't', details: '' }), /the database file was removed/);
    store.close();
    const other = AuditStore.open(join(dir, 'b.db'));
    writeFileSync(join(dir, 'b.db.new'), 'x');
    rmSync(join(dir, 'b.db'));
    writeFileSync(join(dir, 'b.db'), 'SQLite format 3\0' + 'x'.repeat(200));
    assert.throws(() => other.log({ action: 'x', target: 't', details: '' }), /replaced by another file/);
    other.close();
  }),
);

test(
  'at start: a database SQLite calls corrupt is moved aside, its readable block/allow entries carried over',
  withDir((dir) => {
    const file = join(dir, 'audit.db');
    const store = AuditStore.open(file);
    store.setListEntry('block', ENTRY);
    store.setListEntry('allow', { target_type: 'mcp', target_name: 'good', reason: '' });
    for (let i = 0; i < 500; i++) store.log({ action: 'filler', target: 't', details: 'x'.repeat(200) });
    store.close();
    // Garbage over the root page of audit_events: the header and the actions table are intact.
    const db = new Database(file, { readonly: true });
    const { rootpage } = db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'audit_events'").get() as { rootpage: number };
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.close();
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (rootpage - 1) * pageSize);
    closeSync(fd);

    const reopened = AuditStore.open(file);
    try {
      const h = reopened.health();
      assert.match(h.recovered!.error, /malformed|corrupt/i);
      assert.equal(h.recovered!.salvaged_entries, 2);
      assert.deepEqual(reopened.admissionLists().block, [ENTRY]);
      assert.equal(reopened.list('allow')[0]!.target_name, 'good');
      assert.equal(readdirSync(dir).filter((n) => n.startsWith('audit.db.damaged-')).length >= 1, true);
    } finally {
      reopened.close();
    }
  }),
);

test(
  'at start: a file that is not a database at all is moved aside; an unreachable one still fails start',
  withDir((dir) => {
    const file = join(dir, 'audit.db');
    writeFileSync(file, 'this is not a database '.repeat(100));
    const store = AuditStore.open(file);
    assert.match(store.health().recovered!.error, /SQLite header/);
    assert.equal(store.health().recovered!.salvaged_entries, 0);
    store.close();
    assert.throws(() => AuditStore.open(join(dir, 'audit.db', 'x.db')), (e) => e instanceof AuditStoreError && /cannot open audit store/.test(e.message));
  }),
);
