import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../engine-env.js';

/** Prefix of the temporary folders verification makes; the owner's pid follows it. */
export const VERIFY_TEMP_PREFIX = 'lifeboat-verify-';

/** The mkdtemp prefix for a verification run of this process: `lifeboat-verify-<pid>-`. */
export function verifyTempPrefix(): string {
  return join(tmpdir(), `${VERIFY_TEMP_PREFIX}${process.pid}-`);
}

/**
 * Remove the folders in `dir` named `<prefix><pid>-…` whose process is gone (a killed job, a crashed
 * app). Folders of live processes are left alone; a folder without a pid (an older Lifeboat) goes
 * too, since no current process writes that form. Returns the folders removed.
 */
export async function sweepDeadOwners(dir: string, prefix: string, host: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)-/.exec(name.slice(prefix.length));
    const pid = m ? Number(m[1]) : null;
    if (pid !== null && processAlive(host, pid, host)) continue;
    await rm(join(dir, name), { recursive: true, force: true }).then(
      () => removed.push(join(dir, name)),
      () => undefined,
    );
  }
  return removed;
}

/** Remove verification temp folders whose process is gone (see {@link sweepDeadOwners}). */
export function sweepStaleVerifyTemps(host: string): Promise<string[]> {
  return sweepDeadOwners(tmpdir(), VERIFY_TEMP_PREFIX, host);
}
