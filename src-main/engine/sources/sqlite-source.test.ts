import Database from 'better-sqlite3';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countRows, fileSizes, startLiveWriter, walDatabaseWithRowsOnlyInWal } from '../../../test-support/sqlite-fixtures.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { dumpSqlite } from './sqlite-source.js';

const opts = { busyTimeoutMs: 5_000, allowEmpty: false };

describe('dumpSqlite (online backup API)', () => {
  it('seed 004: captures rows that exist only in the -wal while another connection holds the database open', async () => {
    const dir = await tempDir();
    const src = join(dir, 'app.db');
    const writer = walDatabaseWithRowsOnlyInWal(src, 5000);
    try {
      const sizes = fileSizes(src);
      // The precondition of the field report: the main file is still (nearly) empty, the data is in the WAL.
      expect(sizes.db).toBeLessThanOrEqual(4096);
      expect(sizes.wal).toBeGreaterThan(100_000);

      const record = await dumpSqlite('app', src, join(dir, 'copy.sqlite'), opts);
      expect(countRows(join(dir, 'copy.sqlite'), 'events')).toBe(5000);
      expect(countRows(join(dir, 'copy.sqlite'), 'users')).toBe(1);
      expect(record.tables).toEqual([
        { name: 'events', rows: 5000 },
        { name: 'users', rows: 1 },
      ]);
      expect(record.totalRows).toBe(5001);
      expect(record.integrityCheck).toBe('ok');
      expect(record.journalMode).toBe('wal');
    } finally {
      writer.close();
    }
  });

  it('excludes a writer\'s uncommitted rows and keeps every committed one', async () => {
    const dir = await tempDir();
    const src = join(dir, 'app.db');
    const writer = walDatabaseWithRowsOnlyInWal(src, 3000);
    try {
      writer.exec('BEGIN IMMEDIATE');
      writer.prepare('INSERT INTO events (body) VALUES (?)').run('not yet committed');
      await dumpSqlite('app', src, join(dir, 'copy.sqlite'), opts);
      writer.exec('ROLLBACK');
      expect(countRows(join(dir, 'copy.sqlite'), 'events')).toBe(3000);
    } finally {
      writer.close();
    }
  });

  it('backs up a consistent copy while another process keeps writing, with row counts that match the copy', async () => {
    const dir = await tempDir();
    const src = join(dir, 'app.db');
    const setup = walDatabaseWithRowsOnlyInWal(src, 4000);
    const live = await startLiveWriter(src);
    try {
      await new Promise((r) => setTimeout(r, 200));
      const copy = join(dir, 'copy.sqlite');
      const record = await dumpSqlite('app', src, copy, opts);
      const inCopy = countRows(copy, 'events');
      expect(inCopy).toBeGreaterThan(4000);
      expect(record.tables.find((t) => t.name === 'events')?.rows).toBe(inCopy);
      expect(record.integrityCheck).toBe('ok');
    } finally {
      live.kill('SIGKILL');
      setup.close();
    }
  });

  it('stores the copy as one self-contained file (rollback journal, no -wal needed)', async () => {
    const dir = await tempDir();
    const src = join(dir, 'app.db');
    const writer = walDatabaseWithRowsOnlyInWal(src, 10);
    try {
      const copy = join(dir, 'copy.sqlite');
      await dumpSqlite('app', src, copy, opts);
      const db = new Database(copy, { readonly: true });
      expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
      db.close();
    } finally {
      writer.close();
    }
  });

  it('retries a locked database for a bounded time, then fails with SOURCE_BUSY', async () => {
    const dir = await tempDir();
    const src = join(dir, 'locked.db');
    const holder = new Database(src);
    holder.pragma('journal_mode = DELETE');
    holder.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1);');
    holder.exec('BEGIN EXCLUSIVE');
    holder.exec('INSERT INTO t VALUES (2)');
    try {
      const started = Date.now();
      await expect(dumpSqlite('locked', src, join(dir, 'copy.sqlite'), { ...opts, busyTimeoutMs: 1500 })).rejects.toMatchObject({
        code: 'SOURCE_BUSY',
        message: expect.stringContaining(src),
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('rejects a missing file, a file that is not SQLite, and a database without rows', async () => {
    const dir = await tempDir();
    await expect(dumpSqlite('x', join(dir, 'nope.db'), join(dir, 'c1'), opts)).rejects.toMatchObject({ code: 'SOURCE_MISSING' });
    await writeFile(join(dir, 'text.db'), 'hello, not a database at all');
    await expect(dumpSqlite('x', join(dir, 'text.db'), join(dir, 'c2'), opts)).rejects.toMatchObject({
      code: 'SOURCE_UNREADABLE',
      message: expect.stringContaining('not a SQLite 3 database'),
    });
    const empty = new Database(join(dir, 'empty.db'));
    empty.exec('CREATE TABLE t (x)');
    empty.close();
    await expect(dumpSqlite('x', join(dir, 'empty.db'), join(dir, 'c3'), opts)).rejects.toMatchObject({ code: 'SOURCE_EMPTY' });
    await expect(dumpSqlite('x', join(dir, 'empty.db'), join(dir, 'c4'), { ...opts, allowEmpty: true })).resolves.toMatchObject({ totalRows: 0 });
  });
});
