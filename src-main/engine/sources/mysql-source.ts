import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { ManifestSource } from '../../../src-shared/manifest/schema.js';
import {
  classifyMysqlError,
  mysqlQuery,
  openMysqlSession,
  parseMysqlUrl,
  resolveMysqlTool,
  runMysqlTool,
  sqlString,
  type MysqlSession,
  type MysqlTool,
} from './mysql-conn.js';

/** The manifest record of a MariaDB / MySQL source. */
export type MysqlRecord = Extract<ManifestSource, { kind: 'mysql' }>;

/** What a structural read of an SQL dump found. */
export type MysqlDumpCheck =
  | { readonly ok: true; readonly tables: { name: string; rows: number }[]; readonly tool: string | null }
  | { readonly ok: false; readonly reason: string };

/** Statements that would leave the target database or run client commands (outside routine bodies). */
const OTHER_DATABASE = /^\s*(USE\s|CREATE\s+(DATABASE|SCHEMA)\b|DROP\s+(DATABASE|SCHEMA)\b|ALTER\s+(DATABASE|SCHEMA)\b|\\[!.ru]|(system|source|connect)\s)/i;

/** Where a multi-line INSERT stands between lines: its table, and the tuple nesting depth. */
interface InsertState {
  table: string;
  depth: number;
}

/**
 * Count the rows of `INSERT INTO `t` VALUES (...),(...);` from `from` on: top-level tuples, outside
 * quotes. The statement may span lines (MariaDB 10.11 writes one row per line); returns whether
 * its closing `;` was reached. Quoted values never span lines (the dump escapes newlines).
 */
function insertRows(line: string, from: number, st: InsertState): { rows: number; ended: boolean } {
  let rows = 0;
  for (let i = from; i < line.length; i += 1) {
    const c = line.charCodeAt(i);
    if (c === 39 /* ' */ || c === 34 /* " */) {
      // A quoted value: backslash escapes, or the quote doubled.
      for (i += 1; i < line.length; i += 1) {
        const d = line.charCodeAt(i);
        if (d === 92) i += 1;
        else if (d === c) {
          if (line.charCodeAt(i + 1) === c) i += 1;
          else break;
        }
      }
    } else if (c === 40 /* ( */) {
      if (st.depth === 0) rows += 1;
      st.depth += 1;
    } else if (c === 41 /* ) */) st.depth -= 1;
    else if (c === 59 /* ; */ && st.depth === 0) return { rows, ended: true };
  }
  return { rows, ended: false };
}

/** A backquoted identifier at `line[from]`, or undefined. */
function identAt(line: string, from: number): { name: string; end: number } | undefined {
  if (line[from] !== '`') return undefined;
  let name = '';
  for (let i = from + 1; i < line.length; i += 1) {
    if (line[i] === '`') {
      if (line[i + 1] === '`') {
        name += '`';
        i += 1;
      } else return { name, end: i + 1 };
    } else name += line[i];
  }
  return undefined;
}

/**
 * Read a whole mariadb-dump / mysqldump file: it must start with the tool's header and end with
 * its `-- Dump completed` trailer (written last, so a dump cut short by a full disk, a crash or a
 * killed tool has none; the exit code alone proves nothing). On the way, the rows of each table
 * are counted from the INSERT statements: the counts describe exactly what the dump holds, taken
 * in the dump's own consistent snapshot (`--single-transaction`). Streams line by line.
 */
export async function readWholeMysqlDump(file: string): Promise<MysqlDumpCheck> {
  const tables = new Map<string, number>();
  let header: string | null = null;
  let last = '';
  let lines = 0;
  // Routine and trigger bodies sit between `DELIMITER ;;` and `DELIMITER ;`: an INSERT there is code, not rows.
  let body = false;
  let insert: InsertState | null = null;
  const input = createReadStream(file, { encoding: 'utf8' });
  const rl = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of rl) {
      lines += 1;
      if (lines <= 3 && header === null) {
        const m = /^-- (MariaDB|MySQL) dump\b(.*)$/.exec(line);
        if (m) header = `${m[1] ?? ''}${m[2] ?? ''}`.trim();
      }
      if (insert) {
        const r = insertRows(line, 0, insert);
        tables.set(insert.table, (tables.get(insert.table) ?? 0) + r.rows);
        if (r.ended) insert = null;
      } else if (line.startsWith('DELIMITER ')) body = line.trim() !== 'DELIMITER ;';
      else if (body) {
        // inside a routine body
      } else if (OTHER_DATABASE.test(line)) {
        // A dump of one database (no --databases) never switches or creates databases, nor runs client commands.
        return { ok: false, reason: `line ${lines} ("${line.slice(0, 60)}") reaches beyond one database or runs a client command, which a dump of one database never does` };
      } else if (line.startsWith('CREATE TABLE `')) {
        const id = identAt(line, 13);
        if (id && !tables.has(id.name)) tables.set(id.name, 0);
      } else if (line.startsWith('INSERT INTO `')) {
        const id = identAt(line, 12);
        if (!id) return { ok: false, reason: `line ${lines} is an INSERT Lifeboat cannot read` };
        const m = /^ VALUES(?= |$)/.exec(line.slice(id.end));
        if (!m) return { ok: false, reason: `line ${lines} is an INSERT Lifeboat cannot read (no VALUES after the table name)` };
        const st: InsertState = { table: id.name, depth: 0 };
        const r = insertRows(line, id.end + 7, st);
        tables.set(id.name, (tables.get(id.name) ?? 0) + r.rows);
        if (!r.ended) insert = st;
      }
      if (line !== '') last = line;
    }
  } finally {
    rl.close();
    input.destroy();
  }
  if (insert) return { ok: false, reason: `its last INSERT (table ${insert.table}) never ends: the dump was cut short` };
  if (header === null) return { ok: false, reason: 'it does not start with a mariadb-dump / mysqldump header' };
  if (!/^-- Dump completed\b/.test(last)) return { ok: false, reason: `it does not end with the "-- Dump completed" trailer (the last line is "${last.slice(0, 80)}"): the dump was cut short` };
  return { ok: true, tables: [...tables].map(([name, rows]) => ({ name, rows })), tool: header };
}

interface DumpContext {
  readonly allowEmpty: boolean;
  readonly signal?: AbortSignal;
}

/** `10.11.19-MariaDB-0+deb12u1` → { flavor, major.minor } */
function versionOf(v: string): { mariadb: boolean; n: number } {
  const m = /^(\d+)\.(\d+)/.exec(v);
  return { mariadb: /mariadb/i.test(v), n: m ? Number(m[1]) * 1000 + Number(m[2]) : 0 };
}

/** The server's version; fails (typed) when the server cannot be reached or refuses the user. */
export async function serverVersion(client: MysqlTool, session: MysqlSession): Promise<string> {
  return (await mysqlQuery(client, session, 'SELECT VERSION();'))[0]?.[0] ?? '';
}

/** Base tables of a database (views and system views left out). */
export async function baseTables(client: MysqlTool, session: MysqlSession, database: string): Promise<string[]> {
  const rows = await mysqlQuery(client, session, `SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${sqlString(database)} AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME;`);
  return rows.map((r) => r[0] ?? '');
}

/**
 * Run the dump tool into `file` with an argument array: `--single-transaction` (InnoDB tables
 * read in one consistent snapshot without locking writers), routines, triggers and events, BLOBs
 * as hex; the connection and password only in the session's option file. Then read it whole.
 */
export async function runMysqlDump(tool: MysqlTool, session: MysqlSession, database: string, file: string, signal?: AbortSignal): Promise<{ name: string; rows: number }[]> {
  const args = ['--single-transaction', '--routines', '--triggers', '--events', '--hex-blob', '--default-character-set=utf8mb4', '--skip-dump-date', `--result-file=${file}`, database];
  const r = await runMysqlTool(tool, session, args, { ...(signal ? { signal } : {}), captureStdout: false });
  if (r.code !== 0 || r.timedOut) {
    const err = classifyMysqlError(r.stderr, session, r.timedOut ? `${tool.name} (stopped at its time limit, LIFEBOAT_MYSQL_TOOL_TIMEOUT)` : tool.name);
    throw err;
  }
  const written = await stat(file).catch(() => undefined);
  if (!written || written.size === 0) throw new LifeboatError('MYSQL_DUMP_FAILED', `${tool.name} reported success but wrote no dump of "${database}" (${file}).`, { database, file });
  const check = await readWholeMysqlDump(file);
  if (!check.ok) {
    throw new LifeboatError('MYSQL_DUMP_FAILED', `${tool.name} (${tool.path}) exited 0 but the dump of database "${database}" it wrote to ${file} is not whole: ${check.reason}. Nothing was kept; check the disk and the tool, then run the backup again.`, { database, file });
  }
  return check.tables;
}

/**
 * Dump one MariaDB / MySQL database. Row counts are read from the dump itself, so they are the
 * rows of the dump's own snapshot (a second session cannot join mariadb-dump's transaction, and
 * counting in another snapshot would describe other rows on a busy server).
 */
export async function dumpMysql(name: string, url: string, file: string, ctx: DumpContext): Promise<MysqlRecord> {
  const t = parseMysqlUrl(url);
  const [dump, client] = await Promise.all([resolveMysqlTool('dump'), resolveMysqlTool('client')]);
  const session = await openMysqlSession(t);
  try {
    const version = await serverVersion(client, session);
    const exists = await mysqlQuery(client, session, `SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${sqlString(t.database)};`);
    if (exists[0]?.[0] !== '1') throw classifyMysqlError('ERROR 1049: Unknown database', session, dump.name);
    const server = versionOf(version);
    const tool = versionOf(dump.version);
    if (server.mariadb === tool.mariadb && tool.n > 0 && server.n > tool.n) {
      throw new LifeboatError(
        'MYSQL_TOOL_TOO_OLD',
        `${dump.name} ${dump.version} (${dump.path}) is older than the server (${version}). Install the client tools of the server's version or newer (or point LIFEBOAT_MYSQL_DUMP at them).`,
        { tool: dump.version, server: version },
      );
    }
    const expected = await baseTables(client, session, t.database);
    const tables = await runMysqlDump(dump, session, t.database, file, ctx.signal);
    const missing = expected.filter((n) => !tables.some((x) => x.name === n));
    if (missing.length) {
      throw new LifeboatError('MYSQL_DUMP_FAILED', `The dump of "${t.database}" lacks table(s) ${missing.slice(0, 5).join(', ')} that the server lists. Check the user's privileges (SELECT, SHOW VIEW, TRIGGER, EVENT) and run the backup again.`, { database: t.database, missing });
    }
    const totalRows = tables.reduce((n, x) => n + x.rows, 0);
    if (totalRows === 0 && !ctx.allowEmpty) {
      throw new LifeboatError('SOURCE_EMPTY', `MariaDB/MySQL database "${t.database}" holds no rows in any of its ${tables.length} tables.`, { database: t.database });
    }
    return { kind: 'mysql', name, url: t.safeUrl, database: t.database, entry: `databases/${name}.sql`, serverVersion: version, dumpToolVersion: `${dump.name} ${dump.version}`, tables, totalRows };
  } finally {
    await session.close();
  }
}

/** Connect once and report the server version: the profile editor's "Test connection". */
export async function testMysqlConnection(url: string): Promise<{ serverVersion: string; database: string }> {
  const t = parseMysqlUrl(url);
  const client = await resolveMysqlTool('client');
  const session = await openMysqlSession(t);
  try {
    const version = await serverVersion(client, session);
    await mysqlQuery(client, session, 'SELECT 1;', t.database);
    return { serverVersion: version, database: t.database };
  } finally {
    await session.close();
  }
}

/** True when the file starts like an SQL dump of these tools (cheap pre-check before a full read). */
export async function looksLikeMysqlDump(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(64);
    await fh.read(buf, 0, 64, 0);
    return /^-- (MariaDB|MySQL) dump/.test(buf.toString('utf8'));
  } finally {
    await fh.close();
  }
}
