import { z } from 'zod';

/** When a profile runs by itself: a preset, or a cron expression. */
export const scheduleSchema = z.object({
  preset: z.enum(['hourly', 'daily', 'weekly', 'cron']),
  /** HH:MM (local time) for daily and weekly; the minute is also used for hourly. */
  time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour').default('02:00'),
  /** 0 = Sunday … 6 = Saturday, for weekly. */
  weekday: z.number().int().min(0).max(6).default(0),
  /** Five-field cron expression, for preset "cron". */
  cron: z.string().max(120).optional(),
  enabled: z.boolean().default(true),
  /** Run once on start when slots were missed while Lifeboat was not running. */
  catchUp: z.boolean().default(true),
});
/** A profile's schedule. */
export type Schedule = z.infer<typeof scheduleSchema>;

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

/** The cron expression a schedule stands for (minute hour day-of-month month day-of-week). */
export function cronOf(s: Schedule): string {
  const [hh, mm] = s.time.split(':').map(Number);
  switch (s.preset) {
    case 'hourly':
      return `${mm} * * * *`;
    case 'daily':
      return `${mm} ${hh} * * *`;
    case 'weekly':
      return `${mm} ${hh} * * ${s.weekday}`;
    case 'cron':
      return (s.cron ?? '').trim();
  }
}

/** "daily at 02:00", "weekly on Sunday at 02:00", "cron 0 3 * * 1-5". */
export function describeSchedule(s: Schedule): string {
  switch (s.preset) {
    case 'hourly':
      return `hourly at minute ${s.time.slice(3)}`;
    case 'daily':
      return `daily at ${s.time}`;
    case 'weekly':
      return `weekly on ${WEEKDAYS[s.weekday] ?? 'Sunday'} at ${s.time}`;
    case 'cron':
      return `cron ${s.cron ?? ''}`;
  }
}
