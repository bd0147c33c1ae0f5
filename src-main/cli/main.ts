import { Command, CommanderError } from 'commander';
import { join } from 'node:path';
import { toErrorInfo } from '../../src-shared/errors/lifeboat-error.js';
import { appVersion } from '../engine/app-version.js';
import { CATALOG_FILE } from '../engine/catalog/catalog.js';
import { defaultHome } from '../engine/home.js';
import { sqliteDiskFull } from '../engine/util/fs-errors.js';
import { registerAudit } from './commands/audit.js';
import { registerBackup } from './commands/backup.js';
import { registerList } from './commands/history.js';
import { registerHousekeeping } from './commands/housekeeping.js';
import { registerInspect, registerReceipt } from './commands/inspect.js';
import { registerLog } from './commands/log.js'; // issue 12 item 6
import { registerProfile } from './commands/profile.js';
import { registerRestore } from './commands/restore.js';
// File-level restore and comparison (issue 12, item 4).
import { registerCompare } from './commands/compare.js';
import { registerSchedule } from './commands/schedule.js';
import { registerRemote } from './commands/remote.js'; // off-site remote destinations (issue 14)
import { EXIT, printError, processIo, type Io } from './output.js';

function exitCodeFor(code: string): number {
  if (code === 'USAGE') return EXIT.usage;
  if (['CHECKSUM_MISMATCH', 'VERIFY_FAILED', 'AUDIT_TAMPERED', 'ARCHIVE_HOSTILE', 'ARCHIVE_INCOMPLETE', 'SQLITE_CORRUPT'].includes(code)) return EXIT.verifyFailed;
  return EXIT.failed;
}

/** Build the `lifeboat` program writing to `io`. */
export function buildProgram(io: Io): Command {
  const program = new Command('lifeboat')
    .description('Back up and restore SQLite, PostgreSQL and folder trees into verified ZIP / tar.gz archives.')
    .version(appVersion(), '-V, --version')
    .option('--home <dir>', 'catalog, settings and default backup folder (env LIFEBOAT_HOME)')
    .option('--json', 'machine-readable output: one JSON document on stdout')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  registerBackup(program, io);
  registerList(program, io);
  registerInspect(program, io);
  registerReceipt(program, io);
  registerRestore(program, io);
  // File-level restore and comparison (issue 12, item 4).
  registerCompare(program, io);
  registerHousekeeping(program, io);
  registerSchedule(program, io);
  registerProfile(program, io);
  registerAudit(program, io);
  registerLog(program, io); // issue 12 item 6
  registerRemote(program, io); // off-site remote destinations (issue 14)
  for (const sub of program.commands) sub.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  for (const sub of program.commands.flatMap((c) => c.commands)) sub.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  return program;
}

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: Io = processIo): Promise<number> {
  const program = buildProgram(io);
  const json = argv.includes('--json');
  process.exitCode = undefined;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return Number(process.exitCode ?? EXIT.ok);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with exit code 0; parse errors are usage errors.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    // A catalog write on a full disk surfaces as a raw SQLite error ("disk I/O error"): name it.
    const home = program.opts<{ home?: string }>().home ?? defaultHome();
    const info = toErrorInfo((await sqliteDiskFull(e, join(home, CATALOG_FILE))) ?? e);
    printError(io, json, info);
    return exitCodeFor(info.code);
  }
}
