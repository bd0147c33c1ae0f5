import { basename } from 'node:path';
import { formatBytes } from '../../../src-shared/domain/format.js';
import type { PathRef, RestorePlanView } from '../../../src-shared/ipc/contract.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { ResolvedTarget } from '../../engine/lifeboat-engine.js';
import type { RestorePlan, RestoreRequest } from '../../engine/restore/restore-plan.js';
import { restoreFailed, restoreSucceeded } from '../../engine/notify/outcomes.js';
import type { HandlerGroup } from '../handler.js';
import type { Services } from '../services.js';
import { checkedToolPaths } from './settings.js';
import { decryptionFor } from './encryption.js';

type Target = { id: string } | { archive: PathRef };
type Options = { only?: string[] | undefined; toDir?: PathRef | undefined; toSqlite?: PathRef | undefined; toPostgres?: string | undefined; safetyBackup: boolean; confirmSmaller?: boolean | undefined; useRecorded?: string[] | undefined };

const SQLITE_TARGET = ['sqlite', 'sqlite-save', 'file'] as const;

async function resolveTarget(s: Services, t: Target): Promise<ResolvedTarget> {
  if ('id' in t) return { path: s.engine.record(t.id).path, record: s.engine.record(t.id) };
  return s.engine.resolve(s.grants.peek(t.archive, ['archive', 'file'], 'the archive to restore'));
}

/** The engine's request; folder and file targets are resolved from their grants (checked, not used up). */
async function toRequest(s: Services, o: Options): Promise<RestoreRequest> {
  const { pgRestorePath } = await checkedToolPaths(s);
  return {
    ...(o.only?.length ? { only: o.only } : {}),
    ...(o.toDir ? { toDir: s.grants.peek(o.toDir, ['folder'], 'the restore folder') } : {}),
    ...(o.toSqlite ? { toSqlite: s.grants.peek(o.toSqlite, SQLITE_TARGET, 'the restore database file') } : {}),
    ...(o.toPostgres ? { toPostgres: o.toPostgres } : {}),
    safetyBackup: o.safetyBackup,
    ...(o.confirmSmaller ? { confirmSmaller: true } : {}),
    ...(o.useRecorded?.length ? { useRecorded: o.useRecorded } : {}),
    ...(pgRestorePath ? { pgRestorePath } : {}),
  };
}

/** main's own question before a restore replaces anything: the renderer cannot answer it. */
async function confirmOverwrite(s: Services, archive: string, plan: RestorePlan, safetyBackup: boolean): Promise<void> {
  // Over existing data, or anywhere an archive from elsewhere recorded (even where nothing exists yet).
  const existing = plan.targets.filter((t) => t.exists || t.origin === 'recorded');
  if (existing.length === 0) return;
  const lines = existing.slice(0, 10).map((t) => {
    const c = t.changes;
    const what = c ? `: deletes ${c.deleted.count} file(s), replaces ${c.replaced.count}, adds ${c.added.count}` : t.overwriteBytes !== null ? `: replaces ${formatBytes(t.overwriteBytes)}` : ': replaces the database';
    return `• ${t.source} → ${t.target}${t.origin === 'recorded' ? ' (the place recorded in the archive, which did not come from this machine)' : ''}${t.exists ? what : ': new'}`;
  });
  if (existing.length > 10) lines.push(`• and ${existing.length - 10} more`);
  const yes = await s.desktop.confirm({
    title: 'Restore over existing data',
    message: `Restore the contents of ${basename(archive)} into ${existing.length} target(s) that hold data now or that the archive chose?`,
    detail: `${lines.join('\n')}\n\n${safetyBackup ? 'A safety backup of what is replaced is taken first.' : 'No safety backup is taken: this cannot be undone.'}`,
    confirmLabel: 'Restore and replace',
  });
  if (!yes) throw new LifeboatError('CANCELLED', `The restore of ${basename(archive)} did not start: replacing ${existing.map((t) => t.target).join(', ').slice(0, 300)} was not confirmed. Nothing was changed.`);
}

/** restore:* and import:* handlers. */
export const restoreHandlers: HandlerGroup<'restore:plan' | 'restore:start' | 'import:archive'> = {
  'restore:plan': async (s, p): Promise<RestorePlanView> => {
    const target = await resolveTarget(s, p.target);
    const plan = await s.engine.planRestore(target, await toRequest(s, p.options), target.record ? decryptionFor(s, target.record) : undefined);
    const bytes = plan.targets.reduce((n, t) => n + t.writeBytes, 0);
    // Learned from past throughput: restores write about what backups read, so the recent backup rate is the estimate.
    const throughput = s.engine.env.catalog.backups.stats().throughput;
    return {
      archive: plan.archive,
      backupName: basename(plan.archive),
      sha256: plan.sha256,
      checksumSource: plan.checksumSource,
      checksumOk: plan.checksumOk,
      sources: plan.manifest.sources.map((src) => ({
        name: src.name,
        kind: src.kind,
        rows: src.kind === 'folder' ? null : src.totalRows,
        files: src.kind === 'folder' ? src.files : null,
      })),
      targets: plan.targets.map(({ connectUrl: _c, ...t }) => t),
      problems: plan.problems,
      smaller: plan.smaller,
      estimatedSeconds: throughput ? Math.max(1, Math.round(bytes / throughput)) : null,
    };
  },

  'restore:start': async (s, p) => {
    const target = await resolveTarget(s, p.target);
    if (p.confirmName !== basename(target.path)) {
      throw new LifeboatError('USAGE', `Type the backup's name exactly (${basename(target.path)}) to confirm the restore.`);
    }
    const req = await toRequest(s, p.options);
    const key = target.record ? decryptionFor(s, target.record) : undefined; // encryption at rest (issue 14)
    // A plan that cannot be made (a damaged archive) means the restore cannot write either: the job
    // then fails with the engine's own error, and its notification, as before.
    const plan = await s.engine.planRestore(target, req, key).catch(() => null);
    if (plan) await confirmOverwrite(s, target.path, plan, p.options.safetyBackup);
    // The grants served this restore; they cannot start another one.
    s.grants.consume([p.options.toDir, p.options.toSqlite, 'archive' in p.target ? p.target.archive : undefined].filter((r): r is PathRef => r !== undefined));
    const jobId = s.jobs.start(
      'restore',
      `Restore of ${basename(target.path)}`,
      async (_signal, onProgress) => {
        try {
          const r = await s.engine.restore(target, req, { onProgress }, key);
          if (s.settings.get().notifications) s.desktop.notify('Restore completed', `${r.targets.length} target(s) restored from ${basename(target.path)}`);
          await s.mailer?.send(restoreSucceeded(target.path, target.record?.sha256 ?? '', r));
          return { id: r.id, summary: r.targets.map((t) => `${t.source} → ${t.target}`).join(', '), safetyBackupId: r.safetyBackupId };
        } catch (e) {
          if (s.settings.get().notifications) s.desktop.notify('Restore failed', (e as Error).message);
          await s.mailer?.send(restoreFailed(target.path, e));
          throw e;
        }
      },
      false,
    );
    return { jobId };
  },

  'import:archive': async (s, p) => {
    const r = await s.engine.import(s.grants.take(p.archive, ['archive', 'file'], 'the import'));
    s.emit('catalog:changed', { reason: 'imported' });
    return { id: r.id, duplicate: r.duplicate, kind: r.kind, warnings: r.warnings };
  },
};
