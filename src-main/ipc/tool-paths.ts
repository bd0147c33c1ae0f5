import { execFile } from 'node:child_process';
import { access, constants, stat } from 'node:fs/promises';
import { basename, isAbsolute, normalize } from 'node:path';
import { promisify } from 'node:util';
import { LifeboatError } from '../../src-shared/errors/lifeboat-error.js';

const run = promisify(execFile);

/** The oldest PostgreSQL client major Lifeboat drives (custom-format dumps, --snapshot). */
export const MIN_PG_TOOL_MAJOR = 10;
/** Beyond this a "version" is not a PostgreSQL release; refuse rather than trust it. */
const MAX_PG_TOOL_MAJOR = 99;

/**
 * Accept a configured pg_dump / pg_restore path only once it identifies itself: an absolute path
 * to an executable regular file named like the tool (so /bin/sh is refused before it runs), whose
 * `--version` answers `<tool> (PostgreSQL) <major>.<minor>` for a supported major. Runs the binary
 * with execFile (no shell), no other arguments, and a timeout. Returns the version.
 */
export async function checkPgToolPath(tool: 'pg_dump' | 'pg_restore', path: string): Promise<string> {
  const refuse = (why: string): LifeboatError =>
    new LifeboatError('PG_DUMP_NOT_FOUND', `Refused ${path.slice(0, 300)} as the ${tool} path: ${why}. Point it at the ${tool} of the PostgreSQL client tools, or leave it empty to find it automatically.`, { tool, path });
  if (!isAbsolute(path) || normalize(path) !== path) throw refuse('it must be an absolute path');
  const name = basename(path);
  if (name !== tool && name !== `${tool}.exe`) throw refuse(`the file is not named ${tool}`);
  const st = await stat(path).catch(() => null);
  if (!st?.isFile()) throw refuse('there is no file there');
  const executable = await access(path, constants.X_OK).then(() => true, () => false);
  if (!executable) throw refuse('the file is not executable');
  let out: string;
  try {
    out = (await run(path, ['--version'], { timeout: 5_000, maxBuffer: 4096, windowsHide: true, env: { PATH: process.env.PATH ?? '' } })).stdout;
  } catch (e) {
    throw refuse(`\`${tool} --version\` failed (${(e as Error).message.slice(0, 200)})`);
  }
  const m = new RegExp(`^${tool} \\(PostgreSQL\\) (\\d+)(?:\\.(\\d+))?`).exec(out.trim());
  if (!m?.[1]) throw refuse(`it does not answer --version as ${tool} (PostgreSQL) does`);
  const major = Number(m[1]);
  if (major < MIN_PG_TOOL_MAJOR || major > MAX_PG_TOOL_MAJOR) throw refuse(`version ${m[1]} is not supported (PostgreSQL ${MIN_PG_TOOL_MAJOR} or newer)`);
  return m[2] ? `${m[1]}.${m[2]}` : m[1];
}
