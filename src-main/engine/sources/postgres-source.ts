import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { ManifestSource } from '../../../src-shared/manifest/schema.js';
import { formatPgConnString, parsePgConnString, PG_PARAM_ENV, redactConn, resolvePgParams, type PgParams } from './pg-conninfo.js';
import { pgDumpArgs, type PgDumpOptions } from '../../../src-shared/domain/pg-options.js';
import { tablesWithData, type SnapshotTable } from './pg-dump-scope.js';
import { pgPassFile, pgPassLookup } from './pg-pass.js';
import { pgRestoreBeside, pgTimeouts, readWholeDump, resolvePgTool, runPgTool, type PgTool } from './pg-tools.js';

/** The manifest record of a PostgreSQL source. */
export type PostgresRecord = Extract<ManifestSource, { kind: 'postgres' }>;

/** A resolved connection. The password never leaves this object except through env. */
export interface PgTarget {
  /** The first (or the chosen) host: a name, an address or a socket directory. */
  readonly host: string;
  readonly port: number;
  /** Every host libpq would try, in order (a multi-host string lists several). */
  readonly hosts: readonly { readonly host: string; readonly port: number }[];
  readonly user: string;
  /** The password the connection string itself holds (a profile must not store one). */
  readonly password: string | undefined;
  readonly database: string;
  readonly sslmode: string | undefined;
  /** Every libpq parameter as settled (string, service, PG* environment, defaults), without the password. */
  readonly params: PgParams;
  /** A password from the service file: libpq treats it as given, before PGPASSWORD and the password file. */
  readonly servicePassword?: string | undefined;
  /** `postgres://user@host:port/db`: safe to log and store. */
  readonly safeUrl: string;
}

/**
 * Parse and resolve any form psql accepts (URI, key=value, service) into one connection record.
 * The record feeds both the `pg` client (row counts, admin) and the tools' libpq environment.
 */
export function parsePgUrl(url: string, env: NodeJS.ProcessEnv = process.env): PgTarget {
  const given = parsePgConnString(url);
  const { params: all } = resolvePgParams(given, env);
  const { password: servicePassword, ...params } = all;
  const database = params.dbname ?? '';
  if (!database) {
    throw new LifeboatError('USAGE', `The PostgreSQL connection "${redactConn(url)}" names no database (postgresql://user@host:port/DATABASE, or dbname=DATABASE).`);
  }
  const names = (params.host ?? '').split(',');
  const ports = (params.port ?? '5432').split(',');
  const hosts = names.map((h, i) => ({ host: h || 'localhost', port: Number(ports[i] || ports[0] || 5432) }));
  if (ports.length > 1 && ports.length !== names.length) throw new LifeboatError('USAGE', `The PostgreSQL connection "${redactConn(url)}" lists ${names.length} hosts but ${ports.length} ports.`);
  const first = hosts[0] ?? { host: 'localhost', port: 5432 };
  const user = params.user ?? 'postgres';
  // Where and as whom, without the password or local settings (TLS files, service, options).
  const stored: Record<string, string> = { user, host: params.host ?? first.host, port: params.port ?? String(first.port), dbname: database };
  return {
    host: first.host,
    port: first.port,
    hosts,
    user,
    password: given.password,
    servicePassword: given.password === undefined ? servicePassword : undefined,
    database,
    sslmode: params.sslmode,
    params,
    safeUrl: formatPgConnString(stored, { scheme: 'postgres' }),
  };
}

/** A URL with any password replaced by `***`. */
export function redact(url: string): string {
  return redactConn(url);
}

/** node-pg's TLS settings for the record's sslmode and certificate files (libpq's defaults included). */
async function sslConfig(t: PgTarget, env: NodeJS.ProcessEnv): Promise<pg.ClientConfig['ssl']> {
  const mode = t.sslmode ?? 'prefer';
  if (mode === 'disable' || mode === 'allow' || mode === 'prefer') return undefined;
  const home = join(env.HOME || homedir(), '.postgresql');
  const read = async (file: string | undefined, fallback: string): Promise<Buffer | undefined> => {
    if (file) return readFile(file).catch((e: Error) => {
      throw new LifeboatError('PG_AUTH_FAILED', `Cannot read the TLS file ${file} named by the PostgreSQL connection (${e.message}).`, { file });
    });
    return readFile(join(home, fallback)).catch(() => undefined);
  };
  const verify = mode === 'verify-ca' || mode === 'verify-full';
  const [cert, key, ca] = await Promise.all([read(t.params.sslcert, 'postgresql.crt'), read(t.params.sslkey, 'postgresql.key'), verify || t.params.sslrootcert ? read(t.params.sslrootcert, 'root.crt') : undefined]);
  return {
    rejectUnauthorized: verify,
    ...(cert && key ? { cert, key } : {}),
    ...(ca ? { ca } : {}),
    // verify-ca checks the chain only, like libpq; verify-full also the host name.
    ...(mode === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}),
  };
}

/**
 * A client for one database of the target's (first) host (errors surface on connect/query, not as
 * events). The pg module is loaded on first use: most runs never talk to PostgreSQL.
 * The password is looked for where libpq looks (connection string, service, PGPASSWORD, the
 * password file) only when the server asks for one, so trust and peer authentication need none.
 * A socket directory is a `host` starting with `/`, which node-pg reads the way libpq does.
 */
export async function pgClient(t: PgTarget, database: string): Promise<pg.Client> {
  const { default: driver } = await import('pg');
  const { connectMs, queryMs } = pgTimeouts();
  const passEnv = t.params.passfile ? { ...process.env, PGPASSFILE: t.params.passfile } : process.env;
  const ssl = await sslConfig(t, process.env);
  // hostaddr (an address that skips the name lookup) is where libpq connects; node-pg does the same with it.
  const addr = t.hosts.length === 1 ? t.params.hostaddr : undefined;
  const client = new driver.Client({
    host: addr ?? t.host,
    port: t.port,
    user: t.user,
    database,
    connectionTimeoutMillis: connectMs,
    query_timeout: queryMs,
    application_name: t.params.application_name ?? 'lifeboat',
    ...(t.params.options ? { options: t.params.options } : {}),
    // pg reads an undefined answer as "no password" (its types say string only).
    password: (async () =>
      t.password ?? t.servicePassword ?? process.env.PGPASSWORD ?? (await pgPassLookup({ host: t.host, port: t.port, database, user: t.user }, passEnv))) as () => Promise<string>,
    ...(ssl ? { ssl } : {}),
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

/** Whether a connected server satisfies libpq's target_session_attrs. */
async function fitsSession(client: pg.Client, want: string): Promise<boolean> {
  if (want === 'any' || want === 'prefer-standby') return true;
  const r = await client.query<{ ro: string; rec: boolean }>(`SELECT current_setting('transaction_read_only') AS ro, pg_is_in_recovery() AS rec`);
  const row = r.rows[0];
  if (want === 'read-write') return row?.ro === 'off';
  if (want === 'read-only') return row?.ro === 'on';
  if (want === 'primary') return row?.rec === false;
  if (want === 'standby') return row?.rec === true;
  return true;
}

/**
 * Connect the way libpq does with several hosts: each in order until one answers (and fits
 * target_session_attrs). Returns the client and the record narrowed to that one host, so the
 * tools run next (pg_dump with this session's snapshot) reach the very same server.
 */
export async function connectFirst(t: PgTarget, database: string): Promise<{ client: pg.Client; target: PgTarget }> {
  const want = t.params.target_session_attrs ?? 'any';
  let last: unknown;
  for (const h of t.hosts) {
    const one: PgTarget = { ...t, host: h.host, port: h.port, hosts: [h], database };
    const client = await pgClient(one, database);
    try {
      await connectOrClose(client, one);
      if (t.hosts.length === 1 || (await fitsSession(client, want))) return { client, target: { ...one, database: t.database } };
      await client.end().catch(() => undefined);
      last = new LifeboatError('PG_UNREACHABLE', `PostgreSQL at ${h.host}:${h.port} does not fit target_session_attrs=${want}.`, { host: h.host, port: h.port });
    } catch (e) {
      last = e;
    }
  }
  throw last instanceof LifeboatError ? last : classifyPgError(last, t);
}

/** Every libpq variable: none may reach a tool from the inherited environment but the record's own. */
const LIBPQ_VARS = [...Object.values(PG_PARAM_ENV), 'PGSERVICEFILE', 'PGSYSCONFDIR', 'PGREQUIRESSL', 'PGSSLCOMPRESSION', 'PGLOCALEDIR', 'PGTZ', 'PGDATESTYLE', 'PGCLIENTENCODING'];

/**
 * Environment for libpq tools, built from the same record as the `pg` client. The whole
 * connection travels in PG* variables (libpq never expands an environment value into more
 * parameters, unlike a `--dbname` argument holding `host=... port=...`), and the password in
 * PGPASSWORD, never in argv. The service is already expanded into the record, so the tools do
 * not read the service file again.
 */
export function pgEnv(t: PgTarget, database: string = t.database): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const inheritedPassword = env.PGPASSWORD;
  for (const k of LIBPQ_VARS) delete env[k];
  for (const [k, v] of Object.entries(t.params)) {
    const variable = PG_PARAM_ENV[k];
    if (variable && k !== 'service' && k !== 'password') env[variable] = v;
  }
  Object.assign(env, {
    PGAPPNAME: t.params.application_name ?? 'lifeboat',
    PGHOST: t.hosts.map((h) => h.host).join(','),
    PGPORT: t.hosts.map((h) => String(h.port)).join(','),
    PGUSER: t.user,
    PGDATABASE: database,
  });
  env.PGCONNECT_TIMEOUT = t.params.connect_timeout ?? String(Math.max(1, Math.round(pgTimeouts().connectMs / 1000)));
  const password = t.password ?? t.servicePassword ?? inheritedPassword;
  if (password !== undefined) env.PGPASSWORD = password;
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
      `PostgreSQL at ${where} asks a password for user "${t.user}" and none was found. Lifeboat looked, as libpq does, in the connection URL or string${t.params.service ? `, in service "${t.params.service}"` : ''}, in PGPASSWORD and in the password file ${t.params.passfile ?? pgPassFile()} (passfile= or PGPASSFILE choose it; it must be mode 0600 with a line like ${t.host.startsWith('/') ? 'localhost' : t.host}:${t.port}:${t.database}:${t.user}:PASSWORD). Add one there, or use peer/trust authentication over the socket.`,
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
  /** pgAdmin-style include/exclude options (issue 13). */
  readonly dump?: PgDumpOptions;
  /** pg_dump's stderr of a dump that succeeded (its warnings), for the run log. */
  readonly onToolOutput?: (text: string) => void;
}

async function runPgDump(tool: PgTool, t: PgTarget, snapshot: string, file: string, signal?: AbortSignal, scope: readonly string[] = [], onToolOutput?: (text: string) => void): Promise<void> {
  // No connection value in argv: libpq reads them from pgEnv, where nothing is re-parsed.
  const args = [
    '--format=custom',
    // Uncompressed: pg_dump's own zlib runs on one core (3.2 s for a 100 MB database here, against
    // 0.55 s without); the archive writer then deflates the dump on every core.
    '--compress=0',
    '--no-password',
    `--snapshot=${snapshot}`,
    `--file=${file}`,
    // Each pattern is its own argv element after its flag, and never starts with "-".
    ...scope,
  ];
  const { toolMs } = pgTimeouts();
  const r = await runPgTool(tool, args, { env: pgEnv(t), timeoutMs: toolMs, ...(signal ? { signal } : {}) });
  if (r.code === 0) {
    if (r.stderr.trim()) onToolOutput?.(r.stderr);
    return;
  }
  if (r.timedOut) {
    throw new LifeboatError('PG_TIMEOUT', `pg_dump of database "${t.database}" at ${t.host}:${t.port} did not finish within ${Math.round(toolMs / 1000)} s and was stopped.`, { database: t.database, timeoutMs: toolMs });
  }
  const stderr = r.stderr.trim();
  // pg_dump writes its dump into the backup's work folder: a full disk there is the destination's.
  if (/No space left on device|Disk quota exceeded/i.test(stderr)) {
    throw new LifeboatError('DISK_FULL', `The disk holding ${file} filled up while pg_dump wrote the dump of database "${t.database}" there (${stderr.split('\n')[0]}). Free space on the backup destination, or choose another one.`, { path: file, database: t.database });
  }
  const err = classifyPgError(new Error(stderr || `pg_dump exited with ${r.code ?? r.signal}`), t);
  throw err.code === 'PG_DUMP_FAILED' ? new LifeboatError('PG_DUMP_FAILED', `pg_dump failed for database "${t.database}": ${stderr || `exit ${r.code ?? r.signal}`}`, err.details) : err;
}

/**
 * Dump one PostgreSQL database with `pg_dump -Fc`. Row counts are taken inside the same exported
 * snapshot pg_dump uses, so the manifest's counts describe exactly the rows in the dump.
 */
export async function dumpPostgres(name: string, url: string, file: string, ctx: DumpContext): Promise<PostgresRecord> {
  const wanted = parsePgUrl(url);
  const tool = await resolvePgTool('pg_dump', ctx.pgDumpPath ?? process.env.LIFEBOAT_PG_DUMP);
  // pg_dump must reach the host whose snapshot it imports: the one this client connected to.
  const { client, target: t } = await connectFirst(wanted, wanted.database);
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
    const tableRows = await client.query<SnapshotTable>(
      `SELECT n.nspname AS schema, c.relname AS name, pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
       ORDER BY 1, 2`,
    );
    // With include/exclude options the dump runs first (in the same snapshot, still held open) and
    // only the tables whose rows it kept are counted.
    const scope = pgDumpArgs(ctx.dump);
    if (scope.length > 0) await runPgDump(tool, t, snapshot, file, ctx.signal, scope, ctx.onToolOutput);
    const counted = scope.length > 0 ? await tablesWithData(await pgRestoreBeside(tool), file, tableRows.rows, ctx.signal) : tableRows.rows;
    const tables: { name: string; rows: number }[] = [];
    for (const r of counted) {
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
    if (scope.length === 0) await runPgDump(tool, t, snapshot, file, ctx.signal, [], ctx.onToolOutput);
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
      ...(scope.length > 0 && ctx.dump ? { dumpOptions: ctx.dump } : {}),
    };
  } catch (e) {
    throw classifyPgError(e, t);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

/** Put a password into a connection string (in memory only: for a connection, never for storage or display). */
export function withPassword(url: string, password: string | undefined): string {
  if (!password) return url;
  return formatPgConnString({ ...parsePgConnString(url), password }, { password: true });
}

/** The same connection (hosts, user, parameters, any password) aimed at another database. */
export function withDatabase(url: string, database: string): string {
  return formatPgConnString({ ...parsePgConnString(url), dbname: database }, { password: true });
}

/** Split a password off a connection string: the string that may be stored, and the password. */
export function splitPassword(url: string): { bare: string; password: string | undefined } {
  const { password, ...rest } = parsePgConnString(url);
  return password === undefined ? { bare: url, password } : { bare: formatPgConnString(rest), password };
}

/** Connect once and report the server version: the profile editor's "Test connection". */
export async function testPgConnection(url: string): Promise<{ serverVersion: string; database: string }> {
  const wanted = parsePgUrl(url);
  const { client, target: t } = await connectFirst(wanted, wanted.database);
  try {
    const v = await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    return { serverVersion: v.rows[0]?.v ?? '', database: t.database };
  } catch (e) {
    throw classifyPgError(e, t);
  } finally {
    await client.end().catch(() => undefined);
  }
}
