import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A WAL-mode database whose rows live only in the `-wal` file: autocheckpoint is off and the
 * returned connection stays open (closing the last connection would checkpoint).
 */
export function walDatabaseWithRowsOnlyInWal(path: string, rows: number): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT NOT NULL, payload BLOB)');
  db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE)');
  const insert = db.prepare('INSERT INTO events (body, payload) VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i += 1) insert.run(`event ${i} ${'x'.repeat(i % 50)}`, Buffer.alloc(16, i % 256));
  })();
  db.prepare('INSERT INTO users (email) VALUES (?)').run('admin@example.com');
  return db;
}

/** Size of the main database file and its -wal, to prove where the rows are. */
export function fileSizes(path: string): { db: number; wal: number } {
  return { db: statSync(path).size, wal: statSync(`${path}-wal`).size };
}

/** Rows per table, read from a database file. */
export function countRows(path: string, table: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/**
 * Another process that keeps inserting into `events` (one row per transaction) until killed:
 * the live writer a real application would be.
 */
export function startLiveWriter(path: string): Promise<ChildProcess> {
  const script = `
    const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
    const db = new Database(${JSON.stringify(path)}, { timeout: 5000 });
    db.pragma('wal_autocheckpoint = 0');
    const ins = db.prepare('INSERT INTO events (body) VALUES (?)');
    let i = 0;
    process.stdout.write('ready\\n');
    setInterval(() => { for (let k = 0; k < 20; k++) ins.run('live ' + (i++)); }, 1);
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.once('data', () => resolve(child));
  });
}
