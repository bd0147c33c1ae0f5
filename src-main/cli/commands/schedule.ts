import type { Command } from 'commander';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDateTime } from '../../../src-shared/domain/format.js';
import { cronOf, describeSchedule, type Schedule } from '../../../src-shared/domain/schedule.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { nextSlot } from '../../engine/schedule/slots.js';
import { withEngine } from '../context.js';
import { EXIT, printJson, type Io } from '../output.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** systemd OnCalendar= for a preset; null for a free cron expression (use the crontab line). */
export function onCalendar(s: Schedule): string | null {
  const [hh, mm] = s.time.split(':');
  switch (s.preset) {
    case 'hourly':
      return `*-*-* *:${mm}:00`;
    case 'daily':
      return `*-*-* ${hh}:${mm}:00`;
    case 'weekly':
      return `${DAYS[s.weekday] ?? 'Sun'} *-*-* ${hh}:${mm}:00`;
    case 'cron':
      return null;
  }
}

/** The crontab line and the systemd unit pair that run `lifeboat backup --profile P` on a server. */
export function schedulePrintout(profile: string, s: Schedule, home: string): { crontab: string; service: string; timer: string | null } {
  const bin = resolve(fileURLToPath(new URL('../../../../../bin/lifeboat.js', import.meta.url)));
  const command = `${process.execPath} ${bin} --home ${home} backup --profile ${profile} --trigger SCHEDULED`;
  const unit = `lifeboat-${profile}`;
  const calendar = onCalendar(s);
  return {
    crontab: `${cronOf(s)} ${command} >> ${home}/lifeboat-${profile}.log 2>&1`,
    service: [
      `# /etc/systemd/system/${unit}.service`,
      '[Unit]',
      `Description=Lifeboat backup of profile ${profile}`,
      'Wants=network-online.target',
      'After=network-online.target',
      '',
      '[Service]',
      'Type=oneshot',
      `ExecStart=${command}`,
      'Nice=10',
      'IOSchedulingClass=best-effort',
      'IOSchedulingPriority=7',
      '',
    ].join('\n'),
    timer: calendar
      ? [
          `# /etc/systemd/system/${unit}.timer  (enable with: systemctl enable --now ${unit}.timer)`,
          '[Unit]',
          `Description=Run Lifeboat backup of ${profile} ${describeSchedule(s)}`,
          '',
          '[Timer]',
          `OnCalendar=${calendar}`,
          // Persistent: a run missed while the machine was off happens once at boot, like the app's catch-up.
          `Persistent=${s.catchUp ? 'true' : 'false'}`,
          'RandomizedDelaySec=60',
          '',
          '[Install]',
          'WantedBy=timers.target',
          '',
        ].join('\n')
      : null,
  };
}

/** `lifeboat schedule print`. */
export function registerSchedule(program: Command, io: Io): void {
  const schedule = program.command('schedule').description("profiles' schedules, for servers without the app");
  schedule
    .command('print')
    .description('print the crontab line and a systemd service/timer pair that run each scheduled profile')
    .option('--profile <name>', 'only this profile')
    .action(async (_o: unknown, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        const only = cmd.opts<{ profile?: string }>().profile;
        const profiles = only ? [engine.profiles.get(only)] : engine.profiles.list();
        const scheduled = profiles.filter((p) => p.spec.schedule);
        if (scheduled.length === 0) {
          throw new LifeboatError('NOT_FOUND', only ? `Profile "${only}" has no schedule. Add one with \`lifeboat profile add ... --schedule daily@02:00\`.` : 'No profile has a schedule.');
        }
        const out = scheduled.map((p) => {
          const s = p.spec.schedule as Schedule;
          return { profile: p.name, schedule: describeSchedule(s), next: nextSlot(s, engine.env.now())?.toISOString() ?? null, ...schedulePrintout(p.name, s, engine.env.home) };
        });
        if (json) printJson(io, { ok: true, schedules: out });
        else
          for (const o of out) {
            io.out(`# Profile ${o.profile}: ${o.schedule}; next run ${o.next ? formatDateTime(o.next) : 'never (disabled)'}\n# crontab -e:\n${o.crontab}\n\n${o.service}\n${o.timer ?? '# (a free cron expression: use the crontab line above)\n'}\n`);
          }
        return EXIT.ok;
      });
    });
}
