import { formatDateTime } from '../../src-shared/domain/format.js';
import { describeSchedule } from '../../src-shared/domain/schedule.js';
import { LifeboatError } from '../../src-shared/errors/lifeboat-error.js';
import { Scheduler } from '../engine/schedule/scheduler.js';
import { missedWindow } from '../engine/schedule/slots.js';
import { startBackupJob } from './handlers/backups.js';
import { decryptionFor } from './handlers/encryption.js';
import { isEncryptedPath } from '../engine/crypto/encrypt-archive.js';
import { verifyRemotes, type RemoteCopyOutcome } from '../engine/remote/remote-copy.js';
import { remoteSecrets } from './handlers/remotes.js';
import type { Services } from './services.js';

/** The app's scheduler: scheduled runs go through the same job path as "Back up now". */
export function createScheduler(services: Omit<Services, 'schedules'>): Scheduler {
  const { engine } = services;
  return new Scheduler({
    profiles: () => engine.profiles.list(),
    lastScheduledAttempt: (p) => {
      const r = engine.env.catalog.backups.lastAttempt(p, 'SCHEDULED');
      return r ? new Date(r.createdAt) : null;
    },
    run: async (profile, reason) => {
      engine.audit.append({ actor: engine.env.actor, action: 'schedule.run', target: profile, outcome: 'info', details: { reason } });
      const jobId = startBackupJob(services, { profile, description: `Scheduled run (${reason})`, trigger: 'SCHEDULED' });
      const finished = await services.jobs.wait(jobId);
      if (finished && !finished.result.ok && finished.result.error.code === 'PROFILE_BUSY') {
        throw new LifeboatError('PROFILE_BUSY', finished.result.error.message);
      }
    },
    skipped: (profile, reason) => {
      engine.audit.append({ actor: engine.env.actor, action: 'schedule.skipped', target: profile, outcome: 'failure', details: { reason } });
      if (services.settings.get().notifications) services.desktop.notify(`Scheduled backup of ${profile} skipped`, reason);
    },
    verifyLatest: async (profile) => {
      await verifyLatestBackup(services, profile);
    },
    now: () => engine.env.now(),
  });
}

/**
 * The scheduled re-check of a profile (its verifySchedule): the newest local backup is verified, and
 * every off-site copy of the profile's backups is checked again on its remote (size + SHA-256), so a
 * remote object changed or lost after upload turns FAILED with the reason and raises a notification.
 */
export async function verifyLatestBackup(services: Omit<Services, 'schedules'>, profile: string): Promise<{ local: boolean | null; remote: readonly RemoteCopyOutcome[] }> {
  const { engine } = services;
  const latest = engine.env.catalog.backups.lastCompleted(profile);
  let local: boolean | null = null;
  if (latest) {
    // Encrypted: with the keychain's key a full check, else (the private key lives elsewhere) the stored bytes only.
    const key = decryptionFor(services, latest);
    const report = await engine.verify({ path: latest.path, record: latest }, undefined, key ? { key } : isEncryptedPath(latest.path) ? { quick: true } : {});
    local = report.ok;
    if (!report.ok && services.settings.get().notifications) {
      services.desktop.notify(`Backup of ${profile} fails verification`, `${report.problems[0]?.path ?? ''}: ${report.problems[0]?.problem ?? ''}`);
    }
  }
  const remote = await verifyRemotes(engine.env, { profile }, { secrets: (spec) => remoteSecrets(services, spec) });
  const failed = remote.filter((o) => o.state === 'FAILED');
  if (failed.length && services.settings.get().notifications) {
    services.desktop.notify(`Off-site copy of ${profile} failed its check`, `${failed.length} copy(ies): ${failed[0]?.reason ?? ''}`);
  }
  services.emit('catalog:changed', { reason: 'scheduled verification' });
  return { local, remote };
}

/** Watchdog alerts: scheduled profiles whose last window passed without a successful backup. */
export function missedBackupAlerts(services: Pick<Services, 'engine'>): { profile: string; message: string }[] {
  const now = services.engine.env.now();
  return services.engine.profiles.list().flatMap((p) => {
    const s = p.spec.schedule;
    if (!s) return [];
    const last = services.engine.env.catalog.backups.lastCompleted(p.name);
    const slot = missedWindow(s, last ? new Date(last.createdAt) : null, now);
    if (!slot) return [];
    return [
      {
        profile: p.name,
        message: `Missed backup: "${p.name}" (${describeSchedule(s)}) has no successful backup since the ${formatDateTime(slot, { seconds: false })} run${last ? `; the last good one is from ${formatDateTime(last.createdAt, { seconds: false })}` : ''}.`,
      },
    ];
  });
}
