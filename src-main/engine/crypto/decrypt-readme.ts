import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ENCRYPTED_README_MARK, encryptedArchivesReadme } from '../archive/readme.js';
import { replaceFileNoFollow } from '../util/replace-file.js';

/**
 * Put README.txt beside encrypted archives, saying how to decrypt them with the `age` command.
 * It is written only when absent or when it is Lifeboat's own (a user's README.txt is left alone),
 * through a new temporary that is renamed over the name: a reader never sees half of it, and a
 * link planted in the destination (a shared or synced folder) is replaced, never written through.
 * It holds no key and no hint.
 */
export async function writeDecryptReadme(destination: string): Promise<void> {
  const path = join(destination, 'README.txt');
  const current = await readFile(path, 'utf8').catch(() => null);
  const text = encryptedArchivesReadme();
  if (current === text) return;
  if (current !== null && !current.startsWith(ENCRYPTED_README_MARK)) return;
  await replaceFileNoFollow(path, text, 0o644);
}
