import { lstat, mkdir, readdir, rename, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { flushTrees } from '../util/durable.js';
import { faultPoint } from '../util/fault.js';
import type { JournalStep } from './journal.js';
import { removeTree } from './remove-tree.js';
import { identity } from './rollback.js';

/** The journal step of a partial folder restore. */
export type PathsStep = JournalStep & { kind: 'paths' };

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** Folders inside a partial restore's target that the restore keeps for itself while it runs. */
export function selectionScratch(target: string, short: string, n: number): { staged: string; old: string } {
  // Inside the target, not beside it: always the same filesystem as every selected path (even when
  // the target is itself a mount point), so each swap is a rename.
  return { staged: join(target, `.lifeboat-restore-${short}-${n}`), old: join(target, `.lifeboat-old-${short}-${n}`) };
}

/**
 * The topmost folder missing on the way to each root's parent (what the swap has to create at the
 * target), found before anything is created so the journal can name them first.
 */
export async function missingParents(target: string, roots: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  const known = new Set<string>();
  for (const root of roots) {
    let top: string | null = null;
    for (let d = dirname(join(target, root)); d.length > target.length && !known.has(d); d = dirname(d)) {
      if (await exists(d)) break;
      top = d;
    }
    for (let d = dirname(join(target, root)); d.length > target.length; d = dirname(d)) known.add(d);
    if (top) out.add(top);
  }
  return [...out];
}

/**
 * The first folder on the way from `target` to a root that is not a real folder at the target (a
 * symbolic link, or a file), or null. A file-level restore never writes through a link: a link
 * where the backup has a folder would otherwise carry the restored file (and the aside copy of
 * what it replaces) to wherever the link points.
 */
export async function notAFolderOnTheWay(target: string, root: string): Promise<string | null> {
  const parts = root.split('/');
  let d = target;
  for (const part of parts.slice(0, -1)) {
    d = join(d, part);
    const st = await lstat(d).catch(() => undefined);
    if (!st) return null; // the rest is created by the restore itself
    if (!st.isDirectory()) return d;
  }
  return null;
}

/** Every distinct non-folder on the way to the roots (see notAFolderOnTheWay), at most 20. */
export async function linksOnTheWay(target: string, roots: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const root of roots) {
    const bad = await notAFolderOnTheWay(target, root);
    if (bad) out.add(bad);
    if (out.size >= 20) break;
  }
  return [...out];
}

/**
 * Prepare the step: the staged copy of every root is complete (stage ran), so its device:inode is
 * recorded now; the rollback moves back only what is still that very file or folder.
 */
export async function pathsStep(target: string, staged: string, old: string, roots: readonly string[]): Promise<PathsStep> {
  const inos: string[] = [];
  for (const root of roots) {
    const ino = await identity(join(staged, root));
    if (ino === null) throw new LifeboatError('RESTORE_FAILED', `The staged copy of ${join(target, root)} is missing (${join(staged, root)}); nothing was changed.`);
    inos.push(ino);
  }
  return { kind: 'paths', target, staged, old, roots: [...roots], inos };
}

/**
 * swap, for a partial restore: each root's current version is moved into `old` (if it exists) and
 * its staged version renamed into place. The step is journalled (with every root) before the first
 * rename; which roots are done is read back from the filesystem, so one journal write serves any
 * number of roots. Nothing outside the roots is touched.
 */
export async function swapPaths(step: PathsStep): Promise<void> {
  for (const root of step.roots) {
    const target = join(step.target, root);
    const aside = join(step.old, root);
    // Checked again right before the renames: the plan's check may be minutes old.
    const bad = await notAFolderOnTheWay(step.target, root);
    if (bad) throw new LifeboatError('RESTORE_FAILED', `Cannot restore ${target}: ${bad} is not a folder at the target (a link or a file), and a restore never writes through it. Select ${bad.slice(step.target.length + 1)} itself to replace it, or restore into another folder.`, { path: bad });
    await mkdir(dirname(target), { recursive: true }).catch((e: NodeJS.ErrnoException) => {
      throw new LifeboatError('RESTORE_FAILED', `Cannot restore ${target}: a part of its folder path at the target is not a folder (${e.code ?? e.message}). Select that part itself to replace it.`, { path: target }, { cause: e });
    });
    if (await exists(target)) {
      await mkdir(dirname(aside), { recursive: true });
      await rename(target, aside);
    }
    faultPoint('restore:swap-folder-aside');
    await rename(join(step.staged, root), target);
  }
  // One syncfs for the target's filesystem: every rename above is durable before the check and commit.
  await flushTrees([step.target]);
}

/**
 * Undo a partial swap, newest root first: a root that holds the restore's own staged copy (its
 * recorded inode) goes back into staging, then the previous version comes back from `old`.
 * Idempotent: a root already put back holds another inode and no aside copy, so it is left alone.
 */
export async function undoPaths(step: PathsStep): Promise<string> {
  let back = 0;
  for (let i = step.roots.length - 1; i >= 0; i -= 1) {
    const root = step.roots[i] ?? '';
    const target = join(step.target, root);
    const aside = join(step.old, root);
    if ((await identity(target)) === step.inos[i]) {
      const staged = join(step.staged, root);
      await mkdir(dirname(staged), { recursive: true });
      await rename(target, staged);
    }
    if (await exists(aside)) {
      if (await exists(target)) throw new Error(`${target} holds something this restore did not put there; its previous version is kept at ${aside}`);
      await rename(aside, target);
      back += 1;
    }
  }
  await removeEmptyFolders(step.old);
  await flushTrees([step.target]).catch(() => undefined); // best effort: the target may be gone
  return `${step.roots.length} selected path(s) in ${step.target} put back (${back} had a previous version)`;
}

/** After the commit: the previous versions of the roots are deleted; the restored ones are never touched. */
export async function dropOldPaths(step: PathsStep): Promise<void> {
  await removeTree(step.old);
}

/** Remove `dir` and the folders under it if they hold no files (without recursion: any depth). */
async function removeEmptyFolders(dir: string): Promise<void> {
  const order: string[] = [];
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop() ?? '';
    const names = await readdir(d, { withFileTypes: true }).catch(() => null);
    if (names === null) continue;
    order.push(d);
    for (const n of names) if (n.isDirectory()) stack.push(join(d, n.name));
  }
  for (let i = order.length - 1; i >= 0; i -= 1) await rmdir(order[i] ?? '').catch(() => undefined);
}
