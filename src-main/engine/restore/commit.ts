import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir } from '../util/durable.js';
import { faultPoint } from '../util/fault.js';
import type { JournalStep, RestoreJournal } from './journal.js';
import { dropOldMysql } from './mysql-steps.js';
import { NO_SECRETS, type PgSecrets } from './pg-secrets.js';
import { dropOldPaths } from './selection-swap.js';
import { removeTree } from './remove-tree.js';

/** Remove the previous state one step kept for rollback. Touches only `old`/`aside`, never the target. */
async function dropOld(step: JournalStep, secrets: PgSecrets): Promise<void> {
  switch (step.kind) {
    case 'folder':
      if (!step.existed) return;
      await removeTree(step.old);
      await fsyncDir(dirname(step.old));
      return;
    case 'sqlite':
      await rm(step.aside, { force: true });
      return;
    case 'postgres': {
      if (!step.existed) return;
      const admin = await secrets.connect(step.url);
      try {
        await admin.drop(step.old);
      } finally {
        await admin.close();
      }
      faultPoint('restore:commit-pg-dropped');
      return;
    }
    case 'mysql':
      await dropOldMysql(step, secrets);
      return;
    case 'pg-globals':
      return; // the roles and tablespaces created are the new state: kept
    case 'paths':
      await dropOldPaths(step);
      return;
  }
}

function describe(step: JournalStep): string {
  if (step.kind === 'pg-globals') return `globals of ${step.target}`;
  return step.kind === 'folder' || step.kind === 'paths' ? step.old : step.kind === 'sqlite' ? step.aside : step.kind === 'mysql' ? `database ${step.staged} and ${step.aside}` : `database ${step.old}`;
}

/**
 * The commit: the new state is in place, durable and checked, so only the old state is removed.
 * It never throws and never touches the new state: whatever cannot be removed is returned as a
 * leftover (what, where, why), to be reported and retried on the next start.
 */
export async function commitRestore(journal: RestoreJournal, secrets: PgSecrets = NO_SECRETS): Promise<string[]> {
  const leftovers: string[] = [];
  for (const step of journal.steps) {
    try {
      await dropOld(step, secrets);
    } catch (e) {
      leftovers.push(`${describe(step)}: ${(e as Error).message}`);
    }
  }
  for (const p of journal.scratch) {
    await rm(p, { recursive: true, force: true }).catch((e: Error) => leftovers.push(`${p}: ${e.message}`));
  }
  return leftovers;
}
