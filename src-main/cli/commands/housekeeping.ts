import type { Command } from 'commander';
import { doctor } from '../../engine/retention/doctor.js';
import { rebuildCommand } from './remote-rebuild.js';
import { addRemoteOptions } from './remote.js';
import type { Retention } from '../../../src-shared/domain/profile.js';
import { formatBytes, formatDateTime } from '../../../src-shared/domain/format.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { withEngine } from '../context.js';
import { positiveFlag } from './source-options.js';
import { EXIT, printJson, table, type Io } from '../output.js';
import { addDecryptOptions, decryptionFromFlags, type DecryptFlags } from './key-options.js';

interface CleanupFlags {
  readonly profile?: string;
  readonly keepLast?: string;
  readonly keepDays?: string;
  readonly keepDaily?: string;
  readonly keepWeekly?: string;
  readonly keepMonthly?: string;
  readonly dryRun?: boolean;
}


/** `import`, `cleanup`, `delete`, `export`, `doctor`. */
export function registerHousekeeping(program: Command, io: Io): void {
  addDecryptOptions(program
    .command('import'))
    .description('verify and register an archive made elsewhere (a Lifeboat archive, or a plain ZIP/tar.gz as a files-only backup)')
    .argument('<archive>')
    .action(async (file: string, o: DecryptFlags, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        const r = await engine.import(file, await decryptionFromFlags(o));
        if (json) printJson(io, { ok: true, ...r });
        else if (r.duplicate) io.out(`Already in the catalog as ${r.id} (same SHA-256 ${r.sha256.slice(0, 16)}…); nothing imported.\n`);
        else {
          io.out(`Imported ${r.kind === 'plain' ? 'plain archive as a files-only backup' : 'Lifeboat backup'} ${r.id}\n  stored at ${r.path}\n`);
          for (const w of r.warnings) io.out(`  warning: ${w.message}\n`);
        }
        return EXIT.ok;
      });
    });

  program
    .command('cleanup')
    .description("delete backups outside the retention rules (each profile's own, or the ones given); safety backups keep 5 / 30 days")
    .option('--profile <name>', 'only this profile')
    .option('--keep-last <n>', 'keep the newest N verified backups')
    .option('--keep-days <n>', 'keep backups younger than N days')
    .option('--keep-daily <n>', 'keep the newest verified backup of each of the last N days')
    .option('--keep-weekly <n>', 'keep the newest verified backup of each of the last N weeks')
    .option('--keep-monthly <n>', 'keep the newest verified backup of each of the last N months')
    .option('--dry-run', 'show what would be deleted')
    .action(async (_o: unknown, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        const f = cmd.opts<CleanupFlags>();
        const rules: Retention = {
          keepLast: positiveFlag(f.keepLast, '--keep-last'),
          keepDays: positiveFlag(f.keepDays, '--keep-days'),
          keepDaily: positiveFlag(f.keepDaily, '--keep-daily'),
          keepWeekly: positiveFlag(f.keepWeekly, '--keep-weekly'),
          keepMonthly: positiveFlag(f.keepMonthly, '--keep-monthly'),
        };
        const override = Object.values(rules).some((v) => v !== null) ? rules : undefined;
        const groups = await engine.cleanup({ ...(f.profile ? { profile: f.profile } : {}), ...(override ? { override } : {}), dryRun: Boolean(f.dryRun) });
        if (json) {
          printJson(io, { ok: true, dryRun: Boolean(f.dryRun), groups: groups.map((g) => ({ name: g.name, rules: g.rules, decisions: g.decisions.map((d) => ({ id: d.backup.id, createdAt: d.backup.createdAt, keep: d.keep, reason: d.reason })) })) });
          return EXIT.ok;
        }
        for (const g of groups) {
          io.out(`${g.name}:\n`);
          if (g.decisions.length === 0) io.out('  no completed backups\n');
          else io.out(table(['ID', 'CREATED', 'SIZE', 'VERIFIED', 'DECISION'], g.decisions.map((d) => [d.backup.id.slice(0, 8), formatDateTime(d.backup.createdAt), formatBytes(d.backup.size ?? 0), d.backup.verifiedAt ? 'yes' : 'no', d.keep ? `keep (${d.reason})` : f.dryRun ? 'would delete' : 'deleted'])));
        }
        return EXIT.ok;
      });
    });

  program
    .command('delete')
    .description('delete a backup: its archive, sidecar and catalog row (the audit trail keeps the record)')
    .argument('<id>')
    .option('--yes', 'confirm')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        const record = engine.record(id);
        if (!cmd.opts<{ yes?: boolean }>().yes) throw new LifeboatError('USAGE', `This deletes ${record.path} (${formatBytes(record.size ?? 0)}) for good. Add --yes to confirm.`);
        await engine.delete(record);
        if (json) printJson(io, { ok: true, deleted: record.id, path: record.path });
        else io.out(`Deleted backup ${record.id} (${record.path}).\n`);
        return EXIT.ok;
      });
    });

  program
    .command('export')
    .description('copy a verified backup elsewhere (off-site storage), with a .sha256 sidecar')
    .argument('<id>')
    .argument('<path>', 'a folder, or the file name to write')
    .action(async (id: string, dest: string, _o: unknown, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        const r = await engine.export(engine.record(id), dest);
        if (json) printJson(io, { ok: true, ...r });
        else io.out(`Exported to ${r.path} (${formatBytes(r.size)}), sha256 ${r.sha256}; sidecar ${r.path}.sha256\n`);
        return EXIT.ok;
      });
    });

  // Off-site remote destinations (issue 14): --rebuild-from and the remote connection flags.
  addDecryptOptions(addRemoteOptions(program.command('doctor'), false))
    .description('compare the backup folders with the catalog: unknown archives (plain and encrypted .age), missing files, leftovers')
    .option('--repair', 'register verified unknown archives from their manifests (encrypted ones with --identity / --passphrase-file), mark missing ones, remove leftovers')
    .option('--rebuild-from <url>', "rebuild catalog rows from a remote's sidecars (s3://, sftp://, rclone:); foreign files are reported, not imported")
    .option('--host <name>', 'with --rebuild-from: only backups made by this host')
    .option('--dry-run', 'with --rebuild-from: report only')
    .action(async (_o: unknown, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        if (cmd.opts<{ rebuildFrom?: string }>().rebuildFrom) return rebuildCommand(engine, cmd.opts(), io, json);
        const r = await doctor(engine.env, Boolean(cmd.opts<{ repair?: boolean }>().repair), await decryptionFromFlags(cmd.opts<DecryptFlags>()));
        if (json) {
          printJson(io, { ok: true, ...r });
          return EXIT.ok;
        }
        io.out(`Checked ${r.folders.length} folder(s): ${r.folders.join(', ')}\n`);
        for (const o of r.orphans) io.out(`  not in the catalog${o.encrypted ? ' (encrypted)' : ''}: ${o.path}${o.registered ? ` → registered as ${o.registered}` : ''}${o.problem ? ` (not registered: ${o.problem})` : ''}\n`);
        for (const m of r.missing) io.out(`  file missing: ${m.path} (backup ${m.id.slice(0, 8)})${r.repaired ? ' → marked FAILED' : ''}\n`);
        for (const l of r.leftovers) io.out(`  leftover: ${l}${r.repaired ? ' → removed' : ''}\n`);
        for (const t of r.tools) io.out(`  ${t.kind} tool ${t.tool}: ${t.path ? `${t.path} (${t.version ?? '?'})` : `not found: ${t.problem ?? ''}`}\n`);
        const issues = r.orphans.length + r.missing.length + r.leftovers.length;
        io.out(issues === 0 ? 'The catalog and the folders agree.\n' : r.repaired ? 'Repaired.\n' : `${issues} issue(s). Run with --repair to fix them.\n`);
        return EXIT.ok;
      });
    });
}
