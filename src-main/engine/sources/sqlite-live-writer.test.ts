import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { countRows } from '../../../test-support/sqlite-fixtures.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { copySqlite, dumpSqlite } from './sqlite-source.js';

const require = createRequire(import.meta.url);

/** A WAL database of about `mb` MiB (rows of 4 KiB blobs), checkpointed so the writer's WAL starts small. */
function bigWalDatabase(path: string, mb: number): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT NOT NULL, payload BLOB)');
  const insert = db.prepare('INSERT INTO events (body, payload) VALUES (?, randomblob(4096))');
  db.transaction(() => {
    for (let i = 0; i < mb * 256; i += 1) insert.run(`seed ${i}`);
  })();
  db.close();
}

/** Another process committing one row every 10 ms, like a busy application, until killed. */
async function writerEvery10ms(path: string): Promise<ChildProcess> {
  const script = `
    const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
    const db = new Database(${JSON.stringify(path)}, { timeout: 5000 });
    const ins = db.prepare("INSERT INTO events (body, payload) VALUES ('live', randomblob(64))");
    let n = 0;
    setInterval(() => { ins.run(); n += 1; if (n === 3) process.stdout.write('writing\\n'); }, 10);
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  onTestFinished(() => void child.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.once('data', () => resolve());
  });
  return child;
}

describe('SQLite copy against a constant writer', () => {
  it('completes against a process committing a row every 10 ms, with a row count the database had at some moment', async () => {
    const dir = await tempDir();
    const src = join(dir, 'busy.db');
    bigWalDatabase(src, 40);
    await writerEvery10ms(src);
    const before = countRows(src, 'events');
    const copy = join(dir, 'copy.sqlite');
    const record = await dumpSqlite('busy', src, copy, { busyTimeoutMs: 30_000, allowEmpty: false });
    const after = countRows(src, 'events');
    const inCopy = countRows(copy, 'events');
    // Rows only ever grow: a count between the two readings is the database at one moment.
    expect(inCopy).toBeGreaterThanOrEqual(before);
    expect(inCopy).toBeLessThanOrEqual(after);
    expect(after).toBeGreaterThan(before); // the writer really wrote during the copy
    expect(record.totalRows).toBe(inCopy);
    expect(record.integrityCheck).toBe('ok');
  });

  it('a cancel during the copy ends it with CANCELLED', async () => {
    const dir = await tempDir();
    const src = join(dir, 'busy.db');
    bigWalDatabase(src, 20);
    await writerEvery10ms(src);
    const abort = new AbortController();
    const copying = copySqlite(src, join(dir, 'copy.sqlite'), { busyTimeoutMs: 30_000, allowEmpty: false, signal: abort.signal });
    // The first step (set-up) runs on the next turn; abort lands between it and the copy step.
    setImmediate(() => abort.abort());
    await expect(copying).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('a cancel while waiting out a lock ends the wait with CANCELLED', async () => {
    const dir = await tempDir();
    const src = join(dir, 'locked.db');
    bigWalDatabase(src, 1);
    // A rollback-journal database under an exclusive lock: every attempt is SQLITE_BUSY.
    const holder = new Database(src);
    holder.pragma('journal_mode = DELETE');
    holder.pragma('locking_mode = EXCLUSIVE');
    holder.exec('BEGIN EXCLUSIVE');
    onTestFinished(() => void holder.close());
    const abort = new AbortController();
    const copying = copySqlite(src, join(dir, 'copy.sqlite'), { busyTimeoutMs: 600_000, allowEmpty: false, signal: abort.signal });
    setTimeout(() => abort.abort(), 300);
    await expect(copying).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(existsSync(src)).toBe(true);
  });
});
