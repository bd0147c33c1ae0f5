import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SOURCE_NAME_PATTERN, type ManifestSource } from '../../../src-shared/manifest/schema.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { SourceSpec } from '../../../src-shared/domain/profile.js';
import { classifyPgError, connectFirst, parsePgUrl, pgEnv, withDatabase, type PgTarget } from './postgres-source.js';
import { pgTimeouts, resolvePgTool, runPgTool, type PgTool } from './pg-tools.js';
import type { NamedSource } from './source-names.js';

type PostgresSpec = Extract<SourceSpec, { kind: 'postgres' }> & { readonly name: string };
/** What every database record of a whole-server backup says about its server. */
export type ServerRecord = NonNullable<Extract<ManifestSource, { kind: 'postgres' }>['server']>;

/** One database of a whole-server source, as a source of its own. */
export interface ServerPart {
  readonly source: PostgresSpec;
  readonly server: ServerRecord;
  /** The globals dump, carried by the server's first database (the one archive entry for it). */
  readonly globalsFile?: string;
  /** Runs the dumps of one server one at a time: a server of 50 databases is not 50 pg_dumps at once. */
  readonly turn: <T>(dump: () => Promise<T>) => Promise<T>;
}

/** pg_dumpall writes this comment block last; a globals file without it was cut short. */
const GLOBALS_COMPLETE = /\n-- PostgreSQL database cluster dump complete\n--\s*$/;

/** The server connection of a whole-server source: its own database, else `postgres`. */
export function serverTarget(url: string): PgTarget {
  try {
    return parsePgUrl(url);
  } catch (e) {
    if (e instanceof LifeboatError && e.code === 'USAGE' && /names no database/.test(e.message)) return parsePgUrl(withDatabase(url, 'postgres'));
    throw e;
  }
}

/** Every database a server lets one connect to, templates left out (what `pg_dumpall` dumps). */
async function serverFacts(t: PgTarget): Promise<{ target: PgTarget; databases: string[]; roles: string[]; tablespaces: string[] }> {
  const { client, target } = await connectFirst(t, t.database);
  try {
    const q = async (sql: string): Promise<string[]> => (await client.query<{ n: string }>(sql)).rows.map((r) => r.n);
    return {
      target,
      databases: await q(`SELECT datname AS n FROM pg_database WHERE NOT datistemplate AND datallowconn ORDER BY datname`),
      roles: await q(`SELECT rolname AS n FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY rolname`),
      tablespaces: await q(`SELECT spcname AS n FROM pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global') ORDER BY spcname`),
    };
  } catch (e) {
    throw classifyPgError(e, t);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** pg_dumpall from the same install as pg_dump (same version, so it can read this server). */
export async function resolveDumpall(pgDumpPath: string | undefined): Promise<PgTool> {
  const dump = await resolvePgTool('pg_dump', pgDumpPath ?? process.env.LIFEBOAT_PG_DUMP);
  const path = join(dirname(dump.path), 'pg_dumpall');
  return resolvePgTool('pg_dump', path).catch(() => {
    throw new LifeboatError('PG_DUMP_NOT_FOUND', `pg_dumpall was not found beside ${dump.path} (a whole-server backup dumps roles and tablespaces with it). Install the full PostgreSQL client tools (Debian/Ubuntu: apt install postgresql-client).`, { tool: path });
  });
}

/** `pg_dumpall --globals-only` into `file`, accepted only when its completion line is there. */
async function dumpGlobals(t: PgTarget, file: string, pgDumpPath: string | undefined, signal?: AbortSignal): Promise<void> {
  const tool = await resolveDumpall(pgDumpPath);
  const { toolMs } = pgTimeouts();
  const r = await runPgTool(tool, ['--globals-only', '--no-password', `--file=${file}`], { env: pgEnv(t), timeoutMs: toolMs, ...(signal ? { signal } : {}) });
  if (r.code !== 0) {
    const stderr = r.stderr.trim();
    const err = classifyPgError(new Error(stderr || `pg_dumpall exited with ${r.code ?? r.signal}`), t);
    if (err.code !== 'PG_DUMP_FAILED') throw err;
    throw new LifeboatError('PG_DUMP_FAILED', `pg_dumpall --globals-only (roles and tablespaces) failed for the server at ${t.host}:${t.port}: ${stderr || `exit ${r.code ?? r.signal}`}`, { host: t.host, port: t.port });
  }
  const text = await readFile(file, 'utf8').catch(() => '');
  if (!GLOBALS_COMPLETE.test(text)) {
    throw new LifeboatError('PG_DUMP_FAILED', `pg_dumpall (${tool.path}) exited 0 but the globals it wrote to ${file} lack their completion line: the dump is cut short. Check the disk, then run the backup again.`, { file });
  }
}

/** A source name for one database of a server: `<server>.<database>`, safe and unique. */
function partName(server: string, database: string, taken: Set<string>): string {
  const safe = database.replace(/[^A-Za-z0-9._-]+/g, '_');
  const base = `${server}.${safe}`.slice(0, 60);
  let name = base;
  for (let i = 2; taken.has(name) || !SOURCE_NAME_PATTERN.test(name); i += 1) name = `${base.slice(0, 56)}-${i}`;
  taken.add(name);
  return name;
}

/**
 * Turn a whole-server PostgreSQL source into one source per database, after dumping the server's
 * globals into `workDir`. `taken` holds the names already in use in this backup (extended here).
 */
export async function expandPgServer(s: PostgresSpec, workDir: string, taken: Set<string>, ctx: { pgDumpPath?: string; signal?: AbortSignal }): Promise<ServerPart[]> {
  const wanted = s.databases ?? 'all';
  const facts = await serverFacts(serverTarget(s.url));
  const where = `${facts.target.host}:${facts.target.port}`;
  const chosen = wanted === 'all' ? facts.databases : wanted;
  if (wanted !== 'all') {
    const missing = wanted.filter((d) => !facts.databases.includes(d));
    if (missing.length) {
      throw new LifeboatError('PG_DATABASE_MISSING', `The PostgreSQL server at ${where} has no database ${missing.map((d) => `"${d}"`).join(', ')} to back up (it has: ${facts.databases.join(', ')}). Fix the list of databases of source "${s.name}".`, { missing });
    }
  }
  if (chosen.length === 0) throw new LifeboatError('SOURCE_EMPTY', `The PostgreSQL server at ${where} has no database but templates; there is nothing to back up.`, { host: facts.target.host });
  const globalsFile = join(workDir, `${s.name}.globals.sql`);
  await dumpGlobals(facts.target, globalsFile, ctx.pgDumpPath, ctx.signal);
  const server: ServerRecord = { name: s.name, globals: `databases/${s.name}.globals.sql`, roles: facts.roles, tablespaces: facts.tablespaces };
  let queue: Promise<unknown> = Promise.resolve();
  const turn = <T>(dump: () => Promise<T>): Promise<T> => {
    const mine = queue.then(dump, dump);
    queue = mine.catch(() => undefined);
    return mine;
  };
  return chosen.map((database, i) => ({
    source: { kind: 'postgres', name: partName(s.name, database, taken), url: withDatabase(s.url, database), ...(s.dump ? { dump: s.dump } : {}) },
    server,
    ...(i === 0 ? { globalsFile } : {}),
    turn,
  }));
}

/**
 * Every whole-server PostgreSQL source of a backup expanded in place into its databases (other
 * sources pass through), with each part's server facts by source name.
 */
export async function expandPgServers(sources: readonly NamedSource[], workDir: string, ctx: { pgDumpPath?: string; signal?: AbortSignal }): Promise<{ sources: NamedSource[]; parts: Map<string, ServerPart> }> {
  const parts = new Map<string, ServerPart>();
  if (!sources.some((s) => s.kind === 'postgres' && s.databases !== undefined)) return { sources: [...sources], parts };
  const taken = new Set(sources.map((s) => s.name));
  const out: NamedSource[] = [];
  for (const s of sources) {
    if (s.kind !== 'postgres' || s.databases === undefined) {
      out.push(s);
      continue;
    }
    for (const p of await expandPgServer(s, workDir, taken, ctx)) {
      parts.set(p.source.name, p);
      out.push(p.source);
    }
  }
  return { sources: out, parts };
}

/** A database record of a whole-server backup: the dump's record plus its server's facts. */
export function withServer(record: ManifestSource, part: ServerPart | undefined): ManifestSource {
  return part && record.kind === 'postgres' ? { ...record, server: part.server } : record;
}
