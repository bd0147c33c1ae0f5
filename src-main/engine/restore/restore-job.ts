import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { AuditEventName } from '../../../src-shared/domain/audit-events.js';
import { LifeboatError, toErrorInfo } from '../../../src-shared/errors/lifeboat-error.js';
import type { EngineEnv } from '../engine-env.js';
import { ProgressTracker, type ProgressListener } from '../jobs/progress-tracker.js';
import { RunLog, saveRunLog } from '../jobs/run-log.js';
import type { ResolvedTarget } from '../lifeboat-engine.js';
import { beginPhaseTimes } from '../util/phase-times.js';
import { faultPoint, holdPoint, type FaultPoint } from '../util/fault.js';
import { commitRestore } from './commit.js';
import type { RestoreJournal, RestorePhase } from './journal.js';
import { RestoresRepo } from './journal.js';
import { assertPlanOk, planRestore, type PlannedTarget, type RestorePlan, type RestoreRequest } from './restore-plan.js';
import { check, safety, stage, swap, type RestoreRun } from './restore-steps.js';
import { PgSecrets } from './pg-secrets.js';
import { rollback } from './rollback.js';

/** Points after which a test may inject a failure or a pause (the steps before the commit). */
export type RestoreStep = 'verified' | 'safety-backup' | 'swapped' | 'checked';

/** Hooks for one restore. */
export interface RestoreHooks {
  readonly onProgress?: ProgressListener;
  /** Called with the pre-flight's plan before anything changes (to say what will be deleted). */
  readonly onPlan?: (plan: RestorePlan) => void;
  /** Called after each step; a throw here is treated like a failure of the restore itself. */
  readonly afterStep?: (step: RestoreStep) => void | Promise<void>;
  /**
   * Cancels the restore while it can still roll back (plan, stage, safety): checked between steps
   * and at every progress tick of a step. From the swap on it is ignored: the restore finishes.
   */
  readonly signal?: AbortSignal;
  /** Called synchronously as the swap begins: from then on the restore cannot be cancelled. */
  readonly onPointOfNoReturn?: () => void;
}

/** The error a cancelled restore ends with (after its rollback). */
function cancelled(phase: string): LifeboatError {
  return new LifeboatError('CANCELLED', `The restore was cancelled during ${phase}, before any target was replaced.`);
}

/** Progress that doubles as the cancel checkpoint inside long steps (extracting, the safety backup). */
class CancellableProgress extends ProgressTracker {
  constructor(jobId: string, listener: ProgressListener | undefined, private readonly checkpoint: () => void) {
    super(jobId, listener);
  }

  override addBytes(n: number): void {
    this.checkpoint();
    super.addBytes(n);
  }

  override fileDone(): void {
    this.checkpoint();
    super.fileDone();
  }
}

/** A finished restore. */
export interface RestoreResult {
  readonly id: string;
  readonly status: 'COMPLETED';
  readonly targets: readonly PlannedTarget[];
  readonly safetyBackupId: string | null;
  readonly warnings: readonly string[];
  readonly durationMs: number;
}

/**
 * The steps before the point of no return, in order: the journal records each one before it runs,
 * a failure in any of them rolls every target back. `after` names the hook, `event` the audit
 * event; which kinds of source a step handled go in the event's details, taken from the plan, so a
 * name never claims work the backup did not hold.
 */
const STEPS: readonly { readonly phase: RestorePhase; readonly run: (r: RestoreRun) => Promise<void>; readonly after: RestoreStep; readonly event: AuditEventName }[] = [
  { phase: 'stage', run: stage, after: 'verified', event: 'restore.verified' },
  { phase: 'safety', run: safety, after: 'safety-backup', event: 'restore.safety-backup' },
  { phase: 'swap', run: swap, after: 'swapped', event: 'restore.swapped' },
  { phase: 'check', run: check, after: 'checked', event: 'restore.checked' },
];

/** Text for the commit's leftovers, shared by the restore and its recovery. */
export function leftoverWarning(leftovers: readonly string[]): string {
  return `The restored state is in place, but the previous state could not be fully removed (Lifeboat retries at every start; you may delete it by hand): ${leftovers.join('; ')}`;
}

/**
 * Restore a backup as a journalled state machine: plan → stage → safety → swap → check → commit →
 * done. Before the commit, any failure (or a crash, on the next start) rolls every target back;
 * from the commit on, the new state is durable and checked, and only the old state is removed.
 */
export async function runRestore(env: EngineEnv, resolved: ResolvedTarget, req: RestoreRequest, hooks: RestoreHooks = {}): Promise<RestoreResult> {
  const phases = beginPhaseTimes('restore'); // bench and profiling only (util/phase-times.ts)
  phases.mark('pre-flight');
  let plan;
  // Before the swap a cancel throws at the next checkpoint; after it, the restore must finish.
  let noReturn = false;
  let phaseNow = 'the pre-flight';
  const checkpoint = (): void => {
    if (hooks.signal?.aborted && !noReturn) throw cancelled(phaseNow);
  };
  try {
    plan = await planRestore(env, resolved, req);
    hooks.onPlan?.(plan);
    checkpoint();
    assertPlanOk(plan, req);
  } catch (e) {
    // Refused before anything changed (damaged or hostile archive, failed pre-flight): still audited.
    env.catalog.audit.append({ actor: env.actor, action: 'restore.refused', target: resolved.stored?.path ?? resolved.path, outcome: 'failure', details: { backup: resolved.record?.id ?? null, ...toErrorInfo(e) } });
    throw e;
  }
  const started = env.now();
  const id = randomUUID();
  const repo = new RestoresRepo(env.catalog.db);
  const targets = plan.targets;

  // Issue 14: an encrypted backup is read from a private decrypted copy; what is recorded is the stored file.
  const archive = resolved.stored ?? { path: plan.archive, sha256: plan.sha256 };
  const audit = (action: AuditEventName, outcome: 'success' | 'failure' | 'info', details: Record<string, unknown>): void => {
    env.catalog.audit.append({ actor: env.actor, action, target: id, outcome, details: { backup: plan.backupId, archive: archive.path, sha256: archive.sha256, ...details } });
  };
  audit('restore.start', 'info', { targets: targets.map((t) => ({ source: t.source, kind: t.kind, target: t.target })) });
  const kinds = [...new Set(targets.map((t) => t.kind))];
  const log = new RunLog(() => env.now()); // run-log.ts: stored with the restore row when it ends
  log.info(`Restore ${id} of ${archive.path} (backup ${plan.backupId ?? 'not in the catalog'}): ${targets.map((t) => `${t.source} → ${t.target}`).join('; ')}`);

  const journal: RestoreJournal = { phase: 'plan', steps: [], scratch: [join(env.home, 'tmp', `restore-${id}`)], created: [] };
  repo.insert({ id, backupId: plan.backupId, archivePath: archive.path, archiveSha256: archive.sha256, startedBy: env.actor, host: env.host, startedAt: started.toISOString(), journal, targets: targets.map(({ connectUrl: _url, changes: _changes, ...t }) => t) });
  const run: RestoreRun = {
    env,
    plan,
    req,
    id,
    short: id.slice(0, 8),
    journal,
    save: () => repo.saveJournal(id, journal, run.safetyBackupId ?? undefined),
    progress: new CancellableProgress(id, hooks.onProgress, checkpoint),
    warnings: [],
    staged: new Map(),
    safetyBackupId: null,
    secrets: new PgSecrets(),
  };
  const enter = (phase: RestorePhase): void => {
    phases.mark(phase);
    journal.phase = phase;
    run.save();
    faultPoint(`restore:${phase}` as FaultPoint);
  };

  try {
    for (const step of STEPS) {
      checkpoint();
      if (step.phase === 'swap') {
        // Same tick as the last checkpoint: a cancel either threw above or arrives too late.
        noReturn = true;
        hooks.onPointOfNoReturn?.();
      }
      phaseNow = step.phase === 'stage' ? 'staging' : step.phase === 'safety' ? 'the safety backup' : step.phase;
      log.phase(step.phase);
      enter(step.phase);
      await step.run(run);
      audit(step.event, 'info', step.phase === 'safety' ? { kinds, safetyBackup: run.safetyBackupId } : { kinds });
      if (step.phase === 'stage') {
        faultPoint('restore:staged');
        await holdPoint('restore:staged');
      }
      if (step.phase === 'swap') faultPoint('restore:swapped');
      await hooks.afterStep?.(step.after);
    }
  } catch (raw) {
    const error = raw instanceof LifeboatError ? raw : new LifeboatError('RESTORE_FAILED', `Restore failed: ${toErrorInfo(raw).message}`, {}, { cause: raw });
    const { undone, failed } = await rollback(journal, run.secrets);
    log.endPhase('failed');
    log.error(`${error.code}: ${error.message}${undone.length ? ` Rolled back: ${undone.join('; ')}.` : ''}${failed.length ? ` Rollback incomplete: ${failed.join('; ')}.` : ''}`);
    saveRunLog(env.catalog.db, id, 'restore', log, env.now());
    repo.finish(id, failed.length ? 'FAILED' : 'ROLLED_BACK', env.now().toISOString(), error.toInfo());
    audit('restore.rollback', failed.length ? 'failure' : 'success', { error: error.toInfo(), undone, failed });
    throw new LifeboatError(
      error.code,
      `${error.message}${undone.length ? ` Rolled back: ${undone.join('; ')}.` : ''}${failed.length ? ` ROLLBACK INCOMPLETE: ${failed.join('; ')}. Restore from safety backup ${run.safetyBackupId ?? '(none)'}.` : ''}`,
      { ...error.details, restoreId: id, rolledBack: undone, rollbackFailed: failed, safetyBackupId: run.safetyBackupId },
    );
  }

  // The point of no return: recorded durably before any old state is removed.
  log.phase('commit');
  enter('commit');
  const leftovers = await commitRestore(journal, run.secrets);
  if (leftovers.length) {
    journal.leftovers = leftovers;
    run.warnings.push(leftoverWarning(leftovers));
  }
  enter('done');
  const finished = env.now();
  log.endPhase();
  for (const w of run.warnings) log.warn(w);
  log.info(`COMPLETED${run.safetyBackupId ? `; safety backup ${run.safetyBackupId}` : ''}`);
  saveRunLog(env.catalog.db, id, 'restore', log, finished);
  repo.finish(id, 'COMPLETED', finished.toISOString());
  audit('restore.complete', 'success', { safetyBackup: run.safetyBackupId, warnings: run.warnings, leftovers });
  run.progress.setPhase('done');
  await phases.finish('ok');
  return { id, status: 'COMPLETED', targets, safetyBackupId: run.safetyBackupId, warnings: run.warnings, durationMs: finished.getTime() - started.getTime() };
}
