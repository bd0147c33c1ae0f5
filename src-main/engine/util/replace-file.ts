import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { destinationError } from './fs-errors.js';

/** A new file, never through a symlink at its name: O_CREAT|O_EXCL|O_NOFOLLOW. */
export const O_NEW_NOFOLLOW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Write `data` to `path`, replacing what is there, without ever opening it: the bytes go to a new
 * temporary beside it (O_CREAT|O_EXCL|O_NOFOLLOW, `mode`) and are renamed over the name. A symlink
 * planted at `path` is replaced itself; what it pointed at is untouched. For the small files
 * Lifeboat writes into folders others may write to (sidecars, READMEs in a backup folder).
 */
export async function replaceFileNoFollow(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.partial`;
  const fh = await open(tmp, O_NEW_NOFOLLOW, mode).catch((e: unknown) => {
    throw destinationError(e, tmp);
  });
  try {
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw destinationError(e, path);
  }
}
