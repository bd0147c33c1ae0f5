import { stat } from 'node:fs/promises';
import type pg from 'pg';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { ManifestSource } from '../../../src-shared/manifest/schema.js';
import { pgPassFile, pgPassLookup } from './pg-pass.js';
import { pgRestoreBeside, pgTimeouts, readWholeDump, resolvePgTool, runPgTool, type PgTool } from './pg-tools.js';

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
 * The password is looked for where libpq looks (URL, PGPASSWORD, the password file) only when
 * the server asks for one, so trust and peer authentication need none. Every value travels as a
 * separate startup parameter: nothing is parsed as a connection string.
 */
export async function pgClient(t: PgTarget, database: string): Promise<pg.Client> {
  const { default: driver } = await import('pg');
  const { connectMs, queryMs } = pgTimeouts();
  const client = new driver.Client({
    host: t.host,
    port: t.port,
    user: t.user,
    database,
    connectionTimeoutMillis: connectMs,
    query_timeout: queryMs,
    application_name: 'lifeboat',
    // pg reads an undefined answer as "no password" (its types say string only).
    password: (async () => t.password ?? process.env.PGPASSWORD ?? (await pgPassLookup({ host: t.host, port: t.port, database, user: t.user }))) as () => Promise<string>,
    ...(t.sslmode && t.sslmode !== 'disable' && t.sslmode !== 'allow' && t.sslmode !== 'prefer' ? { ssl: { rejectUnauthorized: t.sslmode === 'verify-full' || t.sslmode === 'verify-ca' } } : {}),
  });
  client.on('error', () => undefined);
  return client;
}

/** Connect `client`, ending it when the connection fails (an open socket keeps the process alive). */
export async function connectOrClose(client: pg.Client, t: PgTarget): Promise<void> {
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw classifyPgError(e, t);
  }
}

/** Variables that would let the inherited environment redirect a libpq tool elsewhere. */
const REDIRECTING = ['PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGUSER', 'PGDATABASE', 'PGSERVICE', 'PGSERVICEFILE'];

/**
 * Environment for libpq tools. The whole connection travels in PGHOST/PGPORT/PGUSER/PGDATABASE
 * (libpq never expands an environment value into more parameters, unlike a `--dbname` argument
 * holding `host=... port=...`), and the password in PGPASSWORD, never in argv.
 */
export function pgEnv(t: PgTarget, database: string = t.database): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of REDIRECTING) delete env[k];
  Object.assign(env, { PGAPPNAME: 'lifeboat', PGHOST: t.host, PGPORT: String(t.port), PGUSER: t.user, PGDATABASE: database });
  env.PGCONNECT_TIMEOUT = String(Math.max(1, Math.round(pgTimeouts().connectMs / 1000)));
  if (t.password !== undefined) env.PGPASSWORD = t.password;
  if (t.sslmode) env.PGSSLMODE = t.sslmode;
  return env;
}

const NO_PASSWORD = /client password must be a string|no password supplied|password must be a string/i;

/** Map a connection failure to its own code and an actionable message. */
export function classifyPgError(e: unknown, t: PgTarget): LifeboatError {
  if (e instanceof LifeboatError) return e;
  const sqlstate = (e as { code?: string }).code ?? '';
  const msg = (e as Error).message ?? String(e);
  const where = `${t.host}:${t.port}`;
  const details = { host: t.host, port: t.port, database: t.database, user: t.user };
  if (NO_PASSWORD.test(msg)) {
    return new LifeboatError(
      'PG_AUTH_FAILED',
      `PostgreSQL at ${where} asks a password for user "${t.user}" and none was found. Lifeboat looked in the URL, in PGPASSWORD and in the password file ${pgPassFile()} (PGPASSFILE overrides it; it must be mode 0600 with a line like ${t.host}:${t.port}:${t.database}:${t.user}:PASSWORD).`,
      details,
      { cause: e },
    );
  }
  if (sqlstate === '28P01' || sqlstate === '28000' || /password authentication failed|authentication failed/i.test(msg)) {
    return new LifeboatError('PG_AUTH_FAILED', `PostgreSQL at ${where} rejected user "${t.user}" (authentication failed).`, details, { cause: e });
  }
  if (sqlstate === '3D000' || /database ".*" does not exist/i.test(msg)) {
    return new LifeboatError('PG_DATABASE_MISSING', `Database "${t.database}" does not exist on the PostgreSQL server at ${where}.`, details, { cause: e });
  }
  if (/connection timeout|timeout expired|Query read timeout|timed out/i.test(msg)) {
    return new LifeboatError('PG_TIMEOUT', `PostgreSQL at ${where} did not answer in time (${msg.split('\n')[0] ?? msg}).`, details, { cause: e });
  }
  if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', 'EAI_AGAIN'].includes(sqlstate) || /could not connect|Connection refused|could not translate host/i.test(msg)) {
    return new LifeboatError('PG_UNREACHABLE', `Cannot reach PostgreSQL at ${where} (${sqlstate || msg}). Is the server running and listening there?`, details, { cause: e });
  }
  return new LifeboatError('PG_DUMP_FAILED', `PostgreSQL at ${where}, database "${t.database}": ${msg}`, details, { cause: e });
}

interface DumpContext {
  readonly pgDumpPath?: string;
  readonly allowEmpty: boolean;
  readonly signal?: AbortSignal;
}

async function runPgDump(tool: PgTool, t: PgTarget, snapshot: string, file: string, signal?: AbortSignal): Promise<void> {
  // No connection value in argv: libpq reads them from pgEnv, where nothing is re-parsed.
  const args = [
    '--format=custom',
    // Uncompressed: pg_dump's own zlib runs on one core (3.2 s for a 100 MB database here, against
    // 0.55 s without); the archive writer then deflates the dump on every core.
    '--compress=0',
    '--no-password',
    `--snapshot=${snapshot}`,
    `--file=${file}`,
  ];
  const { toolMs } = pgTimeouts();
  const r = await runPgTool(tool, args, { env: pgEnv(t), timeoutMs: toolMs, ...(signal ? { signal } : {}) });
  if (r.code === 0) return;
  if (r.timedOut) {
    throw new LifeboatError('PG_TIMEOUT', `pg_dump of database "${t.database}" at ${t.host}:${t.port} did not finish within ${Math.round(toolMs / 1000)} s and was stopped.`, { database: t.database, timeoutMs: toolMs });
  }
  const stderr = r.stderr.trim();
  const err = classifyPgError(new Error(stderr || `pg_dump exited with ${r.code ?? r.signal}`), t);
  throw err.code === 'PG_DUMP_FAILED' ? new LifeboatError('PG_DUMP_FAILED', `pg_dump failed for database "${t.database}": ${stderr || `exit ${r.code ?? r.signal}`}`, err.details) : err;
}

/**
 * Dump one PostgreSQL database with `pg_dump -Fc`. Row counts are taken inside the same exported
 * snapshot pg_dump uses, so the manifest's counts describe exactly the rows in the dump.
 */
export async function dumpPostgres(name: string, url: string, file: string, ctx: DumpContext): Promise<PostgresRecord> {
  const t = parsePgUrl(url);
  const tool = await resolvePgTool('pg_dump', ctx.pgDumpPath ?? process.env.LIFEBOAT_PG_DUMP);
  const client = await pgClient(t, t.database);
  await connectOrClose(client, t);
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
    if (!written || written.size === 0) throw new LifeboatError('PG_DUMP_FAILED', `pg_dump reported success but wrote no dump for "${t.database}" (${file}).`, { database: t.database, file });
    // A dump counts as written only once every block of it reads back (not on pg_dump's exit code).
    const check = await readWholeDump(await pgRestoreBeside(tool), file, ctx.signal);
    if (!check.ok) {
      throw new LifeboatError('PG_DUMP_FAILED', `pg_dump (${tool.path}) exited 0 but the dump of database "${t.database}" it wrote to ${file} is not whole: ${check.reason}. Nothing was kept; check the disk and pg_dump, then run the backup again.`, {
        database: t.database,
        file,
      });
    }
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
  await connectOrClose(client, t);
  try {
    const v = await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    return { serverVersion: v.rows[0]?.v ?? '', database: t.database };
  } catch (e) {
    throw classifyPgError(e, t);
  } finally {
    await client.end().catch(() => undefined);
  }
}
