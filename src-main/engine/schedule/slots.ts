import { Cron } from 'croner';
import { cronOf, type Schedule } from '../../../src-shared/domain/schedule.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';

/** A paused croner job for a schedule; throws USAGE for an invalid cron expression. */
export function cronFor(s: Schedule): Cron {
  const expr = cronOf(s);
  try {
    return new Cron(expr, { paused: true });
  } catch (e) {
    throw new LifeboatError('USAGE', `"${expr}" is not a valid cron expression: ${(e as Error).message}. Use five fields: minute hour day month weekday.`, { cron: expr });
  }
}

/** The next slot after `from`, or null for a disabled schedule. */
export function nextSlot(s: Schedule, from: Date): Date | null {
  if (!s.enabled) return null;
  return cronFor(s).nextRun(from);
}

/** The most recent slot at or before `now`. */
export function previousSlot(s: Schedule, now: Date): Date | null {
  // croner's previousRuns() steps back from a reference; +1 s so a slot exactly at `now` counts.
  return cronFor(s).previousRuns(1, new Date(now.getTime() + 1000))[0] ?? null;
}

/**
 * Whether a start-up catch-up run is due: some slot passed after the last scheduled attempt.
 * However many slots were missed, the answer is one run (never one per slot).
 */
export function catchUpDue(s: Schedule, lastAttempt: Date | null, now: Date): Date | null {
  if (!s.enabled || !s.catchUp) return null;
  const slot = previousSlot(s, now);
  if (!slot) return null;
  return lastAttempt === null || slot > lastAttempt ? slot : null;
}

/**
 * The watchdog: a slot passed (plus a grace period for the run itself) with no successful backup
 * since. Returns that slot, or null when all is well.
 */
export function missedWindow(s: Schedule, lastSuccess: Date | null, now: Date, graceMs = 60 * 60 * 1000): Date | null {
  if (!s.enabled) return null;
  const slot = previousSlot(s, new Date(now.getTime() - graceMs));
  if (!slot) return null;
  return lastSuccess === null || lastSuccess < slot ? slot : null;
}

/** The next run over all scheduled profiles: derived from the profiles, whether or not a scheduler runs here. */
export function nextScheduledRun(profiles: readonly { name: string; spec: { schedule: Schedule | null } }[], from: Date): { profile: string; at: Date } | null {
  let best: { profile: string; at: Date } | null = null;
  for (const p of profiles) {
    const at = p.spec.schedule ? nextSlot(p.spec.schedule, from) : null;
    if (at && (!best || at < best.at)) best = { profile: p.name, at };
  }
  return best;
}
