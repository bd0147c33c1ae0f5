import { Option, type Command } from 'commander';
import type { BackupRecord, HistoryQuery } from '../../../src-shared/domain/backup.js';
import { BACKUP_STATUSES, BACKUP_TYPES, TRIGGERS } from '../../../src-shared/domain/enums.js';
import { formatBytes, formatDateTime, formatDuration } from '../../../src-shared/domain/format.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { withEngine } from '../context.js';
import { EXIT, printJson, table, type Io } from '../output.js';

interface ListFlags {
  readonly status?: HistoryQuery['status'];
  readonly type?: HistoryQuery['type'];
  readonly trigger?: HistoryQuery['trigger'];
  readonly profile?: string;
  readonly since?: string;
  readonly until?: string;
  readonly search?: string;
  readonly limit: string;
  readonly offset: string;
}

/** Accept `2026-11-22`, a full ISO time, or a relative `7d` / `12h`. */
export function parseDate(value: string, flag: string, now: Date, endOfDay = false): string {
  const rel = /^(\d+)([dh])$/.exec(value);
  if (rel) return new Date(now.getTime() - Number(rel[1]) * (rel[2] === 'd' ? 86_400_000 : 3_600_000)).toISOString();
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const d = new Date(day ? `${value}T${endOfDay ? '23:59:59.999' : '00:00:00.000'}Z` : value);
  if (Number.isNaN(d.getTime())) throw new LifeboatError('USAGE', `${flag} "${value}" is not a date: use 2026-11-22, an ISO time, or 7d / 12h.`);
  return d.toISOString();
}

function row(r: BackupRecord): string[] {
  const note = r.status === 'FAILED' ? `${r.errorCode ?? ''}: ${r.errorMessage ?? ''}` : r.warnings.map((w) => `! ${w.message}`).join(' ') || r.description;
  return [
    r.id.slice(0, 8),
    formatDateTime(r.createdAt),
    r.profile ?? '-',
    r.type,
    r.status + (r.warnings.length ? '!' : ''),
    r.size !== null ? formatBytes(r.size) : '-',
    r.durationMs !== null ? formatDuration(r.durationMs) : '-',
    r.trigger,
    r.createdBy,
    r.sha256 ? r.sha256.slice(0, 12) : '-',
    note,
  ];
}

/** `lifeboat list`. */
export function registerList(program: Command, io: Io): void {
  program
    .command('list')
    .description('list backups in the catalog, newest first')
    .addOption(new Option('--status <status>').choices(BACKUP_STATUSES))
    .addOption(new Option('--type <type>').choices(BACKUP_TYPES))
    .addOption(new Option('--trigger <trigger>').choices(TRIGGERS))
    .option('--profile <name>', 'only this profile')
    .option('--since <date>', 'created at or after (2026-11-01, ISO time, or 7d)')
    .option('--until <date>', 'created at or before')
    .option('--search <text>', 'text in description, file name, profile or source names')
    .option('--limit <n>', 'rows per page', '50')
    .option('--offset <n>', 'rows to skip', '0')
    .action(async (_o: ListFlags, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        const f = cmd.opts<ListFlags>();
        const now = engine.env.now();
        const limit = Number(f.limit);
        const offset = Number(f.offset);
        if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(offset) || offset < 0) {
          throw new LifeboatError('USAGE', '--limit must be a positive whole number and --offset zero or more.');
        }
        const page = engine.history({
          ...(f.status ? { status: f.status } : {}),
          ...(f.type ? { type: f.type } : {}),
          ...(f.trigger ? { trigger: f.trigger } : {}),
          ...(f.profile ? { profile: f.profile } : {}),
          ...(f.since ? { since: parseDate(f.since, '--since', now) } : {}),
          ...(f.until ? { until: parseDate(f.until, '--until', now, true) } : {}),
          ...(f.search ? { search: f.search } : {}),
          limit,
          offset,
        });
        if (json) {
          printJson(io, { ok: true, total: page.total, rows: page.rows });
          return EXIT.ok;
        }
        if (page.rows.length === 0) {
          io.out(page.total === 0 ? 'No backups match.\n' : `No rows on this page (${page.total} match).\n`);
          return EXIT.ok;
        }
        io.out(table(['ID', 'CREATED', 'PROFILE', 'TYPE', 'STATUS', 'SIZE', 'TOOK', 'TRIGGER', 'BY', 'SHA256', 'NOTE'], page.rows.map(row)));
        io.out(`${page.rows.length} of ${page.total} shown.${page.rows.some((r) => r.warnings.length) ? ' "!" marks a warning (see `lifeboat info`).' : ''}\n`);
        return EXIT.ok;
      });
    });
}
