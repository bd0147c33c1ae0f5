import type { Cron } from 'croner';
import type { Profile } from '../../../src-shared/domain/profile.js';
import { catchUpDue, cronFor } from './slots.js';

/** What the scheduler needs from its surroundings (the app's composition root, or a test). */
export interface SchedulerDeps {
  profiles(): readonly Profile[];
  /** When the profile last ran on schedule (any outcome), for catch-up. */
  lastScheduledAttempt(profile: string): Date | null;
  /** Start a scheduled backup; resolves when it has finished. Rejects with PROFILE_BUSY if one is running. */
  run(profile: string, reason: string): Promise<void>;
  /** A run that was skipped because the previous one had not finished. */
  skipped(profile: string, reason: string): void;
  /** Re-verify the profile's newest backup (its verifySchedule). */
  verifyLatest(profile: string): Promise<void>;
  now(): Date;
}

/**
 * Runs profiles' schedules while the app is open or in the tray: one croner job per scheduled
 * profile, a single catch-up run on start for slots missed while closed, and no overlap: a slot
 * that comes while the previous run is still going is recorded as skipped.
 */
export class Scheduler {
  private jobs = new Map<string, Cron>();
  private verifyJobs: Cron[] = [];
  private readonly running = new Set<string>();

  constructor(private readonly deps: SchedulerDeps) {}

  /** Catch up once per profile, then arm every schedule. Returns the profiles caught up. */
  start(): string[] {
    const caught: string[] = [];
    for (const p of this.deps.profiles()) {
      const s = p.spec.schedule;
      if (!s) continue;
      const slot = catchUpDue(s, this.deps.lastScheduledAttempt(p.name), this.deps.now());
      if (slot) {
        caught.push(p.name);
        this.fire(p.name, `catch-up for the missed ${slot.toISOString()} run`);
      }
    }
    this.arm();
    return caught;
  }

  /** Re-read the profiles' schedules (after a profile was saved or removed). */
  reload(): void {
    this.arm();
  }

  stop(): void {
    for (const j of [...this.jobs.values(), ...this.verifyJobs]) j.stop();
    this.jobs.clear();
    this.verifyJobs = [];
  }

  /** The next scheduled run over all profiles (or one). */
  nextRun(profile?: string): { profile: string; at: Date } | null {
    let best: { profile: string; at: Date } | null = null;
    for (const [name, job] of this.jobs) {
      if (profile && name !== profile) continue;
      const at = job.nextRun();
      if (at && (!best || at < best.at)) best = { profile: name, at };
    }
    return best;
  }

  private arm(): void {
    this.stop();
    for (const p of this.deps.profiles()) {
      const s = p.spec.schedule;
      if (!s?.enabled) continue;
      const job = cronFor(s);
      job.schedule(() => this.fire(p.name, `scheduled ${job.getPattern() ?? ''}`.trim()));
      job.resume();
      this.jobs.set(p.name, job);
    }
    for (const p of this.deps.profiles()) {
      const v = p.spec.verifySchedule;
      if (!v?.enabled) continue;
      const job = cronFor(v);
      job.schedule(() => void this.deps.verifyLatest(p.name).catch(() => undefined));
      job.resume();
      this.verifyJobs.push(job);
    }
  }

  private fire(profile: string, reason: string): void {
    if (this.running.has(profile)) {
      this.deps.skipped(profile, `the previous run of "${profile}" was still going when the ${reason} slot came`);
      return;
    }
    this.running.add(profile);
    this.deps
      .run(profile, reason)
      .catch((e: unknown) => {
        if ((e as { code?: string }).code === 'PROFILE_BUSY') this.deps.skipped(profile, (e as Error).message);
      })
      .finally(() => this.running.delete(profile));
  }
}
