import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './schema.js';

/** An open catalog connection (better-sqlite3, WAL mode). */
export type CatalogDb = Database.Database;

/** Open (creating if needed) the catalog at `file` and bring its schema up to date. */
export function openCatalogDb(file: string): CatalogDb {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { timeout: 10_000 });
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  // FULL: a restore's journal and a backup's COMPLETED row must survive a power cut once written.
  db.pragma('synchronous = FULL');
  migrate(db);
  ensureAuditTriggers(db);
  return db;
}

function migrate(db: CatalogDb): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `The catalog at ${db.name} has schema version ${current}, newer than this Lifeboat understands (${MIGRATIONS.length}). Upgrade Lifeboat.`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version += 1) {
    const step = db.transaction(() => {
      db.exec(MIGRATIONS[version] ?? '');
      db.pragma(`user_version = ${version + 1}`);
    });
    step.immediate();
  }
}

/**
 * The audit table is append-only from inside SQLite. The triggers are re-created at every open,
 * so dropping them (to delete or edit rows) lasts only until the next start.
 */
function ensureAuditTriggers(db: CatalogDb): void {
  db.exec(`
    CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events
      BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
    CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events
      BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
  `);
}
