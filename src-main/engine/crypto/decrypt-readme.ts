import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ENCRYPTED_README_MARK, encryptedArchivesReadme } from '../archive/readme.js';

/**
 * Put README.txt beside encrypted archives, saying how to decrypt them with the `age` command.
 * It is written only when absent or when it is Lifeboat's own (a user's README.txt is left alone),
 * through a temporary name so a reader never sees half of it. It holds no key and no hint.
 */
export async function writeDecryptReadme(destination: string): Promise<void> {
  const path = join(destination, 'README.txt');
  const current = await readFile(path, 'utf8').catch(() => null);
  const text = encryptedArchivesReadme();
  if (current === text) return;
  if (current !== null && !current.startsWith(ENCRYPTED_README_MARK)) return;
  // A new file under an unguessable name, never through a link planted in the destination (a
  // shared or synced folder): 'w' on a predictable name would truncate whatever the link points at.
  const tmp = `${path}.${randomBytes(6).toString('hex')}.partial`;
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path).catch(async (e: unknown) => {
    await rm(tmp, { force: true });
    throw e;
  });
}
