import { Option, type Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { AUDIT_OUTCOMES, type AuditOutcome } from '../../../src-shared/domain/enums.js';
import { formatDateTime } from '../../../src-shared/domain/format.js';
import { describeTargets } from '../../engine/audit/audit-targets.js';
import { auditCsv, auditJson } from '../../engine/audit/export.js';
import { parseDate } from './history.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { withEngine } from '../context.js';
import { EXIT, printJson, table, type Io } from '../output.js';

/** `lifeboat audit list|verify`. */
export function registerAudit(program: Command, io: Io): void {
  const audit = program.command('audit').description('the append-only audit trail');

  audit
    .command('list')
    .description('newest audit events first')
    .option('--limit <n>', 'how many', '50')
    .option('--action <prefix>', 'actions starting with this (backup, restore, schedule, notify...)')
    .addOption(new Option('--outcome <outcome>').choices(AUDIT_OUTCOMES))
    .option('--actor <user>', 'only this OS user')
    .option('--since <date>', 'at or after (2026-11-01, ISO time, or 7d)')
    .option('--until <date>', 'at or before')
    .option('--search <text>', 'text in the target or details')
    .action(async (_o: unknown, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        const f = cmd.opts<{ limit: string; action?: string; outcome?: AuditOutcome; actor?: string; since?: string; until?: string; search?: string }>();
        const limit = Number(f.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new LifeboatError('USAGE', '--limit must be a positive whole number.');
        const now = engine.env.now();
        const events = engine.audit.query({
          action: f.action,
          outcome: f.outcome,
          actor: f.actor,
          since: f.since ? parseDate(f.since, '--since', now) : undefined,
          until: f.until ? parseDate(f.until, '--until', now, true) : undefined,
          search: f.search,
          limit,
        }).rows;
        if (json) printJson(io, { ok: true, events });
        else {
          const targets = describeTargets(engine.env.catalog.db, events);
          io.out(
            table(
              ['#', 'TIME', 'ACTOR', 'ACTION', 'OUTCOME', 'TARGET', 'HASH'],
              events.map((e) => [String(e.id), formatDateTime(e.ts), e.actor, e.action, e.outcome, (targets.get(e.id) ?? e.target).slice(0, 60), e.hash.slice(0, 12)]),
            ),
          );
        }
        return EXIT.ok;
      });
    });

  audit
    .command('export')
    .description('write the whole audit trail as CSV or JSON (with the hash chain), to a file or stdout')
    .addOption(new Option('--format <format>').choices(['csv', 'json']).default('csv'))
    .option('--out <file>', 'write here instead of stdout')
    .action(async (_o: unknown, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine }) => {
        const f = cmd.opts<{ format: 'csv' | 'json'; out?: string }>();
        const events = engine.audit.query({ limit: 10_000_000 }).rows;
        const text = f.format === 'csv' ? auditCsv(events) : auditJson(events);
        if (f.out) {
          await writeFile(f.out, text);
          engine.audit.append({ actor: engine.env.actor, action: 'audit.export', target: f.out, outcome: 'success', details: { events: events.length, format: f.format } });
          io.err(`Wrote ${events.length} events to ${f.out}\n`);
        } else io.out(text);
        return EXIT.ok;
      });
    });

  audit
    .command('verify')
    .description('check the hash chain: detects edited, inserted or deleted rows')
    .action(async (_o: unknown, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        const r = engine.audit.verify();
        if (json) printJson(io, r);
        else if (r.ok) io.out(`Audit trail intact: ${r.checked} events, hash chain verified.\n`);
        else io.err(`Audit trail TAMPERED at event #${r.problem?.id}: ${r.problem?.reason}. ${r.checked} events before it are intact.\n`);
        return r.ok ? EXIT.ok : EXIT.verifyFailed;
      });
    });
}
