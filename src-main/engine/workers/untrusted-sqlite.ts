import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
/** Facts about a SQLite file (a backup copy, a restored database, or one from an archive). */
export interface SqliteFacts {
  readonly sqliteVersion: string;
  readonly integrityCheck: string;
  readonly pageSize: number;
  readonly pageCount: number;
  readonly tables: { name: string; rows: number }[];
  readonly totalRows: number;
}

const require = createRequire(import.meta.url);

// Plain JS run in a worker thread (eval'd, so it works from sources under vitest and from the
// build alike). The database comes from an archive and is untrusted: defensive mode is on by
// default in better-sqlite3, trusted_schema is turned off, and the caller bounds the time.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.modulePath);
const db = new Database(workerData.path, { readonly: true, fileMustExist: true });
try {
  db.pragma('trusted_schema = OFF');
  db.pragma('cell_size_check = ON');
  const check = workerData.quick ? 'quick_check' : 'integrity_check';
  const integrity = db.pragma(check).map((r) => r[check]).join('; ');
  const names = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\\\_%' ESCAPE '\\\\' ORDER BY name").all().map((r) => r.name);
  const tables = names.map((name) => ({ name, rows: db.prepare('SELECT count(*) AS n FROM "' + name.replace(/"/g, '""') + '"').get().n }));
  parentPort.postMessage({
    sqliteVersion: db.prepare('SELECT sqlite_version() AS v').get().v,
    integrityCheck: integrity,
    pageSize: db.pragma('page_size', { simple: true }),
    pageCount: db.pragma('page_count', { simple: true }),
    tables,
    totalRows: tables.reduce((s, t) => s + t.rows, 0),
  });
} finally {
  db.close();
}
`;

/**
 * integrity_check (or, with `quick`, quick_check: no index cross-checks), page facts and exact row counts of a SQLite file, in a worker thread that is
 * terminated after `timeoutMs`: the main thread (and IPC) stays free, and a hostile schema from an
 * archive cannot hang Lifeboat.
 */
export function inspectSqliteInWorker(path: string, timeoutMs = 120_000, quick = false): Promise<SqliteFacts> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, quick, modulePath: require.resolve('better-sqlite3') } });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new LifeboatError('SQLITE_CORRUPT', `Checking the SQLite database ${path} took longer than ${Math.round(timeoutMs / 1000)} s; treating it as hostile.`, { path }));
    }, timeoutMs);
    worker.once('message', (facts: SqliteFacts) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(facts);
    });
    worker.once('error', (e) => {
      clearTimeout(timer);
      reject(new LifeboatError('SQLITE_CORRUPT', `The SQLite database ${path} cannot be read: ${e.message}`, { path }, { cause: e }));
    });
  });
}
