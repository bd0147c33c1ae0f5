import { lstat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The nearest folder that exists at or above `p` (for free space and write checks of a path yet to be made). */
export async function nearestExisting(p: string): Promise<string> {
  let dir = p;
  while (!(await lstat(dir).then(() => true, () => false)) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
