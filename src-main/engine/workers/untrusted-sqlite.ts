import { Worker } from 'node:worker_threads';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { workerUrl } from './worker-url.js';

/** Facts about a SQLite file (a backup copy, a restored database, or one from an archive). */
export interface SqliteFacts {
  readonly sqliteVersion: string;
  readonly integrityCheck: string;
  readonly pageSize: number;
  readonly pageCount: number;
  readonly tables: { name: string; rows: number }[];
  readonly totalRows: number;
}

/**
 * integrity_check (or, with `quick`, quick_check: no index cross-checks), page facts and exact row
 * counts of a SQLite file, in a worker thread (sqlite-worker.ts) that is terminated after
 * `timeoutMs`: the main thread (and IPC) stays free, and a hostile schema from an archive cannot
 * hang Lifeboat.
 */
export function inspectSqliteInWorker(path: string, timeoutMs = 120_000, quick = false): Promise<SqliteFacts> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl('sqlite-worker'), { workerData: { path, quick } });
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
