import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { SqliteFacts } from './untrusted-sqlite.js';

/**
 * The worker thread of inspectSqliteInWorker (untrusted-sqlite.ts): integrity_check (or
 * quick_check), page facts and exact row counts of one SQLite file. The database comes from an
 * archive and is untrusted: defensive mode is on by default in better-sqlite3, trusted_schema is
 * turned off, cell sizes are checked, and the caller bounds the time.
 */
const { path, quick } = workerData as { path: string; quick: boolean };
const db = new Database(path, { readonly: true, fileMustExist: true });
try {
  db.pragma('trusted_schema = OFF');
  db.pragma('cell_size_check = ON');
  const check = quick ? 'quick_check' : 'integrity_check';
  const integrity = (db.pragma(check) as Record<string, string>[]).map((r) => r[check]).join('; ');
  const names = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  const tables = names.map((name) => ({ name, rows: (db.prepare(`SELECT count(*) AS n FROM "${name.replace(/"/g, '""')}"`).get() as { n: number }).n }));
  const facts: SqliteFacts = {
    sqliteVersion: (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v,
    integrityCheck: integrity,
    pageSize: db.pragma('page_size', { simple: true }) as number,
    pageCount: db.pragma('page_count', { simple: true }) as number,
    tables,
    totalRows: tables.reduce((s, t) => s + t.rows, 0),
  };
  parentPort?.postMessage(facts);
} finally {
  db.close();
}
