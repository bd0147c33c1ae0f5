import type { Command } from 'commander';
import { resolve } from 'node:path';
import { HOOK_MAX_TIMEOUT_SECONDS, hookCommandSchema, profileSpecSchema, type HookCommand, type Profile } from '../../../src-shared/domain/profile.js';
import { scheduleSchema, type Schedule } from '../../../src-shared/domain/schedule.js';
import { nextSlot } from '../../engine/schedule/slots.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { withEngine } from '../context.js';
import { EXIT, printJson, table, type Io } from '../output.js';
import { addSourceOptions, positiveFlag, readOptionsFromFlags, type SourceFlags, sourcesFromFlags } from './source-options.js';
import { addRemoteOptions, remoteSpecsFromFlags, type RemoteFlags } from './remote.js'; // off-site remotes (issue 14)

interface ProfileFlags extends SourceFlags, RemoteFlags {
  readonly remoteKeepDays?: string;
  readonly keepLast?: string;
  readonly keepDays?: string;
  readonly keepDaily?: string;
  readonly keepWeekly?: string;
  readonly keepMonthly?: string;
  readonly schedule?: string;
  readonly catchUp: boolean;
  readonly preCommand?: string;
  readonly preTimeout?: string;
  readonly postCommand?: string;
  readonly postTimeout?: string;
}

/**
 * `--pre-command '["systemctl","stop","app"]'`: a JSON array of strings, the program then its
 * arguments. A plain string is refused rather than split: nothing here is a shell, and guessing
 * where one argument ends would run something else than what was written.
 */
export function parseHookFlag(flag: string, value: string | undefined, timeout: string | undefined): HookCommand | null {
  if (value === undefined) {
    if (timeout !== undefined) throw new LifeboatError('USAGE', `${flag.replace('command', 'timeout')} needs ${flag}.`);
    return null;
  }
  let argv: unknown;
  try {
    argv = JSON.parse(value);
  } catch {
    argv = undefined;
  }
  const parsed = hookCommandSchema.safeParse({ argv, ...(timeout !== undefined ? { timeoutSeconds: positiveFlag(timeout, flag.replace('command', 'timeout')) } : {}) });
  if (!parsed.success) {
    throw new LifeboatError('USAGE', `${flag} must be a JSON array of strings, the program then its arguments, e.g. ${flag} '["systemctl","stop","myapp"]' (no shell is used; got ${JSON.stringify(value.slice(0, 80))}). Time limits are 1 to ${HOOK_MAX_TIMEOUT_SECONDS} s.`);
  }
  return parsed.data;
}


/** `hourly@15`, `daily@02:30`, `weekly@0@23:00`, or a cron expression. */
export function parseScheduleFlag(value: string, catchUp: boolean): Schedule {
  const m = /^(hourly)@(\d{1,2})$|^(daily)@(\d{1,2}:\d{2})$|^(weekly)@([0-6])@(\d{1,2}:\d{2})$/.exec(value.trim());
  const pad = (t: string): string => t.padStart(5, '0');
  try {
    if (m?.[1]) return scheduleSchema.parse({ preset: 'hourly', time: `00:${(m[2] ?? '0').padStart(2, '0')}`, catchUp });
    if (m?.[3]) return scheduleSchema.parse({ preset: 'daily', time: pad(m[4] ?? ''), catchUp });
    if (m?.[5]) return scheduleSchema.parse({ preset: 'weekly', weekday: Number(m[6]), time: pad(m[7] ?? ''), catchUp });
    return scheduleSchema.parse({ preset: 'cron', cron: value.trim(), catchUp });
  } catch {
    throw new LifeboatError('USAGE', `--schedule "${value}" is not understood: use hourly@MM, daily@HH:MM, weekly@DAY@HH:MM or a cron expression.`);
  }
}

function describeSources(p: Profile): string {
  return p.spec.sources.map((s) => `${s.kind}:${s.kind === 'postgres' || s.kind === 'mysql' ? s.url : s.path}`).join(', ');
}

/** `lifeboat profile add|list|show|remove`. */
export function registerProfile(program: Command, io: Io): void {
  const profile = program.command('profile').description('manage saved profiles (named sets of sources)');

  // Off-site remote destinations (issue 14): --remote URL (repeatable) with its flags, --remote-keep-days N.
  addRemoteOptions(addSourceOptions(profile.command('add').description('save a profile').argument('<name>', 'profile name')))
    .option('--remote-keep-days <n>', 'remote retention: delete off-site copies older than N days (never the newest verified one)')
    .option('--keep-last <n>', 'retention: keep the newest N backups')
    .option('--keep-days <n>', 'retention: keep backups younger than N days')
    .option('--keep-daily <n>', 'retention: the newest verified backup of each of the last N days')
    .option('--keep-weekly <n>', 'retention: ... of each of the last N weeks')
    .option('--keep-monthly <n>', 'retention: ... of each of the last N months')
    .option('--schedule <spec>', 'hourly@MM, daily@HH:MM, weekly@DAY@HH:MM (DAY 0-6, 0 = Sunday), or a quoted cron expression')
    .option('--no-catch-up', 'do not run once on start for slots missed while the app was closed')
    .option('--pre-command <json>', 'run before each backup, as a JSON array: \'["systemctl","stop","myapp"]\' (no shell); if it fails or times out the backup fails and does not run')
    .option('--pre-timeout <seconds>', 'time limit of --pre-command (default 300); the command and every process it started are stopped then')
    .option('--post-command <json>', 'run after each backup whose --pre-command succeeded, whatever the outcome (e.g. start the service again); a failure is a warning')
    .option('--post-timeout <seconds>', 'time limit of --post-command (default 300)')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        const f = cmd.opts<ProfileFlags>();
        const sources = sourcesFromFlags(f).map((s) => (s.kind === 'postgres' || s.kind === 'mysql' ? s : { ...s, path: resolve(s.path) }));
        if (sources.length === 0) throw new LifeboatError('USAGE', `Profile "${name}" needs at least one --sqlite, --postgres, --mysql or --dir.`);
        const spec = profileSpecSchema.parse({
          sources,
          destination: f.out ? resolve(f.out) : null,
          ...(f.format ? { format: f.format } : {}),
          ...(f.type ? { type: f.type } : {}),
          retention: {
            keepLast: positiveFlag(f.keepLast, '--keep-last'),
            keepDays: positiveFlag(f.keepDays, '--keep-days'),
            keepDaily: positiveFlag(f.keepDaily, '--keep-daily'),
            keepWeekly: positiveFlag(f.keepWeekly, '--keep-weekly'),
            keepMonthly: positiveFlag(f.keepMonthly, '--keep-monthly'),
          },
          options: { allowEmpty: Boolean(f.allowEmpty), skipUnreadable: Boolean(f.skipUnreadable), ...readOptionsFromFlags(f) },
          schedule: f.schedule ? parseScheduleFlag(f.schedule, f.catchUp) : null,
          hooks: { pre: parseHookFlag('--pre-command', f.preCommand, f.preTimeout), post: parseHookFlag('--post-command', f.postCommand, f.postTimeout) },
          remotes: remoteSpecsFromFlags(f).map((r) => ({ ...r, keepDays: positiveFlag(f.remoteKeepDays, '--remote-keep-days') })),
        });
        if (spec.schedule) nextSlot(spec.schedule, new Date());
        const p = engine.profiles.add(name, spec, engine.env.now().toISOString());
        engine.audit.append({ actor: engine.env.actor, action: 'profile.add', target: name, outcome: 'success', details: { spec } });
        if (json) printJson(io, { ok: true, profile: p });
        else io.out(`Profile "${name}" saved: ${describeSources(p)}\n`);
        return EXIT.ok;
      });
    });

  profile
    .command('list')
    .description('list profiles')
    .action(async (_o: unknown, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        const list = engine.profiles.list();
        if (json) printJson(io, { ok: true, profiles: list });
        else if (list.length === 0) io.out('No profiles yet. Add one with `lifeboat profile add NAME --sqlite ... --dir ...`.\n');
        else io.out(table(['NAME', 'TYPE', 'FORMAT', 'DESTINATION', 'SOURCES'], list.map((p) => [p.name, p.spec.type, p.spec.format, p.spec.destination ?? '(default)', describeSources(p)])));
        return EXIT.ok;
      });
    });

  profile
    .command('show')
    .description('show one profile')
    .argument('<name>')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        const p = engine.profiles.get(name);
        if (json) printJson(io, { ok: true, profile: p });
        else io.out(`${JSON.stringify(p, null, 2)}\n`);
        return EXIT.ok;
      });
    });

  profile
    .command('remove')
    .description('delete a profile (its backups stay in the catalog)')
    .argument('<name>')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        engine.profiles.remove(name);
        engine.audit.append({ actor: engine.env.actor, action: 'profile.remove', target: name, outcome: 'success' });
        if (json) printJson(io, { ok: true, removed: name });
        else io.out(`Profile "${name}" removed.\n`);
        return EXIT.ok;
      });
    });
}
