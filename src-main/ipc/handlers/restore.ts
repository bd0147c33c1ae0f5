import { basename } from 'node:path';
import type { RestorePlanView } from '../../../src-shared/ipc/contract.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { ResolvedTarget } from '../../engine/lifeboat-engine.js';
import type { RestoreRequest } from '../../engine/restore/restore-plan.js';
import { restoreFailed, restoreSucceeded } from '../../engine/notify/outcomes.js';
import type { HandlerGroup } from '../handler.js';
import type { Services } from '../services.js';

type Target = { id: string } | { path: string };
type Options = { only?: string[] | undefined; toDir?: string | undefined; toSqlite?: string | undefined; toPostgres?: string | undefined; safetyBackup: boolean; confirmSmaller?: boolean | undefined };

async function resolveTarget(s: Services, t: Target): Promise<ResolvedTarget> {
  return 'id' in t ? { path: s.engine.record(t.id).path, record: s.engine.record(t.id) } : s.engine.resolve(t.path);
}

function toRequest(o: Options): RestoreRequest {
  return {
    ...(o.only?.length ? { only: o.only } : {}),
    ...(o.toDir ? { toDir: o.toDir } : {}),
    ...(o.toSqlite ? { toSqlite: o.toSqlite } : {}),
    ...(o.toPostgres ? { toPostgres: o.toPostgres } : {}),
    safetyBackup: o.safetyBackup,
    ...(o.confirmSmaller ? { confirmSmaller: true } : {}),
  };
}

/** restore:* and import:* handlers. */
export const restoreHandlers: HandlerGroup<'restore:plan' | 'restore:start' | 'import:archive'> = {
  'restore:plan': async (s, p): Promise<RestorePlanView> => {
    const target = await resolveTarget(s, p.target);
    const plan = await s.engine.planRestore(target, toRequest(p.options));
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
    const jobId = s.jobs.start(
      'restore',
      `Restore of ${basename(target.path)}`,
      async (_signal, onProgress) => {
        try {
          const r = await s.engine.restore(target, toRequest(p.options), { onProgress });
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
    const r = await s.engine.import(p.path);
    s.emit('catalog:changed', { reason: 'imported' });
    return { id: r.id, duplicate: r.duplicate, kind: r.kind, warnings: r.warnings };
  },
};
