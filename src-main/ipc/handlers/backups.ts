import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { receiptFor, receiptName } from '../../engine/notify/receipt.js';
import { formatBytes, formatDuration } from '../../../src-shared/domain/format.js';
import type { PathRef } from '../../../src-shared/ipc/contract.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { defaultBackupDir } from '../../engine/home.js';
import type { BackupRequest } from '../../engine/jobs/backup-job.js';
import { backupFailed, backupSucceeded } from '../../engine/notify/outcomes.js';
import type { HandlerGroup } from '../handler.js';
import { grantedSourcePaths } from '../path-checks.js';
import type { Services } from '../services.js';
import { encryptionFor, decryptionFor } from './encryption.js';
import { describeRetention, type SourceSpec } from '../../../src-shared/domain/profile.js';
import { estimateSources } from '../../engine/jobs/estimate.js';
import { describeHook } from '../../engine/jobs/hooks.js';
import { RunLogsRepo } from '../../engine/jobs/run-log.js';
import { withPassword } from '../../engine/sources/postgres-source.js';
import { getBound, pgBinding } from '../bound-secrets.js';
import { passwordKey, sourcesWithSecrets } from './profiles.js';
import { checkedToolPaths } from './settings.js';
import { copyToProfileRemotes, offsiteSummary } from './remotes.js'; // off-site remotes (issue 14)

/** A backup:start payload; the scheduler may also start SCHEDULED runs (the renderer may not). */
type StartPayload = Omit<Parameters<HandlerGroup<'backup:start'>['backup:start']>[1], 'trigger' | 'pathGrants'> & {
  trigger: 'MANUAL' | 'TRAY' | 'SCHEDULED';
  pathGrants?: readonly PathRef[];
};

function backupRequest(s: Services, p: StartPayload): BackupRequest {
  const destinationOf = (d: string | null): string => d ?? defaultBackupDir(s.engine.env.home);
  const pgDumpPath = s.settings.get().pgDumpPath ?? undefined;
  if (p.profile) {
    const profile = s.engine.profiles.get(p.profile);
    return {
      sources: sourcesWithSecrets(s, profile),
      type: p.type ?? profile.spec.type,
      format: p.format ?? profile.spec.format,
      destination: destinationOf(profile.spec.destination),
      description: p.description,
      trigger: p.trigger,
      profile: profile.name,
      options: profile.spec.options,
      verify: profile.spec.options.verify,
      hooks: profile.spec.hooks,
      ...(pgDumpPath ? { pgDumpPath } : {}),
      ...encryptionFor(s, profile),
    };
  }
  if (!p.sources?.length) throw new LifeboatError('USAGE', 'Choose a profile, or add at least one source to back up.');
  // Ad-hoc sources name paths to read and, later, to restore to: each one must come from a dialog.
  s.grants.consume(grantedSourcePaths(s, 'the ad-hoc backup', p.sources, null, p.pathGrants ?? []));
  return {
    sources: p.sources,
    type: p.type ?? 'full',
    format: p.format ?? 'zip',
    destination: destinationOf(null),
    description: p.description,
    trigger: p.trigger,
    profile: null,
    options: { allowEmpty: false, skipUnreadable: false },
    ...(pgDumpPath ? { pgDumpPath } : {}),
  };
}

/** Start a backup as a job; used by IPC and the tray alike. */
export function startBackupJob(s: Services, p: StartPayload): string {
  const req = backupRequest(s, p);
  const label = req.profile ? `Backup of ${req.profile}` : 'Ad-hoc backup';
  return s.jobs.start('backup', label, async (signal, onProgress) => {
    let id: string | null = null;
    try {
      await checkedToolPaths(s);
      const r = await s.engine.backup(req, { signal, onProgress, onStarted: (x) => (id = x) });
      // Off-site remote destinations (issue 14): after the local commit; a failure is the copy's, never the backup's.
      const offsite = offsiteSummary(await copyToProfileRemotes(s, req.profile, r.id, signal));
      const summary = `${r.fileName}: ${formatBytes(r.size)} in ${formatDuration(r.durationMs)}${offsite ? `; ${offsite}` : ''}`;
      if (s.settings.get().notifications) s.desktop.notify(`${label} completed`, summary, r.id);
      await s.mailer?.send(backupSucceeded(req, r));
      return { id: r.id, summary };
    } catch (e) {
      const cancelled = e instanceof LifeboatError && e.code === 'CANCELLED';
      if (s.settings.get().notifications && !cancelled) s.desktop.notify(`${label} failed`, (e as Error).message, id ?? undefined);
      if (!cancelled) await s.mailer?.send(backupFailed(req, id, e));
      throw e;
    }
  });
}

/** history:*, backup:* and job:* handlers. */
export const backupHandlers: HandlerGroup<
  | 'history:query'
  | 'backup:get-details'
  | 'backup:start'
  | 'backup:verify'
  | 'backup:delete'
  | 'backup:export'
  | 'backup:show-in-folder'
  | 'backup:save-receipt'
  | 'job:cancel'
  | 'job:list-active'
  | 'backup:estimate'
  | 'run-log:get'
> = {
  // Straight to the catalog: the engine's history() is the CLI's and knows no sort order.
  'history:query': async (s, q) => s.engine.env.catalog.backups.query(q),

  'backup:get-details': async (s, p) => {
    const record = s.engine.record(p.id);
    const manifest = record.status === 'COMPLETED' ? await s.engine.manifestOf({ path: record.path, record }).catch(() => null) : null;
    return { record, manifest };
  },

  'backup:start': async (s, p) => ({ jobId: startBackupJob(s, p) }),

  'backup:verify': async (s, p) => {
    const record = s.engine.record(p.id);
    const key = decryptionFor(s, record);
    const report = await s.engine.verify({ path: record.path, record }, undefined, key ? { key } : {});
    s.emit('catalog:changed', { reason: 'verified' });
    return { ok: report.ok, problems: report.problems, sha256: report.sha256 };
  },

  'backup:delete': async (s, p) => {
    const record = s.engine.record(p.id);
    const safety = record.trigger === 'PRE_RESTORE_SAFETY';
    const yes = await s.desktop.confirm({
      title: safety ? 'Delete safety backup' : 'Delete backup',
      message: `Delete ${safety ? 'the safety backup' : 'the backup'} ${record.fileName}?`,
      detail: `${safety ? 'It holds what a restore replaced; without it that restore cannot be undone. ' : ''}The archive at ${record.path} (${formatBytes(record.size ?? 0)}, ${record.createdAt.slice(0, 16).replace('T', ' ')}) is deleted from disk.`,
      confirmLabel: safety ? 'Delete safety backup' : 'Delete backup',
    });
    if (!yes) throw new LifeboatError('CANCELLED', `${record.fileName} was not deleted: the deletion was not confirmed.`, { id: p.id });
    await s.engine.delete(record);
    s.emit('catalog:changed', { reason: 'deleted' });
    return { id: p.id };
  },

  'backup:export': async (s, p) => {
    const record = s.engine.record(p.id);
    // A folder from main's own dialog, or one the user chose in a dialog before (a grant, used up here).
    const destination = p.destination ? s.grants.take(p.destination, ['folder'], 'the export') : await s.desktop.pickPath('folder');
    if (!destination) return null;
    const r = await s.engine.export(record, destination);
    return { path: r.path, sha256: r.sha256 };
  },

  'backup:show-in-folder': async (s, p) => {
    const record = s.engine.record(p.id);
    s.desktop.showItemInFolder(record.status === 'COMPLETED' ? record.path : dirname(record.path));
    return null;
  },

  'backup:save-receipt': async (s, p) => {
    const record = s.engine.record(p.id);
    const dir = await s.desktop.pickPath('folder');
    if (!dir) return null;
    const path = join(dir, receiptName(record.id, record.path));
    await writeFile(path, (await receiptFor(s.engine.env, record.id)).html);
    s.desktop.showItemInFolder(path);
    return { path };
  },

  'job:cancel': async (s, p) => ({ cancelled: s.jobs.cancel(p.jobId) }),

  'backup:estimate': async (s, p) => {
    let sources: SourceSpec[];
    const profile = p.profile ? s.engine.profiles.get(p.profile) : undefined;
    if (profile) sources = sourcesWithSecrets(s, profile);
    else if (p.sources?.length) {
      // Only paths the stored profile already has, or ones chosen in a dialog, are looked at (peeked, not used up).
      const existing = p.existing ? s.engine.profiles.find(p.existing) : undefined;
      grantedSourcePaths(s, 'testing sources', p.sources, null, p.pathGrants, existing);
      sources = p.sources.map((src, i) => {
        if (src.kind !== 'postgres') return src;
        const stored = existing ? getBound(s.secrets, passwordKey(existing.name, i), pgBinding(src.url)) : undefined;
        return { ...src, url: withPassword(src.url, p.passwords[String(i)] || stored) };
      });
    } else throw new LifeboatError('USAGE', 'Choose a profile, or add at least one source to estimate.');
    const estimates = await estimateSources(sources);
    const spec = profile?.spec;
    return {
      sources: estimates,
      totalBytes: estimates.reduce((n, e) => n + (e.bytes ?? 0), 0),
      unknown: estimates.filter((e) => e.bytes === null).length,
      settings: {
        type: p.type ?? spec?.type ?? 'full',
        format: p.format ?? spec?.format ?? 'zip',
        compressionLevel: 6,
        verify: spec?.options.verify ?? true,
        destination: spec?.destination ?? defaultBackupDir(s.engine.env.home),
        retention: spec ? describeRetention(spec.retention) : 'ad-hoc backups are kept until deleted',
        hooks: { pre: spec?.hooks.pre ? describeHook('pre', spec.hooks.pre) : null, post: spec?.hooks.post ? describeHook('post', spec.hooks.post) : null },
      },
    };
  },

  'run-log:get': async (s, p) => {
    // A backup id (or unique prefix) first, then a restore id.
    const id = s.engine.env.catalog.backups.get(p.id)?.id ?? p.id;
    const log = new RunLogsRepo(s.engine.env.catalog.db).get(id);
    return log ? { id: log.id, kind: log.kind, text: log.text } : null;
  },
  'job:list-active': async (s) => s.jobs.active(),
};
