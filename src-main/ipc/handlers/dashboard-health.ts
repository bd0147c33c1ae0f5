import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Profile } from '../../../src-shared/domain/profile.js';
import { describeSchedule } from '../../../src-shared/domain/schedule.js';
import type { FailingProfile, Freshness, ProfileHealth } from '../../../src-shared/ipc/contract.js';
import { defaultBackupDir } from '../../engine/home.js';
import { missedWindow, nextSlot, previousSlot } from '../../engine/schedule/slots.js';
import type { Services } from '../services.js';

/** How many parent folders we climb to find an existing one: paths are short, this bounds a hostile one. */
const MAX_CLIMB = 64;

/**
 * Free space on the disk a destination lives on. A destination that does not exist yet (it is
 * created by the first backup) is measured at its nearest existing parent folder.
 */
async function freeSpace(destination: string): Promise<{ freeBytes: number | null; freeProblem: string | null }> {
  let dir = resolve(destination);
  for (let i = 0; i < MAX_CLIMB; i += 1) {
    try {
      const fs = await statfs(dir);
      return { freeBytes: fs.bavail * fs.bsize, freeProblem: null };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const parent = dirname(dir);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === dir) return { freeBytes: null, freeProblem: `cannot read the free space of ${dir} (${code ?? 'error'})` };
      dir = parent;
    }
  }
  return { freeBytes: null, freeProblem: `no existing folder above ${destination}` };
}

/** Judge the newest success against the profile's own schedule (see Freshness). */
function freshnessOf(p: Profile, lastSuccess: Date | null, now: Date): Freshness {
  const s = p.spec.schedule;
  if (!s?.enabled) return 'unscheduled';
  if (missedWindow(s, lastSuccess, now)) return lastSuccess ? 'overdue' : 'never';
  const slot = previousSlot(s, now);
  if (slot && (lastSuccess === null || lastSuccess < slot)) return lastSuccess ? 'due' : 'never';
  return lastSuccess ? 'fresh' : 'never';
}

/** One profile's health row: every figure read from the catalog in main, none derived in the renderer. */
export async function profileHealth(s: Services, p: Profile): Promise<ProfileHealth> {
  const now = s.engine.env.now();
  const h = s.engine.env.catalog.backups.healthOf(p.name);
  const [last, previous] = h.lastTwoCompleted;
  const lastSuccess = last ? new Date(last.createdAt) : null;
  const schedule = p.spec.schedule?.enabled ? p.spec.schedule : null;
  const next = schedule ? nextSlot(schedule, now) : null;
  const destination = p.spec.destination ?? defaultBackupDir(s.engine.env.home);
  const run = h.latestRun;
  return {
    profile: p.name,
    schedule: schedule ? describeSchedule(schedule) : null,
    lastSuccessAt: last?.createdAt ?? null,
    freshness: freshnessOf(p, lastSuccess, now),
    lastRun: run ? { id: run.id, status: run.status, at: run.createdAt, errorCode: run.errorCode, errorMessage: run.errorMessage } : null,
    consecutiveFailures: h.consecutiveFailures,
    nextRunAt: next ? next.toISOString() : null,
    sizeLast: last?.size ?? null,
    sizePrevious: previous?.size ?? null,
    destination,
    ...(await freeSpace(destination)),
  };
}

/** The health table and its red banners: a banner for each profile whose newest finished run failed. */
export async function dashboardHealth(s: Services): Promise<{ health: ProfileHealth[]; failing: FailingProfile[] }> {
  const health: ProfileHealth[] = [];
  for (const p of s.engine.profiles.list()) health.push(await profileHealth(s, p));
  const failing = health.flatMap((h): FailingProfile[] =>
    h.lastRun?.status === 'FAILED'
      ? [{ profile: h.profile, backupId: h.lastRun.id, failedAt: h.lastRun.at, consecutiveFailures: h.consecutiveFailures, errorCode: h.lastRun.errorCode, errorMessage: h.lastRun.errorMessage }]
      : [],
  );
  return { health, failing };
}
