import { execFile } from 'node:child_process';
import { access, constants, readdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';

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
