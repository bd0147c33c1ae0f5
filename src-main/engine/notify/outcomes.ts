import type { ErrorInfo } from '../../../src-shared/errors/lifeboat-error.js';
import { toErrorInfo } from '../../../src-shared/errors/lifeboat-error.js';
import type { BackupRequest, BackupResult } from '../jobs/backup-job.js';
import type { RestoreResult } from '../restore/restore-job.js';
import type { EngineEnv } from '../engine-env.js';
import { offsiteOf } from './offsite.js';
import type { Outcome } from './templates.js';

/** A finished backup as an email/receipt outcome. */
export function backupSucceeded(req: BackupRequest, r: BackupResult): Outcome {
  return {
    kind: 'backup',
    ok: true,
    id: r.id,
    fileName: r.fileName,
    path: r.path,
    size: r.size,
    sha256: r.sha256,
    durationMs: r.durationMs,
    trigger: req.trigger,
    profile: req.profile,
    verified: r.verifiedAt !== null,
    sources: r.summary.sources.map((s) => `${s.name} (${s.kind}${s.rows !== null ? `, ${s.rows} rows` : `, ${s.files ?? 0} files`})`),
  };
}

/** A failed backup; `id` is the catalog row's (from onStarted), or a placeholder when it failed before one existed. */
export function backupFailed(req: BackupRequest, id: string | null, e: unknown): Outcome {
  return { kind: 'backup', ok: false, id: id ?? 'not-started', profile: req.profile, trigger: req.trigger, error: toErrorInfo(e) };
}

/** A finished restore. */
export function restoreSucceeded(archive: string, sha256: string, r: RestoreResult): Outcome {
  return {
    kind: 'restore',
    ok: true,
    id: r.id,
    archive,
    sha256,
    targets: r.targets.map((t) => `${t.source} → ${t.target}`),
    safetyBackupId: r.safetyBackupId,
    durationMs: r.durationMs,
  };
}

/** A failed restore (its targets were rolled back). */
export function restoreFailed(archive: string, e: unknown): Outcome {
  const info: ErrorInfo = toErrorInfo(e);
  const id = typeof info.details?.restoreId === 'string' ? info.details.restoreId : 'not-started';
  return { kind: 'restore', ok: false, id, archive, error: info };
}

/**
 * A succeeded backup with its off-site state read from the catalog at send time (issue 14): the
 * callers mail after the copies ran, so every message says VERIFIED / FAILED (reason) / PENDING per
 * remote without each caller having to pass the copies along.
 */
export function withOffsite(env: EngineEnv, o: Outcome): Outcome {
  if (o.kind !== 'backup' || !o.ok || o.offsite) return o;
  const offsite = offsiteOf(env, o.id, o.profile);
  return offsite.length ? { ...o, offsite } : o;
}
