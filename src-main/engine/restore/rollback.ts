import Database from 'better-sqlite3';
import { lstat, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ALL_PAGES } from '../sources/sqlite-source.js';
import { fsyncDir } from '../util/durable.js';
import { undoMysql } from './mysql-steps.js';
import { undoGlobals } from './pg-globals.js';
import { undoPaths } from './selection-swap.js';
import { NO_SECRETS, type PgSecrets } from './pg-secrets.js';
import type { JournalStep, RestoreJournal } from './journal.js';

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** device:inode of a path (not following links), or null when nothing is there. */
export async function identity(path: string): Promise<string | null> {
  const st = await lstat(path).catch(() => undefined);
  return st ? `${st.dev}:${st.ino}` : null;
}

/**
 * Whether what is at `target` is the restore's own (its recorded device:inode). A restore removes
 * only what it put there: a folder or file that appeared meanwhile (an application, a second restore
 * to the same place) is never deleted by this rollback.
 */
async function ours(target: string, ino: string | undefined): Promise<boolean> {
  const now = await identity(target);
  return now !== null && ino !== undefined && now === ino;
}

async function undoStep(step: JournalStep, secrets: PgSecrets): Promise<string> {
  switch (step.kind) {
    case 'folder': {
      // The new tree may or may not be in place yet; the old one may or may not be aside yet.
      const oldAside = step.existed && (await exists(step.old));
      const there = await identity(step.target);
      if (there !== null && (oldAside || !step.existed)) {
        if (!(await ours(step.target, step.ino))) {
          if (oldAside) throw new Error(`${step.target} holds a folder this restore did not put there; the previous folder is kept at ${step.old}`);
          await rm(step.staged, { recursive: true, force: true });
          return `folder ${step.target} left as it is (it was not created by this restore)`;
        }
        await rm(step.target, { recursive: true, force: true });
      }
      if (oldAside) await rename(step.old, step.target);
      await rm(step.staged, { recursive: true, force: true });
      await fsyncDir(dirname(step.target)).catch(() => undefined); // best effort: the parent may be gone too
      return `folder ${step.target} ${step.existed ? 'put back' : 'removed (it did not exist before)'}`;
    }
    case 'sqlite': {
      if (step.phase === 'saving') {
        // The target was never touched; the aside copy may be partial.
        await rm(step.aside, { force: true });
        return `SQLite ${step.target} untouched`;
      }
      if (step.existed && (await exists(step.aside))) {
        // Back through the backup API, so connections the application holds see a consistent database.
        const aside = new Database(step.aside, { readonly: true });
        try {
          await aside.backup(step.target, { progress: () => ALL_PAGES });
        } finally {
          aside.close();
        }
        await rm(step.aside, { force: true });
      } else if (!step.existed) {
        if (!(await ours(step.target, step.ino))) return `SQLite ${step.target} left as it is (not created by this restore)`;
        await Promise.all(['', '-wal', '-shm', '-journal'].map((s) => rm(`${step.target}${s}`, { force: true })));
      }
      return `SQLite ${step.target} ${step.existed ? 'put back' : 'removed (it did not exist before)'}`;
    }
    case 'postgres': {
      const admin = await secrets.connect(step.url);
      try {
        // Renames are journalled before they run, so check what actually exists.
        if (step.phase === 'swapped' && !(await admin.exists(step.staged)) && (await admin.exists(step.database))) await admin.rename(step.database, step.staged);
        if (step.existed && (await admin.exists(step.old))) await admin.rename(step.old, step.database);
        await admin.drop(step.staged);
      } finally {
        await admin.close();
      }
      return `PostgreSQL database ${step.database} ${step.existed ? 'put back' : 'removed (it did not exist before)'}`;
    }
    case 'mysql':
      return undoMysql(step, secrets);
    case 'pg-globals':
      return undoGlobals(step, secrets);
    case 'paths':
      return undoPaths(step);
  }
}

/** Remove `dir` and its subfolders if they hold no files at all. */
async function removeEmptyTree(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => null);
  if (names === null) return;
  for (const n of names) await removeEmptyTree(join(dir, n));
  await rmdir(dir).catch(() => undefined);
}

/**
 * Undo every journalled step, newest first; returns what was done and any step that failed. Only
 * for a restore that has not reached its commit (see rollsForward): before that point the old
 * state is whole, so putting it back loses nothing.
 */
export async function rollback(journal: RestoreJournal, secrets: PgSecrets = NO_SECRETS): Promise<{ undone: string[]; failed: string[] }> {
  const undone: string[] = [];
  const failed: string[] = [];
  for (const step of [...journal.steps].reverse()) {
    try {
      undone.push(await undoStep(step, secrets));
    } catch (e) {
      failed.push(`${step.kind} ${'target' in step ? step.target : step.database}: ${(e as Error).message}`);
    }
  }
  for (const p of journal.scratch) await rm(p, { recursive: true, force: true }).catch(() => undefined);
  // Parent folders the restore created: only removed when nothing else appeared in them.
  for (const dir of [...(journal.created ?? [])].reverse()) await removeEmptyTree(dir);
  return { undone, failed };
}
