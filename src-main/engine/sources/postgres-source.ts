import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import type pg from 'pg';
import type { ErrorCode } from '../../../src-shared/errors/codes.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { ManifestSource } from '../../../src-shared/manifest/schema.js';
import { errnoCode } from '../util/fs-errors.js';
import { resolvePgTool, type PgTool } from './pg-tools.js';

/** The manifest record of a PostgreSQL source. */
export type PostgresRecord = Extract<ManifestSource, { kind: 'postgres' }>;

/** A parsed connection target. The password never leaves this object except through env. */
export interface PgTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | undefined;
  readonly database: string;
  readonly sslmode: string | undefined;
  /** `postgres://user@host:port/db`: safe to log and store. */
  readonly safeUrl: string;
}

/** Parse `postgres://user:pass@host:port/db?sslmode=...`. */
export function parsePgUrl(url: string): PgTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new LifeboatError('USAGE', `"${redact(url)}" is not a PostgreSQL URL. Use postgres://user@host:port/database.`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new LifeboatError('USAGE', `"${redact(url)}" is not a PostgreSQL URL (it must start with postgres://).`);
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!database) throw new LifeboatError('USAGE', `The PostgreSQL URL "${redact(url)}" names no database (postgres://user@host:port/DATABASE).`);
  const host = u.hostname.replace(/^\[|\]$/g, '') || 'localhost';
  const port = u.port ? Number(u.port) : 5432;
  const user = decodeURIComponent(u.username) || process.env.PGUSER || process.env.USER || 'postgres';
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  return {
    host,
    port,
    user,
    password,
    database,
    sslmode: u.searchParams.get('sslmode') ?? undefined,
    safeUrl: `postgres://${encodeURIComponent(user)}@${u.host || host}/${encodeURIComponent(database)}`,
  };
}

/** A URL with any password replaced by `***`. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/**
 * A client for one database of the target's server (errors surface on connect/query, not as
 * events). The pg module is loaded on first use: most runs never talk to PostgreSQL.
 */
export async function pgClient(t: PgTarget, database: string): Promise<pg.Client> {
  const { default: driver } = await import('pg');
  const client = new driver.Client({
    host: t.host,
    port: t.port,
    user: t.user,
    database,
    connectionTimeoutMillis: 10_000,
    application_name: 'lifeboat',
    ...(t.password !== undefined ? { password: t.password } : {}),
  });
  client.on('error', () => undefined);
  return client;
}

/** Environment for libpq tools: the password travels here, never in argv. */
function pgEnv(t: PgTarget): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PGAPPNAME: 'lifeboat' };
  if (t.password !== undefined) env.PGPASSWORD = t.password;
  if (t.sslmode) env.PGSSLMODE = t.sslmode;
  return env;
}

/** Map a connection failure to its own code and an actionable message. */
export function classifyPgError(e: unknown, t: PgTarget): LifeboatError {
  if (e instanceof LifeboatError) return e;
  const sqlstate = (e as { code?: string }).code ?? '';
  const msg = (e as Error).message ?? String(e);
  const where = `${t.host}:${t.port}`;
  let code: ErrorCode = 'PG_DUMP_FAILED';
  let text = `PostgreSQL at ${where}, database "${t.database}": ${msg}`;
  if (sqlstate === '28P01' || sqlstate === '28000' || /password authentication failed|no password supplied|authentication failed/i.test(msg)) {
    code = 'PG_AUTH_FAILED';
    text = `PostgreSQL at ${where} rejected user "${t.user}" (authentication failed).`;
  } else if (sqlstate === '3D000' || /database ".*" does not exist/i.test(msg)) {
    code = 'PG_DATABASE_MISSING';
    text = `Database "${t.database}" does not exist on the PostgreSQL server at ${where}.`;
  } else if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', 'EAI_AGAIN'].includes(sqlstate) || /could not connect|Connection refused|timeout/i.test(msg)) {
    code = 'PG_UNREACHABLE';
    text = `Cannot reach PostgreSQL at ${where} (${sqlstate || msg}). Is the server running and listening there?`;
  }
  return new LifeboatError(code, text, { host: t.host, port: t.port, database: t.database }, { cause: e });
}

interface DumpContext {
  readonly pgDumpPath?: string;
  readonly allowEmpty: boolean;
  readonly signal?: AbortSignal;
}

function runPgDump(tool: PgTool, t: PgTarget, snapshot: string, file: string, signal?: AbortSignal): Promise<void> {
  const args = [
    '--format=custom',
    // Uncompressed: pg_dump's own zlib runs on one core (3.2 s for a 100 MB database here, against
    // 0.55 s without); the archive writer then deflates the dump on every core.
    '--compress=0',
    '--no-password',
    `--snapshot=${snapshot}`,
    `--file=${file}`,
    `--host=${t.host}`,
    `--port=${t.port}`,
    `--username=${t.user}`,
    `--dbname=${t.database}`,
  ];
  return new Promise<void>((resolve, reject) => {
    const child = spawn(tool.path, args, { env: pgEnv(t), stdio: ['ignore', 'ignore', 'pipe'], ...(signal ? { signal } : {}) });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-8000);
    });
    child.on('error', (e) => reject(errnoCode(e) === 'ENOENT' ? new LifeboatError('PG_DUMP_NOT_FOUND', `pg_dump vanished from ${tool.path}.`) : e));
    child.on('close', (code, sig) => {
      if (code === 0) return resolve();
      const err = classifyPgError(new Error(stderr.trim() || `pg_dump exited with ${code ?? sig}`), t);
      reject(err.code === 'PG_DUMP_FAILED' ? new LifeboatError('PG_DUMP_FAILED', `pg_dump failed for database "${t.database}": ${stderr.trim() || `exit ${code ?? sig}`}`, err.details) : err);
    });
  });
}

/**
 * Dump one PostgreSQL database with `pg_dump -Fc`. Row counts are taken inside the same exported
 * snapshot pg_dump uses, so the manifest's counts describe exactly the rows in the dump.
 */
export async function dumpPostgres(name: string, url: string, file: string, ctx: DumpContext): Promise<PostgresRecord> {
  const t = parsePgUrl(url);
  const tool = await resolvePgTool('pg_dump', ctx.pgDumpPath ?? process.env.LIFEBOAT_PG_DUMP);
  const client = await pgClient(t, t.database);
  try {
    await client.connect();
  } catch (e) {
    throw classifyPgError(e, t);
  }
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = (await client.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]?.s ?? '';
    const versions = await client.query<{ v: string; n: string }>(
      `SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n`,
    );
    const serverVersion = versions.rows[0]?.v ?? '';
    const serverMajor = Number(versions.rows[0]?.n ?? 0) / 10000;
    if (tool.major < Math.floor(serverMajor)) {
      throw new LifeboatError(
        'PG_DUMP_TOO_OLD',
        `pg_dump ${tool.version} (${tool.path}) is older than the server (PostgreSQL ${serverVersion}); pg_dump refuses to dump a newer server. Install the PostgreSQL ${Math.floor(serverMajor)} client tools or point --pg-dump at them.`,
        { pgDump: tool.version, server: serverVersion },
      );
    }
    const size = Number((await client.query<{ b: string }>('SELECT pg_database_size(current_database()) AS b')).rows[0]?.b ?? 0);
    const tableRows = await client.query<{ schema: string; name: string }>(
      `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
       ORDER BY 1, 2`,
    );
    const tables: { name: string; rows: number }[] = [];
    for (const r of tableRows.rows) {
      const ident = `${client.escapeIdentifier(r.schema)}.${client.escapeIdentifier(r.name)}`;
      const n = (await client.query<{ n: string }>(`SELECT count(*) AS n FROM ONLY ${ident}`)).rows[0]?.n ?? '0';
      tables.push({ name: `${r.schema}.${r.name}`, rows: Number(n) });
    }
    const totalRows = tables.reduce((s, x) => s + x.rows, 0);
    if (totalRows === 0 && !ctx.allowEmpty) {
      throw new LifeboatError('SOURCE_EMPTY', `PostgreSQL database "${t.database}" at ${t.host}:${t.port} holds no rows in any of its ${tables.length} tables.`, {
        database: t.database,
      });
    }
    await runPgDump(tool, t, snapshot, file, ctx.signal);
    const written = await stat(file).catch(() => undefined);
    if (!written || written.size === 0) throw new LifeboatError('PG_DUMP_FAILED', `pg_dump reported success but wrote no dump for "${t.database}".`);
    return {
      kind: 'postgres',
      name,
      url: t.safeUrl,
      database: t.database,
      entry: `databases/${name}.pgdump`,
      serverVersion,
      pgDumpVersion: tool.version,
      databaseBytes: size,
      tables,
      totalRows,
    };
  } catch (e) {
    throw classifyPgError(e, t);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

/** Put a password into a URL (in memory only: for a connection, never for storage or display). */
export function withPassword(url: string, password: string | undefined): string {
  if (!password) return url;
  const u = new URL(url);
  u.password = encodeURIComponent(password);
  return u.toString();
}

/** Connect once and report the server version: the profile editor's "Test connection". */
export async function testPgConnection(url: string): Promise<{ serverVersion: string; database: string }> {
  const t = parsePgUrl(url);
  const client = await pgClient(t, t.database);
  try {
    await client.connect();
    const v = await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    return { serverVersion: v.rows[0]?.v ?? '', database: t.database };
  } catch (e) {
    throw classifyPgError(e, t);
  } finally {
    await client.end().catch(() => undefined);
  }
}
