import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sweepDeadOwners } from '../util/temp-sweep.js';

/**
 * Where plain bytes of an encrypted backup live while they exist: a 0700 folder under the Lifeboat
 * home (`<home>/tmp/crypt-<pid>-<id>`), never the destination. The destination is the place the
 * ciphertext is for, so it is often a removable disk, a network share or a synced folder: a
 * plaintext archive left there by a crash would travel. The home is on this machine's own disk,
 * where the source data is already in the clear, and it is a real disk (not a RAM-backed /tmp
 * that a large archive would fill). The pid in the name lets the next start sweep what a killed
 * process left.
 */

const PREFIX = 'crypt-';

/** The private folder for job `id` of this process (not created). */
export function privateTempPath(home: string, id: string): string {
  return join(home, 'tmp', `${PREFIX}${process.pid}-${id}`);
}

/** Create it 0700 (chmod too: the umask must not widen or narrow it). */
export async function makePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/** Remove private folders whose process is gone (a killed backup, verify or restore). */
export function sweepPrivateTemps(home: string, host: string): Promise<string[]> {
  return sweepDeadOwners(join(home, 'tmp'), PREFIX, host);
}
