import Database from 'better-sqlite3';
import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ManifestSource } from '../../../src-shared/manifest/schema.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { errnoCode } from '../util/fs-errors.js';
import { inspectSqliteInWorker } from '../workers/untrusted-sqlite.js';

/** Our own fresh copy is trusted, so its check gets a generous bound (a multi-GB integrity_check). */
const OWN_COPY_TIMEOUT_MS = 60 * 60 * 1000;

/** The manifest record of a SQLite source. */
export type SqliteRecord = Extract<ManifestSource, { kind: 'sqlite' }>;


/** better-sqlite3's largest step: the whole database in one sqlite3_backup_step. */
/** Pages per backup step meaning "all of them": one step, so a live writer cannot restart the copy. */
export const ALL_PAGES = 0x7fffffff;

const SQLITE_MAGIC = 'SQLite format 3\0';
const BUSY_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY']);

async function assertSqliteFile(path: string): Promise<void> {
  let header = Buffer.alloc(16);
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new LifeboatError('SOURCE_MISSING', `${path} is not a file.`, { path });
    const fh = await open(path, 'r');
    try {
      const { bytesRead } = await fh.read(header, 0, 16, 0);
      header = header.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (e instanceof LifeboatError) throw e;
    const code = errnoCode(e);
    if (code === 'ENOENT') throw new LifeboatError('SOURCE_MISSING', `SQLite database ${path} does not exist. Check the path and that its disk is mounted.`, { path });
    throw new LifeboatError('SOURCE_UNREADABLE', `Cannot read SQLite database ${path}: ${(e as Error).message}`, { path }, { cause: e });
  }
  if (header.length === 0) throw new LifeboatError('SOURCE_EMPTY', `SQLite database ${path} is an empty (0-byte) file.`, { path });
  if (header.toString('latin1') !== SQLITE_MAGIC) {
    throw new LifeboatError('SOURCE_UNREADABLE', `${path} is not a SQLite 3 database (wrong file header).`, { path });
  }
}

/** How long to keep retrying a locked database before giving up. */
export interface SqliteDumpOptions {
  readonly busyTimeoutMs: number;
  readonly allowEmpty: boolean;
  readonly signal?: AbortSignal;
}

function cancelled(path: string): LifeboatError {
  return new LifeboatError('CANCELLED', `The copy of SQLite database ${path} was cancelled; nothing was kept.`, { path });
}

/**
 * Run the online backup, retrying while the database is locked, until the deadline. Returns the
 * source's journal mode. The copy is taken in ONE step after the set-up step: a backup that copies
 * a few pages per step restarts from page 1 whenever another connection writes between two steps,
 * so a writer committing every 10 ms kept it from ever finishing. One step holds the read lock for
 * the whole copy (in WAL mode writers go on meanwhile), so it ends against any writer, in one pass.
 * Cancel is honoured before every step and between attempts.
 */
async function backupWithRetry(path: string, copyPath: string, opts: SqliteDumpOptions): Promise<string> {
  const deadline = Date.now() + opts.busyTimeoutMs;
  for (let attempt = 1; ; attempt += 1) {
    if (opts.signal?.aborted) throw cancelled(path);
    let src: Database.Database | undefined;
    try {
      src = new Database(path, { readonly: true, fileMustExist: true, timeout: Math.min(2000, opts.busyTimeoutMs) });
      const journalMode = String(src.pragma('journal_mode', { simple: true }));
      const result = await src.backup(copyPath, {
        progress: () => {
          if (opts.signal?.aborted) throw cancelled(path);
          return ALL_PAGES;
        },
      });
      // better-sqlite3 resolves {totalPages: 0} and writes nothing when the connection is mid-transaction.
      if (result.totalPages === 0) throw Object.assign(new Error('backup copied 0 pages'), { code: 'SQLITE_BUSY' });
      return journalMode;
    } catch (e) {
      if (e instanceof LifeboatError) throw e;
      if (opts.signal?.aborted) throw cancelled(path);
      const code = errnoCode(e) ?? '';
      // The copy is written into the backup's work folder: a full disk there is the destination's, not the source's.
      if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT' || /database or disk is full/i.test((e as Error).message)) {
        throw new LifeboatError('DISK_FULL', `The disk holding ${copyPath} filled up while SQLite database ${path} was copied there. Free space on the backup destination, or choose another one.`, { path: copyPath, source: path }, { cause: e });
      }
      if (!BUSY_CODES.has(code)) {
        throw new LifeboatError('SOURCE_UNREADABLE', `Backing up SQLite database ${path} failed: ${(e as Error).message}`, { path, sqliteCode: code }, { cause: e });
      }
      if (Date.now() >= deadline) {
        throw new LifeboatError(
          'SOURCE_BUSY',
          `SQLite database ${path} stayed locked for ${Math.round(opts.busyTimeoutMs / 1000)} s (${attempt} attempts); another program holds an exclusive lock.`,
          { path, attempts: attempt },
        );
      }
      await sleep(Math.min(250 * attempt, 2000), undefined, opts.signal ? { signal: opts.signal } : {}).catch(() => {
        throw cancelled(path);
      });
    } finally {
      src?.close();
    }
  }
}

/** Where a SQLite source's copy lives in the archive. */
export function sqliteEntry(name: string): string {
  return `databases/${name}.sqlite`;
}

/**
 * Copy a live SQLite database through the online backup API (never a file copy: in WAL mode the
 * newest rows live only in the \`-wal\` file, seed 004). The copy is switched to rollback-journal
 * mode so it is one self-contained file. Returns the source's journal mode.
 */
export async function copySqlite(path: string, copyPath: string, opts: SqliteDumpOptions): Promise<string> {
  await assertSqliteFile(path);
  const journalMode = await backupWithRetry(path, copyPath, opts);
  if (opts.signal?.aborted) throw cancelled(path);
  const copy = new Database(copyPath);
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
  return journalMode;
}

/** Check a copy made by copySqlite: integrity_check and exact row counts (in a worker thread). */
export async function checkSqliteCopy(name: string, path: string, copyPath: string, journalMode: string, allowEmpty: boolean): Promise<SqliteRecord> {
  // In a worker thread: integrity_check of a large database takes seconds and must not block IPC.
  const facts = await inspectSqliteInWorker(copyPath, OWN_COPY_TIMEOUT_MS);
  if (facts.integrityCheck !== 'ok') {
    throw new LifeboatError('SQLITE_CORRUPT', `SQLite database ${path} fails integrity_check: ${facts.integrityCheck.slice(0, 300)}`, { path });
  }
  if (facts.totalRows === 0 && !allowEmpty) {
    throw new LifeboatError('SOURCE_EMPTY', `SQLite database ${path} holds no rows in any of its ${facts.tables.length} tables.`, { path });
  }
  return {
    kind: 'sqlite',
    name,
    path,
    entry: sqliteEntry(name),
    sqliteVersion: facts.sqliteVersion,
    journalMode,
    integrityCheck: 'ok',
    pageSize: facts.pageSize,
    pageCount: facts.pageCount,
    tables: facts.tables,
    totalRows: facts.totalRows,
  };
}

/** Copy, then check: a SQLite source ready for the archive. */
export async function dumpSqlite(name: string, path: string, copyPath: string, opts: SqliteDumpOptions): Promise<SqliteRecord> {
  const journalMode = await copySqlite(path, copyPath, opts);
  return checkSqliteCopy(name, path, copyPath, journalMode, opts.allowEmpty);
}
