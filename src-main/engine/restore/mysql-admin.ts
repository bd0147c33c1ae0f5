import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import {
  classifyMysqlError,
  mysqlQuery,
  openMysqlSession,
  parseMysqlUrl,
  resolveMysqlTool,
  runMysqlTool,
  sqlIdent,
  sqlString,
  type MysqlSession,
  type MysqlTarget,
  type MysqlTool,
} from '../sources/mysql-conn.js';
import { baseTables, readWholeMysqlDump, runMysqlDump } from '../sources/mysql-source.js';

const run = promisify(execFile);

/** Server-level operations for a restore: CREATE/DROP DATABASE, loading a dump, counting rows. */
export interface MysqlAdmin {
  readonly target: MysqlTarget;
  exists(db: string): Promise<boolean>;
  /** Create `db` with the character set and collation of `like` when it exists (else the server's defaults). */
  create(db: string, like?: string): Promise<void>;
  drop(db: string): Promise<void>;
  /** Run a dump file into `db` through the client (sandboxed: no shell or file commands). */
  load(db: string, file: string): Promise<void>;
  /** Dump `db` to `file` (the copy of the old state kept for rollback) and read it whole. */
  dumpTo(db: string, file: string): Promise<void>;
  /** Exact row counts per base table. */
  rowCounts(db: string): Promise<{ name: string; rows: number }[]>;
  close(): Promise<void>;
}

/** Whether this client knows `--sandbox` (MariaDB 10.5.25+, 10.6.18+, 10.11.8+): shell and file commands refused. */
async function sandboxFlag(client: MysqlTool): Promise<string[]> {
  const help = await run(client.path, ['--help'], { timeout: 10_000, maxBuffer: 4 * 1024 * 1024 }).then((r) => r.stdout, () => '');
  return /--sandbox/.test(help) ? ['--sandbox'] : [];
}

/** Connect (write the private option file) for the URL's server as the URL's user. */
export async function connectMysqlAdmin(url: string): Promise<MysqlAdmin> {
  const t = parseMysqlUrl(url);
  const [client, dump] = await Promise.all([resolveMysqlTool('client'), resolveMysqlTool('dump')]);
  const session: MysqlSession = await openMysqlSession(t);
  const sandbox = await sandboxFlag(client);
  const q = (sql: string, db?: string): Promise<string[][]> => mysqlQuery(client, session, sql, db);
  return {
    target: t,
    async exists(db) {
      return (await q(`SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${sqlString(db)};`))[0]?.[0] === '1';
    },
    async create(db, like) {
      const row = like ? (await q(`SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${sqlString(like)};`))[0] : undefined;
      const charset = row ? ` CHARACTER SET ${sqlIdent(row[0] ?? 'utf8mb4')} COLLATE ${sqlIdent(row[1] ?? 'utf8mb4_general_ci')}` : ' CHARACTER SET utf8mb4';
      await q(`CREATE DATABASE ${sqlIdent(db)}${charset};`);
    },
    async drop(db) {
      await q(`DROP DATABASE IF EXISTS ${sqlIdent(db)};`);
    },
    async load(db, file) {
      // A dump from the archive is SQL: the client runs it sandboxed (no \! shell, no \. file,
      // no LOAD DATA LOCAL), in this database only (the dump names none: made without --databases).
      const r = await runMysqlTool(client, session, [...sandbox, '--local-infile=0', '--binary-mode', `--database=${db}`], { inputFile: file });
      if (r.code !== 0 || r.timedOut) {
        const err = classifyMysqlError(r.stderr, { ...session, target: { ...t, database: db } }, client.name);
        throw err.code === 'MYSQL_DUMP_FAILED' ? new LifeboatError('MYSQL_RESTORE_FAILED', `Loading the dump into "${db}" failed: ${r.stderr.trim().split('\n')[0] ?? `exit ${r.code}`}`, { database: db }) : err;
      }
    },
    async dumpTo(db, file) {
      await runMysqlDump(dump, session, db, file);
    },
    async rowCounts(db) {
      const names = await baseTables(client, session, db);
      if (names.length === 0) return [];
      const parts = names.map((n) => `SELECT ${sqlString(n)}, COUNT(*) FROM ${sqlIdent(db)}.${sqlIdent(n)}`);
      // One statement per 200 tables: every count in one transaction-free read each.
      const out: { name: string; rows: number }[] = [];
      for (let i = 0; i < parts.length; i += 200) {
        for (const r of await q(`${parts.slice(i, i + 200).join(' UNION ALL ')};`)) out.push({ name: r[0] ?? '', rows: Number(r[1] ?? 0) });
      }
      return out;
    },
    close: () => session.close(),
  };
}

/**
 * Refuse a dump entry that is not a whole mariadb-dump / mysqldump file (header, trailer), the
 * same read a backup makes before it counts a dump as written. Returns its table counts.
 */
export async function assertMysqlDump(file: string, entry: string): Promise<{ name: string; rows: number }[]> {
  const check = await readWholeMysqlDump(file);
  if (check.ok) return check.tables;
  throw new LifeboatError(/cut short/.test(check.reason) ? 'ARCHIVE_INCOMPLETE' : 'ARCHIVE_HOSTILE', `Refusing "${entry}": ${check.reason}. Nothing was restored.`, { entry });
}
