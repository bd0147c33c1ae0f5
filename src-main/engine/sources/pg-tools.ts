import { execFile, spawn } from 'node:child_process';
import { access, constants, open, readdir } from 'node:fs/promises';
import { basename, delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { errnoCode } from '../util/fs-errors.js';

const run = promisify(execFile);

/** A PostgreSQL client binary and its version. */
export interface PgTool {
  readonly path: string;
  readonly version: string;
  readonly major: number;
}

async function isExecutable(p: string): Promise<boolean> {
  return access(p, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** Candidates in order: PATH, then Debian's versioned folders (newest first), then Homebrew's libpq. */
async function candidates(name: string): Promise<string[]> {
  const out = (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, name));
  const debian = await readdir('/usr/lib/postgresql').catch(() => [] as string[]);
  for (const v of debian.sort((a, b) => Number(b) - Number(a))) out.push(join('/usr/lib/postgresql', v, 'bin', name));
  out.push(join('/opt/homebrew/opt/libpq/bin', name), join('/usr/local/opt/libpq/bin', name));
  return out;
}

/** Parse `pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)` → 15.18. */
export function parsePgVersion(text: string): { version: string; major: number } | undefined {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(text);
  if (!m?.[1]) return undefined;
  return { version: m[2] ? `${m[1]}.${m[2]}` : m[1], major: Number(m[1]) };
}

/**
 * Find `pg_dump` or `pg_restore`: the configured path when given (it must work), else the first
 * working candidate. Throws PG_DUMP_NOT_FOUND with install instructions.
 */
export async function resolvePgTool(name: 'pg_dump' | 'pg_restore', configured?: string): Promise<PgTool> {
  const list = configured ? [configured] : await candidates(name);
  for (const path of list) {
    if (!(await isExecutable(path))) continue;
    try {
      const { stdout } = await run(path, ['--version'], { timeout: 10_000 });
      const v = parsePgVersion(stdout);
      if (v) return { path, ...v };
    } catch {
      // Not a working binary (e.g. Debian's wrapper with no client installed); try the next one.
    }
  }
  const where = configured ? `at ${configured}` : 'on PATH or in the usual install folders';
  throw new LifeboatError(
    'PG_DUMP_NOT_FOUND',
    `${name} was not found ${where}. Install the PostgreSQL client tools (Debian/Ubuntu: apt install postgresql-client; RHEL: dnf install postgresql; macOS: brew install libpq), or set its path with --pg-dump or LIFEBOAT_PG_DUMP.`,
    { tool: name, configured: configured ?? null },
  );
}

/** Time limits for PostgreSQL work, in milliseconds. */
export interface PgTimeouts {
  /** Establishing a connection (libpq connect_timeout, the `pg` client's connection timeout). */
  readonly connectMs: number;
  /** One query of Lifeboat's own (row counts, CREATE/RENAME DATABASE). */
  readonly queryMs: number;
  /** One run of pg_dump or pg_restore, from start to exit. */
  readonly toolMs: number;
}

function seconds(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(n) && n > 0 ? n * 1000 : fallback * 1000;
}

/**
 * The limits in force: generous defaults (a slow server is not a hung one), each overridable in
 * seconds through LIFEBOAT_PG_CONNECT_TIMEOUT, LIFEBOAT_PG_QUERY_TIMEOUT, LIFEBOAT_PG_TOOL_TIMEOUT.
 */
export function pgTimeouts(env: NodeJS.ProcessEnv = process.env): PgTimeouts {
  return {
    connectMs: seconds(env.LIFEBOAT_PG_CONNECT_TIMEOUT, 30),
    queryMs: seconds(env.LIFEBOAT_PG_QUERY_TIMEOUT, 2 * 60 * 60),
    toolMs: seconds(env.LIFEBOAT_PG_TOOL_TIMEOUT, 24 * 60 * 60),
  };
}

/** How one pg_dump / pg_restore run ended. */
export interface ToolRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The tail of stderr (64 KiB unless asked for more). */
  readonly stderr: string;
  /** The run was killed because it exceeded `timeoutMs`. */
  readonly timedOut: boolean;
}

/**
 * Run a PostgreSQL client tool with an argument array, a time limit of its own and an abort
 * signal; resolves however it ends (the caller classifies), rejects only when it cannot start.
 */
export function runPgTool(tool: PgTool, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs: number; signal?: AbortSignal; stderrLimit?: number }): Promise<ToolRun> {
  const limit = opts.stderrLimit ?? 65536;
  return new Promise<ToolRun>((resolve, reject) => {
    const child = spawn(tool.path, [...args], { env: opts.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'], ...(opts.signal ? { signal: opts.signal } : {}) });
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-limit);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      if (errnoCode(e) === 'ENOENT') reject(new LifeboatError('PG_DUMP_NOT_FOUND', `${basename(tool.path)} vanished from ${tool.path}.`, { tool: tool.path }));
      else reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, timedOut });
    });
    // A killed tool's own children may keep stderr open: past the limit, its exit is the end.
    child.on('exit', (code, signal) => {
      if (!timedOut) return;
      child.stderr.destroy();
      resolve({ code, signal, stderr, timedOut });
    });
  });
}

/** What a structural read of a custom-format dump found. */
export type DumpCheck =
  | { readonly ok: true; readonly dumpedBy: string | null }
  /** `stage` says how far the read got: not a custom dump at all, an unreadable TOC, or a data block. */
  | { readonly ok: false; readonly stage: 'header' | 'toc' | 'data'; readonly reason: string };

/**
 * Read a custom-format dump the way a restore will: its header and table of contents
 * (`pg_restore --list`), then every data block (`pg_restore --file=/dev/null` decodes them all).
 * pg_dump's exit code alone does not prove the file is whole (a full disk, a crashed writer or a
 * wrapper that lies); this is the one check used after a dump and before a restore.
 */
export async function readWholeDump(pgRestore: PgTool, file: string, signal?: AbortSignal): Promise<DumpCheck> {
  const magic = Buffer.alloc(5);
  const fh = await open(file, 'r');
  try {
    await fh.read(magic, 0, 5, 0);
  } finally {
    await fh.close();
  }
  if (magic.toString('latin1') !== 'PGDMP') return { ok: false, stage: 'header', reason: 'it is not a pg_dump custom-format archive (no PGDMP header)' };
  const { toolMs } = pgTimeouts();
  const list = await runPgToolStdout(pgRestore, ['--list', file], toolMs, signal);
  if (list.code !== 0) return { ok: false, stage: 'toc', reason: `pg_restore --list rejects it (${firstError(list.stderr) || `exit ${list.code ?? 'killed'}`})` };
  const full = await runPgTool(pgRestore, ['--file=/dev/null', file], { timeoutMs: toolMs, ...(signal ? { signal } : {}) });
  if (full.timedOut) return { ok: false, stage: 'data', reason: `reading it took longer than ${Math.round(toolMs / 1000)} s (LIFEBOAT_PG_TOOL_TIMEOUT)` };
  if (full.code !== 0) return { ok: false, stage: 'data', reason: `pg_restore cannot read it to the end (${firstError(full.stderr) || `exit ${full.code ?? full.signal}`})` };
  const m = /Dumped by pg_dump version:\s*(\d+)/.exec(list.stdout);
  return { ok: true, dumpedBy: m?.[1] ?? null };
}

function firstError(stderr: string): string {
  const lines = stderr.split('\n').filter(Boolean);
  return (lines.find((l) => /error/i.test(l)) ?? lines[0] ?? '').trim();
}

/** A run whose stdout is wanted (a TOC listing, a few entries as SQL), captured up to 64 MiB. */
export async function runPgToolStdout(tool: PgTool, args: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<{ code: number | null; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(tool.path, [...args], { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs, killSignal: 'SIGKILL', ...(signal ? { signal } : {}) });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code?: number | string; stdout?: string; stderr?: string; killed?: boolean };
    if (signal?.aborted) throw e;
    return { code: typeof x.code === 'number' ? x.code : null, stdout: x.stdout ?? '', stderr: x.stderr ?? (x.killed ? 'timed out' : String(e)) };
  }
}

/**
 * The pg_restore that checks what `pgDump` wrote: the one installed beside it (same version),
 * else LIFEBOAT_PG_RESTORE, else the usual search.
 */
export async function pgRestoreBeside(pgDump: PgTool): Promise<PgTool> {
  const sibling = join(dirname(pgDump.path), 'pg_restore');
  if (!process.env.LIFEBOAT_PG_RESTORE && (await isExecutable(sibling))) {
    const found = await resolvePgTool('pg_restore', sibling).catch(() => undefined);
    if (found && found.major >= pgDump.major) return found;
  }
  return resolvePgTool('pg_restore', process.env.LIFEBOAT_PG_RESTORE);
}
