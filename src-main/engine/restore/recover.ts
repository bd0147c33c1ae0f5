import type { EngineEnv } from '../engine-env.js';
import { processAlive } from '../engine-env.js';
import { commitRestore } from './commit.js';
import { RestoresRepo, rollsForward, type RestoreRow } from './journal.js';
import { rollback } from './rollback.js';

/** What the start-up recovery did with one restore. */
export interface RecoveredRestore {
  readonly id: string;
  /** `forward`: the new state was in place and checked, the commit was finished; `back`: every target was put back. */
  readonly direction: 'forward' | 'back' | 'cleanup';
  readonly undone: readonly string[];
  readonly failed: readonly string[];
  /** Old state that still could not be removed (retried at the next start). */
  readonly leftovers: readonly string[];
}

/**
 * Finish what killed restores left: before their commit they are rolled back (the old state is
 * whole), from the commit on they are rolled forward (the new state is whole; only the old state
 * is removed). Then retry removing old state that earlier commits could not delete.
 */
export async function recoverRestores(env: EngineEnv): Promise<RecoveredRestore[]> {
  const repo = new RestoresRepo(env.catalog.db);
  const out: RecoveredRestore[] = [];
  // Called at start-up only, when this process runs nothing yet: its own pid on a row is an earlier life's.
  for (const r of repo.interrupted((h, pid) => processAlive(h, pid, env.host, false))) {
    // Another process starting at the same moment may have claimed it first: then it is theirs.
    if (!repo.claim(r.id, r.pid, env.host)) continue;
    try {
      out.push(await recoverOne(env, repo, r));
    } catch (e) {
      // One restore that cannot be recovered now must not stop the engine from starting: it stays
      // RUNNING with a dead pid and is tried again at the next start.
      repo.release(r.id);
      env.catalog.audit.append({ actor: env.actor, action: 'restore.recovery-failed', target: r.id, outcome: 'failure', details: { error: (e as Error).message } });
    }
  }
  for (const r of repo.withLeftovers()) {
    const leftovers = await commitRestore(r.journal);
    repo.saveJournal(r.id, { ...r.journal, leftovers });
    env.catalog.audit.append({ actor: env.actor, action: 'restore.cleanup', target: r.id, outcome: leftovers.length ? 'failure' : 'success', details: { leftovers } });
    out.push({ id: r.id, direction: 'cleanup', undone: [], failed: [], leftovers });
  }
  return out;
}

async function recoverOne(env: EngineEnv, repo: RestoresRepo, r: RestoreRow): Promise<RecoveredRestore> {
  if (rollsForward(r.journal)) {
    const leftovers = await commitRestore(r.journal);
    repo.saveJournal(r.id, { ...r.journal, phase: 'done', leftovers });
    repo.finish(r.id, 'COMPLETED', env.now().toISOString());
    env.catalog.audit.append({
      actor: env.actor,
      action: 'restore.complete',
      target: r.id,
      outcome: 'success',
      details: { interrupted: true, rolledForward: true, note: 'the process stopped after the restored state was in place and checked; the commit was finished on the next start', leftovers },
    });
    return { id: r.id, direction: 'forward', undone: [], failed: [], leftovers };
  }
  const result = await rollback(r.journal);
  repo.finish(r.id, result.failed.length ? 'FAILED' : 'ROLLED_BACK', env.now().toISOString(), {
    code: 'INTERRUPTED',
    message: `interrupted before the restored state was checked: the restore process stopped; ${result.failed.length ? `rollback incomplete: ${result.failed.join('; ')}` : 'every target was rolled back'}`,
  });
  env.catalog.audit.append({ actor: env.actor, action: 'restore.rollback', target: r.id, outcome: result.failed.length ? 'failure' : 'success', details: { interrupted: true, ...result } });
  return { id: r.id, direction: 'back', ...result, leftovers: [] };
}
