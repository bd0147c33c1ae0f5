import type { Command } from 'commander';
import { formatBytes, formatDuration } from '../../../src-shared/domain/format.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { RestoreStep } from '../../engine/restore/restore-job.js';
import { ORIGIN_TEXT, type RestorePlan } from '../../engine/restore/restore-plan.js';
import { restoreFailed, restoreSucceeded } from '../../engine/notify/outcomes.js';
import { printable } from '../../engine/util/printable.js';
import { cliMailer, collect, withEngine } from '../context.js';
import { addPgRestoreOptions, pgRestoreFromFlags, type PgRestoreFlags } from './source-options.js';
import { EXIT, printJson, progressPrinter, table, type Io } from '../output.js';
import { addDecryptOptions, decryptionFromFlags, type DecryptFlags } from './key-options.js';

// Off-site remote destinations (issue 14)
import { fetchFromRemote } from '../../engine/remote/remote-fetch.js';
import { addRemoteOptions, remoteContext, remoteSpecFromFlags, type RemoteFlags } from './remote.js';

interface RestoreFlags extends DecryptFlags, RemoteFlags {
  readonly fromRemote?: string | boolean;
  readonly check?: boolean;
  readonly dryRun?: boolean;
  readonly only?: string[];
  readonly toDir?: string;
  readonly toSqlite?: string;
  readonly toPostgres?: string;
  readonly toMysql?: string;
  readonly safetyBackup: boolean;
  readonly yes?: boolean;
  readonly pgRestore?: string;
  readonly applyOwners?: boolean;
  readonly confirmSmaller?: boolean;
  readonly useRecorded?: string[];
  readonly offset?: string;
  readonly limit?: string;
}

function planTable(plan: RestorePlan): string {
  return table(
    ['SOURCE', 'KIND', 'TARGET', 'TARGET FROM', 'WRITES', 'OVERWRITES'],
    plan.targets.map((t) => [t.source, t.kind, t.target, ORIGIN_TEXT[t.origin], formatBytes(t.writeBytes), t.exists ? (t.overwriteBytes === null ? 'existing database' : formatBytes(t.overwriteBytes)) : '(new)']),
  );
}

/** What the restore deletes, replaces and adds at each folder target, and the "much smaller" warnings. */
function changesText(plan: RestorePlan): string {
  const lines: string[] = [];
  for (const t of plan.targets) {
    const c = t.changes;
    const sel = t.selection;
    if (sel) {
      // File-level restore: say what is selected and that nothing outside it changes.
      lines.push(`${t.target}: restores ${sel.roots.length} selected path(s) of ${t.source} (${sel.files} files, ${formatBytes(sel.bytes)}); nothing outside them is changed`);
      for (const r of sel.roots.slice(0, 20)) lines.push(`  select  ${printable(r)}`);
      if (sel.roots.length > 20) lines.push(`  select  … and ${sel.roots.length - 20} more`);
    }
    if (c) {
      lines.push(`${t.target}: deletes ${c.deleted.count} (${formatBytes(c.deleted.bytes)}) not in the backup, replaces ${c.replaced.count} (${formatBytes(c.replaced.bytes)}), adds ${c.added.count}, keeps ${c.unchanged} unchanged`);
      for (const [what, list] of [['delete', c.deleted], ['replace', c.replaced], ['add', c.added]] as const) {
        for (const p of list.paths) lines.push(`  ${what.padEnd(7)} ${printable(p)}`);
        const shown = list.paths.length;
        if (list.count > shown) lines.push(`  ${what.padEnd(7)} … listed ${shown ? `${list.offset + 1}–${list.offset + shown}` : 'none'} of ${list.count} (--offset N --limit N pages through them)`);
      }
    } else if (t.exists && typeof t.liveRows === 'number') {
      lines.push(`${t.target}: replaces ${t.liveRows} rows with the backup's ${t.backupRows ?? 0}`);
    } else if (t.exists && (t.kind === 'postgres' || t.kind === 'mysql')) {
      lines.push(`${t.target}: replaces the existing database`);
    }
  }
  for (const w of plan.smaller) lines.push(`WARNING much smaller: ${w}`);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** Test-only pause points (`LIFEBOAT_TEST_PAUSE_AFTER=swapped`), for the kill -9 recovery test. */
function testPause(): ((s: RestoreStep) => Promise<void>) | undefined {
  const at = process.env.LIFEBOAT_TEST_PAUSE_AFTER;
  if (!at) return undefined;
  return async (s) => {
    if (s !== at) return;
    process.stderr.write(`paused after ${s}\n`);
    await new Promise((r) => setTimeout(r, 60_000));
  };
}

function pageNumber(v: string | undefined, flag: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new LifeboatError('USAGE', `${flag} takes a whole number ≥ 0, not "${v}".`);
  return n;
}

/** `lifeboat restore`. */
export function registerRestore(program: Command, io: Io): void {
  // Issue 13: whole-server and pgAdmin-style PostgreSQL restore options; issue 14: decryption keys.
  addRemoteOptions(addDecryptOptions(addPgRestoreOptions(program.command('restore'))), false)
    .option('--from-remote [url]', 'download the archive from a remote copy first (the first verified one, or this URL), check its SHA-256 against the catalog, then restore')
    .description('restore a backup: verify first, safety backup, stage, swap, check, roll back on failure')
    .argument('<id|archive>', 'a backup id (or unique prefix), or an archive file')
    .option('--check', 'run the pre-flight only (checksum, space, permissions, tools); change nothing')
    .option('--dry-run', 'list what would be written and overwritten, with sizes; change nothing')
    .option('--only <source[:path]>', 'restore just this source, or (SOURCE:PATH or SOURCE:GLOB) just these files/folders of a folder source; a glob without "/" matches names at any depth (repeatable)', collect)
    .option('--to-dir <dir>', 'restore folder sources here instead of their original place')
    .option('--to-sqlite <path>', 'restore the SQLite source to this file')
    .option('--to-postgres <url>', 'restore the PostgreSQL source into this database (any form psql takes: URI, key=value, service=NAME)')
    .option('--to-mysql <url>', 'restore the MariaDB/MySQL source into this database (mysql://user@host:port/db or mysql://user@localhost/db?socket=PATH)')
    .option('--no-safety-backup', 'skip the safety backup of what will be overwritten (needs --yes)')
    .option('--yes', 'confirm --no-safety-backup')
    .option('--apply-owners', 'give restored files the owners recorded in the backup (system restore, as root); off by default')
    .option('--use-recorded <source>', 'restore SOURCE to the place recorded in an archive that did not come from this machine\'s catalog (repeatable)', collect)
    .option('--confirm-smaller', 'restore even though the backup is much smaller (rows, files, bytes) than what it replaces')
    .option('--offset <n>', 'with --dry-run/--check: skip the first N paths of each change list', '0')
    .option('--limit <n>', 'with --dry-run/--check: list at most N paths of each change list (default 20; 200 with --json)')
    .option('--pg-restore <path>', 'pg_restore to use (default: LIFEBOAT_PG_RESTORE, PATH, /usr/lib/postgresql/*/bin)')
    .action(async (target: string, _o: unknown, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        const f = cmd.opts<RestoreFlags>();
        if (!f.safetyBackup && !f.yes) throw new LifeboatError('USAGE', '--no-safety-backup deletes your only way back if the restore is wrong; add --yes to confirm.');
        const req = {
          ...(f.only ? { only: f.only } : {}),
          ...(f.toDir ? { toDir: f.toDir } : {}),
          ...(f.toSqlite ? { toSqlite: f.toSqlite } : {}),
          ...(f.toPostgres ? { toPostgres: f.toPostgres } : {}),
          ...(f.toMysql ? { toMysql: f.toMysql } : {}),
          ...pgRestoreFromFlags(cmd.opts<PgRestoreFlags>()),
          ...(f.pgRestore ? { pgRestorePath: f.pgRestore } : {}),
          safetyBackup: f.safetyBackup,
          ...(f.applyOwners ? { applyOwners: true } : {}),
          ...(f.confirmSmaller ? { confirmSmaller: true } : {}),
          ...(f.useRecorded ? { useRecorded: f.useRecorded } : {}),
          page: { offset: pageNumber(f.offset, '--offset', 0), limit: pageNumber(f.limit, '--limit', json ? 200 : 20) },
        };
        if (f.fromRemote) {
          const record = engine.record(target);
          const fetched = await fetchFromRemote(engine.env, record, typeof f.fromRemote === 'string' ? remoteSpecFromFlags(f.fromRemote, f) : undefined, remoteContext(io, json));
          if (!json) io.err(`Downloaded ${record.fileName} from ${fetched.remoteId} (sha256 ${fetched.sha256.slice(0, 16)}… matches the catalog).\n`);
        }
        const resolved = await engine.resolve(target);
        const key = await decryptionFromFlags(f);
        if (f.check || f.dryRun) {
          const plan = await engine.planRestore(resolved, req, key);
          const ok = plan.problems.length === 0;
          if (json) {
            const { manifest: _m, targets, ...rest } = plan;
            printJson(io, { ok, ...rest, targets: targets.map(({ connectUrl: _c, ...t }) => t) });
          } else {
            io.out(`${f.dryRun ? 'Dry run' : 'Pre-flight'} for ${plan.archive} (sha256 ${plan.sha256.slice(0, 16)}…, ${plan.checksumSource === 'none' ? 'no checksum on record' : `checked against the ${plan.checksumSource}`}):\n`);
            io.out(planTable(plan));
            io.out(changesText(plan));
            for (const p of plan.problems) io.err(`  problem: ${p}\n`);
            if (plan.smaller.length && !f.confirmSmaller) io.err('  The backup is much smaller than what it replaces: the restore needs --confirm-smaller.\n');
            io.out(ok ? 'No problems found. Nothing was changed.\n' : `${plan.problems.length} problem(s). Nothing was changed.\n`);
          }
          return ok ? EXIT.ok : plan.checksumOk ? EXIT.failed : EXIT.verifyFailed;
        }
        const bar = json ? undefined : progressPrinter(io);
        const pause = testPause();
        try {
          const mailer = cliMailer(engine);
          const r = await engine.restore(resolved, req, { ...(bar ? { onProgress: bar.update } : {}), ...(pause ? { afterStep: pause } : {}), ...(json ? {} : { onPlan: (p: RestorePlan) => io.err(changesText(p)) }) }, key).catch(async (e: unknown) => {
            await mailer.send(restoreFailed(resolved.path, e));
            throw e;
          });
          await mailer.send(restoreSucceeded(resolved.path, resolved.record?.sha256 ?? '', r));
          bar?.clear();
          if (json) printJson(io, { ok: true, ...r, targets: r.targets.map(({ connectUrl: _c, ...t }) => t) });
          else {
            io.out(`Restore ${r.id.slice(0, 8)} completed in ${formatDuration(r.durationMs)}.\n`);
            io.out(table(['SOURCE', 'KIND', 'RESTORED TO'], r.targets.map((t) => [t.source, t.kind, t.target])));
            io.out(r.safetyBackupId ? `Safety backup of the previous state: ${r.safetyBackupId}\n` : 'No safety backup was needed (nothing was overwritten).\n');
            for (const w of r.warnings) io.out(`  pg_restore ${w}\n`);
          }
          return EXIT.ok;
        } finally {
          bar?.clear();
        }
      });
    });
}
