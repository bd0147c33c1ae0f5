import { randomBytes } from 'node:crypto';
import { link, lstat, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { fsyncDir } from '../util/durable.js';
import { destinationError, errnoCode } from '../util/fs-errors.js';
import { O_NEW_NOFOLLOW as O_SECRET } from '../util/replace-file.js';

/**
 * Every file Lifeboat writes that holds a secret (a recovery kit with a private key, a key file)
 * goes through here. `open(path, 'w')` follows a symlink planted at the path and truncates
 * whatever it points at, and keeps the mode of a file that already exists: a secret written that
 * way can land in someone else's file, world-readable. Here the bytes go to a fresh temporary
 * name created with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600 (fchmod too: the umask must not
 * change it), are flushed, and are then hard-linked to the final name. link() never follows and
 * never replaces. A symlink found at the name (planted there, or dangling) is itself replaced by a
 * rename, which does not follow it either: what it pointed at is untouched. A regular file of that
 * name (an older kit, which may hold an older key) is kept, and the next free name (`name-2.html`)
 * is used. A reader never sees half a file.
 */

const MAX_NAMES = 100;

function nameAt(base: string, ext: string, n: number): string {
  return n === 1 ? `${base}${ext}` : `${base}-${n}${ext}`;
}

/**
 * Write `data` as a new 0600 file `<base><ext>` in `dir` (or `<base>-2<ext>`... when taken) and
 * return its path. Nothing existing at any of those names is opened, followed or replaced.
 */
export async function writeSecretFile(dir: string, base: string, ext: string, data: string | Uint8Array): Promise<string> {
  const tmp = join(dir, `.${base}.${randomBytes(6).toString('hex')}.partial`);
  let fh;
  try {
    fh = await open(tmp, O_SECRET, 0o600);
  } catch (e) {
    throw new LifeboatError('DESTINATION_UNWRITABLE', `Cannot create a new private file in ${dir} (${errnoCode(e) ?? String(e)}); choose a folder you own.`, { path: dir }, { cause: e });
  }
  try {
    try {
      await fh.chmod(0o600);
      await fh.writeFile(data);
      await fh.sync();
    } catch (e) {
      throw destinationError(e, tmp); // a full disk says DISK_FULL
    } finally {
      await fh.close();
    }
    for (let n = 1; n <= MAX_NAMES; n += 1) {
      const path = join(dir, nameAt(base, ext, n));
      try {
        await link(tmp, path);
      } catch (e) {
        if (errnoCode(e) !== 'EEXIST') throw new LifeboatError('DESTINATION_UNWRITABLE', `Cannot write ${path} (${errnoCode(e) ?? String(e)}); choose another folder.`, { path }, { cause: e });
        if (!(await lstat(path).catch(() => null))?.isSymbolicLink()) continue;
        await rename(tmp, path); // the link goes, not its target
      }
      await fsyncDir(dir);
      return path;
    }
    throw new LifeboatError('DESTINATION_UNWRITABLE', `${dir} already holds ${MAX_NAMES} files named ${base}*${ext}; move some away or choose another folder.`, { path: dir });
  } finally {
    await rm(tmp, { force: true });
  }
}
