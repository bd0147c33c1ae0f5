import type { Command } from 'commander';
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
    .action(async (_o: unknown, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        const limit = Number(cmd.opts<{ limit: string }>().limit);
        if (!Number.isInteger(limit) || limit < 1) throw new LifeboatError('USAGE', '--limit must be a positive whole number.');
        const events = engine.audit.list(limit);
        if (json) printJson(io, { ok: true, events });
        else
          io.out(
            table(
              ['#', 'TIME (UTC)', 'ACTOR', 'ACTION', 'OUTCOME', 'TARGET', 'HASH'],
              events.map((e) => [String(e.id), e.ts.replace('T', ' ').slice(0, 19), e.actor, e.action, e.outcome, e.target.slice(0, 36), e.hash.slice(0, 12)]),
            ),
          );
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
