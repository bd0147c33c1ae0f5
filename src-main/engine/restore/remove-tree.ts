import { lstat, readdir, rm, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { faultPoint } from '../util/fault.js';

/**
 * Delete a tree entry by entry, depth first, without recursion (a deep tree cannot blow the stack)
 * and with a fault point per removed entry, so crash tests can stop it half way. Missing paths are
 * fine: every call may be a retry of an earlier, interrupted one.
 */
export async function removeTree(root: string): Promise<void> {
  const st = await lstat(root).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (!st) return;
  if (!st.isDirectory()) {
    await rm(root, { force: true });
    return;
  }
  // Each frame is a folder and the names still to visit in it. Never onto another filesystem: a
  // mount inside the old tree is not the old tree's to delete.
  const mounts: string[] = [];
  const stack: { dir: string; names: string[] }[] = [{ dir: root, names: await readdir(root) }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (!top) break;
    const name = top.names.pop();
    if (name === undefined) {
      await rmdir(top.dir).catch((e: NodeJS.ErrnoException) => {
        // A folder holding a mount point stays; the error below names the mount.
        if (e.code !== 'ENOENT' && !(mounts.length > 0 && (e.code === 'ENOTEMPTY' || e.code === 'EBUSY'))) throw e;
      });
      stack.pop();
      faultPoint('restore:commit-removing');
      continue;
    }
    const p = join(top.dir, name);
    const s = await lstat(p).catch(() => undefined);
    if (!s) continue;
    if (s.isDirectory() && s.dev !== st.dev) {
      mounts.push(p);
    } else if (s.isDirectory()) {
      stack.push({ dir: p, names: await readdir(p) });
    } else {
      await unlink(p).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
      faultPoint('restore:commit-removing');
    }
  }
  if (mounts.length > 0) throw new Error(`${mounts.join(', ')} ${mounts.length === 1 ? 'is a mount point' : 'are mount points'} (another filesystem) and was not emptied: unmount, then delete ${root}`);
}
