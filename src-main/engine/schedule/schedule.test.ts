import { describe, expect, it } from 'vitest';
import { cronOf, describeSchedule, scheduleSchema } from '../../../src-shared/domain/schedule.js';
import { profileSpecSchema, type Profile } from '../../../src-shared/domain/profile.js';
import { catchUpDue, missedWindow, nextSlot } from './slots.js';
import { Scheduler } from './scheduler.js';

const daily = scheduleSchema.parse({ preset: 'daily', time: '02:30' });
const at = (iso: string): Date => new Date(iso);

describe('schedules', () => {
  it('turns presets into cron expressions and words', () => {
    expect(cronOf(daily)).toBe('30 2 * * *');
    expect(cronOf(scheduleSchema.parse({ preset: 'hourly', time: '00:15' }))).toBe('15 * * * *');
    expect(cronOf(scheduleSchema.parse({ preset: 'weekly', time: '23:00', weekday: 5 }))).toBe('0 23 * * 5');
    expect(describeSchedule(scheduleSchema.parse({ preset: 'weekly', time: '23:00', weekday: 5 }))).toBe('weekly on Friday at 23:00');
    expect(() => nextSlot(scheduleSchema.parse({ preset: 'cron', cron: '61 * * * *' }), new Date())).toThrow(/not a valid cron expression/);
  });

  it('catches up once when slots were missed while closed, and not when the last slot already ran', () => {
    const now = at('2026-11-22T09:00:00');
    // Closed for three nights: one catch-up, for the newest missed slot.
    expect(catchUpDue(daily, at('2026-11-19T02:30:05'), now)).toEqual(at('2026-11-22T02:30:00'));
    expect(catchUpDue(daily, at('2026-11-22T02:30:04'), now)).toBeNull();
    expect(catchUpDue(daily, null, now)).toEqual(at('2026-11-22T02:30:00'));
    expect(catchUpDue({ ...daily, catchUp: false }, null, now)).toBeNull();
  });

  it('the watchdog flags a slot that passed without a successful backup', () => {
    const now = at('2026-11-22T09:00:00');
    expect(missedWindow(daily, at('2026-11-21T02:31:00'), now)).toEqual(at('2026-11-22T02:30:00'));
    expect(missedWindow(daily, at('2026-11-22T02:31:00'), now)).toBeNull();
    // Within the grace period after the slot nothing is missed yet.
    expect(missedWindow(daily, at('2026-11-21T02:31:00'), at('2026-11-22T03:00:00'))).toBeNull();
  });

  it('runs on start once per profile for missed slots, fires on schedule, and skips an overlapping slot', async () => {
    const profile = (name: string, cron: string): Profile => ({
      id: name,
      name,
      createdAt: '',
      updatedAt: '',
      spec: profileSpecSchema.parse({ sources: [{ kind: 'sqlite', path: '/x.db' }], schedule: { preset: 'cron', cron } }),
    });
    const runs: string[] = [];
    const skipped: string[] = [];
    let release: () => void = () => undefined;
    const scheduler = new Scheduler({
      // Every second (croner's six-field form), so the test sees real firings.
      profiles: () => [profile('fast', '* * * * * *'), profile('nightly', '30 2 * * *')],
      lastScheduledAttempt: (p) => (p === 'nightly' ? at('2020-01-01T00:00:00') : new Date(Date.now() + 10_000)),
      run: (p, reason) => {
        runs.push(`${p}: ${reason.split(' ')[0] ?? ''}`);
        // The first 'fast' run takes long enough for the next slot to find it still going.
        return p === 'fast' && runs.filter((r) => r.startsWith('fast')).length === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
      },
      skipped: (p, reason) => skipped.push(`${p}: ${reason}`),
      verifyLatest: async () => undefined,
      now: () => new Date(),
    });
    expect(scheduler.start()).toEqual(['nightly']);
    expect(runs).toEqual(['nightly: catch-up']);
    await new Promise((r) => setTimeout(r, 2300));
    release();
    await new Promise((r) => setTimeout(r, 1200));
    scheduler.stop();
    expect(runs.filter((r) => r.startsWith('fast'))).not.toHaveLength(0);
    expect(runs.filter((r) => r.startsWith('nightly'))).toEqual(['nightly: catch-up']);
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped[0]).toMatch(/^fast: the previous run of "fast" was still going/);
    expect(scheduler.nextRun()).toBeNull();
  });
});
