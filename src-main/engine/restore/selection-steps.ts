import { basename, dirname, join } from 'node:path';
import type { PlannedTarget } from './restore-plan.js';
import type { RestoreRun } from './restore-steps.js';
import type { SelectedPaths } from './selection.js';
import { missingParents, pathsStep, swapPaths } from './selection-swap.js';

/** Beyond this many roots the safety backup keeps the whole target folder (a superset) instead of one rule per root. */
const SAFETY_RULES_MAX = 500;

/** A path as a picomatch pattern that matches only itself. */
function literalGlob(path: string): string {
  return path.replace(/[\\*?[\]{}()!+@|^$]/g, '\\$&');
}

/**
 * The safety backup's rules for a file-level restore: the selected paths (and everything inside
 * them) at the target, never the restore's own staging. Rules only ever widen what is kept: a
 * top-level name also matches that name deeper down, and many roots fall back to the whole folder.
 */
export function selectionSafetyRules(sel: SelectedPaths): { include: string[]; exclude: string[] } {
  const exclude = ['.lifeboat-restore-*', '.lifeboat-old-*'];
  if (sel.roots.length > SAFETY_RULES_MAX) return { include: [], exclude };
  const include: string[] = [];
  for (const r of sel.roots) {
    include.push(literalGlob(r));
    include.push(`${literalGlob(r)}/**`);
  }
  return { include, exclude };
}

/**
 * swap for a file-level restore: the folders the roots need at the target are journalled, then the
 * step with every root and its staged inode, then the renames (see swapPaths).
 */
export async function swapSelection(run: RestoreRun, t: PlannedTarget): Promise<void> {
  const sel = t.selection;
  if (!sel) return;
  const staged = run.staged.get(t.source) ?? '';
  const old = join(dirname(staged), basename(staged).replace('.lifeboat-restore-', '.lifeboat-old-'));
  const created = await missingParents(t.target, sel.roots);
  for (const dir of created) run.journal.created?.push(dir);
  const step = await pathsStep(t.target, staged, old, sel.roots);
  run.journal.steps.push(step);
  run.save();
  await swapPaths(step);
  run.progress.item(t.target);
}
