import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdir, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LifeboatError, toErrorInfo } from '../../../src-shared/errors/lifeboat-error.js';
import type { Manifest, ManifestSource } from '../../../src-shared/manifest/schema.js';
import type { EngineEnv } from '../engine-env.js';
import { defaultBackupDir } from '../home.js';
import { runBackup } from '../jobs/backup-job.js';
import { ProgressTracker, type ProgressListener } from '../jobs/progress-tracker.js';
import type { ResolvedTarget } from '../lifeboat-engine.js';
import { resolvePgTool } from '../sources/pg-tools.js';
import { parsePgUrl } from '../sources/postgres-source.js';
import { PackPool, type PathFacts } from '../workers/pack-pool.js';
import { inspectSqliteInWorker } from '../workers/untrusted-sqlite.js';
import { verifyAndExtract } from './extract.js';
import type { JournalStep, RestoreJournal } from './journal.js';
import { RestoresRepo } from './journal.js';
import { connectAdmin, urlWithDatabase } from './pg-admin.js';
import { assertCustomDump, pgRestoreInto } from './pg-restore.js';
import { assertPlanOk, planRestore, type PlannedTarget, type RestoreRequest } from './restore-plan.js';
import { commit, rollback } from './rollback.js';

/** Points after which a test may inject a failure or a pause. */
export type RestoreStep = 'verified' | 'safety-backup' | 'folders-swapped' | 'sqlite-restored' | 'postgres-restored' | 'checked';

/** Hooks for one restore. */
export interface RestoreHooks {
  readonly onProgress?: ProgressListener;
  /** Called after each step; a throw here is treated like a failure of the restore itself. */
  readonly afterStep?: (step: RestoreStep) => void | Promise<void>;
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

function compareRows(what: string, want: readonly { name: string; rows: number }[], got: readonly { name: string; rows: number }[]): string[] {
  return want.flatMap((t) => {
    const g = got.find((x) => x.name === t.name);
    return g && g.rows === t.rows ? [] : [`${what}: table ${t.name} has ${g?.rows ?? 'no'} rows, the manifest says ${t.rows}`];
  });
}


/** After the swap, re-read what landed at the target and compare it with the manifest. */
async function checkFolder(manifest: Manifest, source: Extract<ManifestSource, { kind: 'folder' }>, target: string): Promise<string[]> {
  const problems: string[] = [];
  const root = source.prefix.replace(/\/$/, '');
  const entries = manifest.entries.filter((x) => x.source === source.name);
  const paths = entries.map((e) => (e.path === root ? target : join(target, e.path.slice(source.prefix.length))));
  // Worker threads lstat and hash what landed, in batches; the answers come back in order.
  const workers = new PackPool();
  let facts: PathFacts[];
  try {
    const batches: Promise<PathFacts[]>[] = [];
    for (let i = 0; i < entries.length; i += 256) {
      batches.push(workers.inspect(entries.slice(i, i + 256).map((e, j) => ({ path: paths[i + j] ?? '', hash: e.kind === 'file' }))));
    }
    facts = (await Promise.all(batches)).flat();
  } finally {
    await workers.close();
  }
  entries.forEach((e, i) => {
    const p = paths[i] ?? '';
    const f = facts[i];
    if (!f || f.type === 'missing') problems.push(`${p} is missing after the restore`);
    else if (f.type === 'error') problems.push(`${p} cannot be checked (${f.error?.message ?? 'error'})`);
    else if (e.kind === 'file' && (f.type !== 'file' || f.size !== e.size || f.sha256 !== e.sha256)) problems.push(`${p} does not match its SHA-256`);
    else if (e.kind === 'symlink' && (f.type !== 'symlink' || f.target !== e.target)) problems.push(`${p} is not the expected symlink`);
    else if (e.kind === 'directory' && f.type !== 'directory') problems.push(`${p} is not a folder`);
  });
  return problems;
}

/**
 * Restore a backup: pre-flight, verify every entry while staging, safety backup of what will be
 * overwritten, swap folders into place, restore SQLite through the backup API and PostgreSQL into
 * a new database that is renamed into place, check what was written, then drop the old state.
 * Any failure rolls every target back from the journal.
 */
export async function runRestore(env: EngineEnv, resolved: ResolvedTarget, req: RestoreRequest, hooks: RestoreHooks = {}): Promise<RestoreResult> {
  let plan;
  try {
    plan = await planRestore(env, resolved, req);
    assertPlanOk(plan);
  } catch (e) {
    // Refused before anything changed (damaged or hostile archive, failed pre-flight): still audited.
    env.catalog.audit.append({ actor: env.actor, action: 'restore.refused', target: resolved.path, outcome: 'failure', details: { backup: resolved.record?.id ?? null, ...toErrorInfo(e) } });
    throw e;
  }
  const started = env.now();
  const id = randomUUID();
  const short = id.slice(0, 8);
  const repo = new RestoresRepo(env.catalog.db);
  const progress = new ProgressTracker(id, hooks.onProgress);
  const targets = plan.targets;
  repo.insert({ id, backupId: plan.backupId, archivePath: plan.archive, archiveSha256: plan.sha256, startedBy: env.actor, host: env.host, startedAt: started.toISOString(), targets });
  const audit = (action: string, outcome: 'success' | 'failure' | 'info', details: Record<string, unknown>): void => {
    env.catalog.audit.append({ actor: env.actor, action, target: id, outcome, details: { backup: plan.backupId, archive: plan.archive, sha256: plan.sha256, ...details } });
  };
  audit('restore.start', 'info', { targets: targets.map((t) => ({ source: t.source, target: t.target })) });

  const work = join(env.home, 'tmp', `restore-${id}`);
  const journal: RestoreJournal = { steps: [], scratch: [work], created: [] };
  const save = (safety?: string): void => repo.saveJournal(id, journal, safety);
  const step = async (s: RestoreStep): Promise<void> => {
    audit(`restore.${s}`, 'info', {});
    await hooks.afterStep?.(s);
  };
  let safetyBackupId: string | null = null;
  const warnings: string[] = [];

  try {
    // 1. Stage and verify: every entry is hashed; the selected ones land in staging beside their target.
    await mkdir(work, { recursive: true });
    const destinations = new Map<string, string>();
    const staged = new Map<string, string>();
    for (const t of targets) {
      const src = plan.manifest.sources.find((s) => s.name === t.source);
      if (!src) continue;
      if (src.kind === 'folder') {
        const stage = join(dirname(t.target), `.lifeboat-restore-${short}-${basename(t.target)}`);
        journal.scratch.push(stage);
        staged.set(t.source, stage);
        const root = src.prefix.replace(/\/$/, '');
        for (const e of plan.manifest.entries.filter((x) => x.source === src.name)) {
          destinations.set(e.path, e.path === root ? stage : join(stage, e.path.slice(src.prefix.length)));
        }
      } else {
        const file = join(work, `${src.name}.${src.kind === 'sqlite' ? 'sqlite' : 'pgdump'}`);
        staged.set(t.source, file);
        destinations.set(src.entry, file);
      }
    }
    save();
    progress.setPhase('verifying', { bytes: plan.manifest.totals.bytes, files: plan.manifest.totals.files });
    journal.created?.push(...(await mkdirParents(targets)));
    save();
    await verifyAndExtract(plan.archive, plan.format, plan.manifest, destinations, (n) => progress.addBytes(n), req.applyOwners === true);
    // The staged databases are checked side by side.
    await Promise.all(
      targets.map(async (t) => {
        const src = plan.manifest.sources.find((s) => s.name === t.source);
        const file = staged.get(t.source) ?? '';
        if (src?.kind === 'sqlite') {
          const facts = await inspectSqliteInWorker(file);
          const bad = facts.integrityCheck !== 'ok' ? [`integrity_check: ${facts.integrityCheck.slice(0, 200)}`] : compareRows(src.entry, src.tables, facts.tables);
          if (bad.length) throw new LifeboatError('SQLITE_CORRUPT', `The SQLite database in the archive (${src.entry}) is not what its manifest describes: ${bad.join('; ')}. Nothing was restored.`, { entry: src.entry });
        }
        if (src?.kind === 'postgres') await assertCustomDump(await resolvePgTool('pg_restore', req.pgRestorePath ?? process.env.LIFEBOAT_PG_RESTORE), file, src.entry);
      }),
    );
    await step('verified');

    // 2. Safety backup of exactly what will be overwritten.
    const existing = targets.filter((t) => t.exists);
    if (req.safetyBackup !== false && existing.length > 0) {
      const safety = await runBackup(env, {
        sources: existing.map((t) =>
          t.kind === 'folder' ? { kind: 'folder', name: t.source, path: t.target, include: [], exclude: [], gitignore: false } : t.kind === 'sqlite' ? { kind: 'sqlite', name: t.source, path: t.target } : { kind: 'postgres', name: t.source, url: t.connectUrl ?? t.target },
        ),
        type: 'full',
        format: 'zip',
        destination: defaultBackupDir(env.home),
        description: `Safety backup before restore ${short} of ${plan.backupId?.slice(0, 8) ?? basename(plan.archive)}`,
        trigger: 'PRE_RESTORE_SAFETY',
        profile: null,
        options: { allowEmpty: true, skipUnreadable: false },
      });
      safetyBackupId = safety.id;
      save(safetyBackupId);
    }
    await step('safety-backup');

    // 3. Folders: rename the old tree aside, the staged tree into place (same file system: atomic).
    progress.setPhase('restoring', { bytes: 0, files: targets.length });
    for (const t of targets.filter((x) => x.kind === 'folder')) {
      const s: JournalStep = { kind: 'folder', target: t.target, old: join(dirname(t.target), `.lifeboat-old-${short}-${basename(t.target)}`), staged: staged.get(t.source) ?? '', existed: t.exists };
      journal.steps.push(s);
      save();
      if (t.exists) await rename(t.target, s.old);
      await rename(s.staged, t.target);
      progress.item(t.target);
    }
    await step('folders-swapped');
    // What landed in the folders is re-read (by worker threads) while the databases are restored.
    const folderChecks = Promise.all(
      targets
        .filter((x) => x.kind === 'folder')
        .map(async (t) => {
          const src = plan.manifest.sources.find((x) => x.name === t.source);
          return src?.kind === 'folder' ? checkFolder(plan.manifest, src, t.target) : [];
        }),
    );
    folderChecks.catch(() => undefined); // awaited below

    // 4. SQLite: through the backup API into the live file, after keeping a copy aside.
    for (const t of targets.filter((x) => x.kind === 'sqlite')) {
      const s: JournalStep & { kind: 'sqlite' } = { kind: 'sqlite', target: t.target, aside: join(work, `${t.source}.before.sqlite`), existed: t.exists, phase: 'saving' };
      journal.steps.push(s);
      save();
      if (t.exists) await backupFile(t.target, s.aside);
      s.phase = 'replacing';
      save();
      // A live database is written through the backup API (its users see a consistent switch);
      // a new one is the checked staged file itself, renamed into place when on the same disk.
      const file = staged.get(t.source) ?? '';
      if (t.exists || !(await rename(file, t.target).then(() => true, () => false))) await backupFile(file, t.target);
      const src = plan.manifest.sources.find((x) => x.name === t.source);
      // The staged copy passed integrity_check above; what landed gets the faster quick_check.
      const facts = await inspectSqliteInWorker(t.target, 60 * 60 * 1000, true);
      const bad = facts.integrityCheck !== 'ok' ? [`integrity_check: ${facts.integrityCheck}`] : src?.kind === 'sqlite' ? compareRows(t.target, src.tables, facts.tables) : [];
      if (bad.length) throw new LifeboatError('RESTORE_FAILED', `The restored SQLite database ${t.target} does not match the manifest: ${bad.join('; ')}`);
      progress.item(t.target);
    }
    await step('sqlite-restored');

    // 5. PostgreSQL: restore into a new database, check it, then rename it into place.
    for (const t of targets.filter((x) => x.kind === 'postgres')) {
      const url = t.connectUrl ?? t.target;
      const database = parsePgUrl(url).database;
      const s = { kind: 'postgres' as const, url: urlWithDatabase(url, 'postgres'), database, staged: `${database}_lb_${short}`, old: `${database}_lb_old_${short}`, existed: t.exists, phase: 'restoring' as 'restoring' | 'renamed-old' | 'swapped' };
      journal.steps.push(s);
      save();
      const admin = await connectAdmin(s.url);
      try {
        await admin.create(s.staged);
        const tool = await resolvePgTool('pg_restore', req.pgRestorePath ?? process.env.LIFEBOAT_PG_RESTORE);
        warnings.push(...(await pgRestoreInto(tool, urlWithDatabase(url, s.staged), staged.get(t.source) ?? '')));
        const src = plan.manifest.sources.find((x) => x.name === t.source);
        const bad = src?.kind === 'postgres' ? compareRows(`database ${s.staged}`, src.tables, await admin.rowCounts(s.staged)) : [];
        if (bad.length) throw new LifeboatError('RESTORE_FAILED', `The restored PostgreSQL database does not match the manifest: ${bad.join('; ')}`);
        if (t.exists) {
          s.phase = 'renamed-old';
          save();
          await admin.rename(database, s.old).catch((e: Error) => {
            throw new LifeboatError('RESTORE_FAILED', `Cannot swap in the restored database: renaming "${database}" failed (${e.message}). Close the applications connected to it and retry.`);
          });
        }
        s.phase = 'swapped';
        save();
        await admin.rename(s.staged, database);
      } finally {
        await admin.close();
      }
      progress.item(t.target);
    }
    await step('postgres-restored');

    // 6. Success is decided by what landed: re-read the folders (databases were checked above).
    progress.setPhase('checking');
    const problems = (await folderChecks).flat();
    if (problems.length) throw new LifeboatError('RESTORE_FAILED', `What was restored does not match the manifest: ${problems.slice(0, 5).join('; ')}`, { problems });
    await step('checked');

    await commit(journal);
    const finished = env.now();
    repo.finish(id, 'COMPLETED', finished.toISOString());
    audit('restore.complete', 'success', { safetyBackup: safetyBackupId, warnings });
    progress.setPhase('done');
    return { id, status: 'COMPLETED', targets, safetyBackupId, warnings, durationMs: finished.getTime() - started.getTime() };
  } catch (raw) {
    const error = raw instanceof LifeboatError ? raw : new LifeboatError('RESTORE_FAILED', `Restore failed: ${toErrorInfo(raw).message}`, {}, { cause: raw });
    const { undone, failed } = await rollback(journal);
    repo.finish(id, failed.length ? 'FAILED' : 'ROLLED_BACK', env.now().toISOString(), error.toInfo());
    audit('restore.rollback', failed.length ? 'failure' : 'success', { error: error.toInfo(), undone, failed });
    throw new LifeboatError(
      error.code,
      `${error.message}${undone.length ? ` Rolled back: ${undone.join('; ')}.` : ''}${failed.length ? ` ROLLBACK INCOMPLETE: ${failed.join('; ')}. Restore from safety backup ${safetyBackupId ?? '(none)'}.` : ''}`,
      { ...error.details, restoreId: id, rolledBack: undone, rollbackFailed: failed, safetyBackupId },
    );
  }
}

/** Create the targets' parent folders; returns the topmost folder each call created. */
async function mkdirParents(targets: readonly PlannedTarget[]): Promise<string[]> {
  const created: string[] = [];
  for (const t of targets) {
    if (t.kind === 'postgres') continue;
    const first = await mkdir(dirname(t.target), { recursive: true });
    if (first) created.push(first);
  }
  return created;
}

/** Copy a SQLite database through the backup API (consistent even while others use `to`). */
async function backupFile(from: string, to: string): Promise<void> {
  const db = new Database(from, { readonly: true, fileMustExist: true });
  try {
    await db.backup(to);
  } finally {
    db.close();
  }
}
