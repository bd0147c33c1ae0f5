import type { Command } from 'commander';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { RunLogsRepo } from '../../engine/jobs/run-log.js';
import { RestoresRepo } from '../../engine/restore/journal.js';
import { withEngine } from '../context.js';
import { EXIT, printJson, type Io } from '../output.js';

/** `lifeboat log <id>`: the run log of a backup or a restore (phases, warnings, tool and command output). */
export function registerLog(program: Command, io: Io): void {
  program
    .command('log')
    .description('show the run log of a backup or restore: phases with times, warnings, skipped files, tool and command output')
    .argument('<id>', 'backup or restore id (or a unique prefix of at least 4 characters)')
    .action(async (idOrPrefix: string, _o: unknown, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        const db = engine.env.catalog.db;
        const id = engine.env.catalog.backups.get(idOrPrefix)?.id ?? new RestoresRepo(db).get(idOrPrefix)?.id;
        if (!id) throw new LifeboatError('NOT_FOUND', `No backup or restore "${idOrPrefix}" in the catalog (${engine.env.home}). \`lifeboat list\` shows the backups.`, { id: idOrPrefix });
        const log = new RunLogsRepo(db).get(id);
        if (!log) throw new LifeboatError('NOT_FOUND', `${id} has no run log: it ran before this version of Lifeboat kept logs, or was imported.`, { id });
        if (json) printJson(io, { ok: true, id: log.id, kind: log.kind, log: log.text });
        else io.out(`${log.text}\n`);
        return EXIT.ok;
      });
    });
}
