import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import { formatBytes, formatDuration } from '../../../src-shared/domain/format.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { defaultBackupDir } from '../../engine/home.js';
import type { BackupRequest, BackupResult } from '../../engine/jobs/backup-job.js';
import { backupFailed, backupSucceeded } from '../../engine/notify/outcomes.js';
import { cliMailer, withEngine, type CommandContext } from '../context.js';
import { EXIT, keyValues, printJson, progressPrinter, type Io } from '../output.js';
import { addSourceOptions, readOptionsFromFlags, sourcesFromFlags, type SourceFlags } from './source-options.js';
import { addEncryptOptions, encryptionFromFlags, type EncryptFlags } from './key-options.js';

// Off-site remote destinations (issue 14)
import { copyToRemotes } from '../../engine/remote/remote-copy.js';
import { remoteId } from '../../engine/remote/remote-url.js';
import { addRemoteOptions, printOutcomes, remoteContext, remoteSpecsFromFlags, type RemoteFlags } from './remote.js';

interface BackupFlags extends SourceFlags, EncryptFlags, RemoteFlags {
  readonly profile?: string;
  readonly description?: string;
  readonly pgDump?: string;
  readonly level?: string;
  readonly trigger?: 'MANUAL' | 'SCHEDULED';
  readonly verify?: boolean;
}

/** The request with its encryption (flags, else the profile's), kept apart so buildRequest stays synchronous. */
async function withEncryption(ctx: CommandContext, f: BackupFlags, req: BackupRequest): Promise<BackupRequest> {
  const profile = req.profile ? ctx.engine.profiles.get(req.profile) : null;
  const encryption = await encryptionFromFlags(f, profile ? { name: profile.name, encryption: profile.spec.encryption } : null);
  return encryption ? { ...req, encryption } : req;
}

function buildRequest(ctx: CommandContext, f: BackupFlags): BackupRequest {
  const adhoc = sourcesFromFlags(f);
  const level = f.level === undefined ? 6 : Number(f.level);
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new LifeboatError('USAGE', `--level must be a whole number from 0 to 9, not "${f.level}".`);
  const common = {
    description: f.description ?? '',
    trigger: f.trigger ?? 'MANUAL',
    compressionLevel: level,
    ...(f.pgDump ? { pgDumpPath: f.pgDump } : {}),
  } as const;
  if (f.profile) {
    if (adhoc.length > 0) throw new LifeboatError('USAGE', 'Give either --profile or source flags (--sqlite/--postgres/--mysql/--dir), not both.');
    const p = ctx.engine.profiles.get(f.profile);
    return {
      ...common,
      sources: p.spec.sources,
      type: f.type ?? p.spec.type,
      format: f.format ?? p.spec.format,
      destination: resolve(f.out ?? p.spec.destination ?? defaultBackupDir(ctx.engine.env.home)),
      profile: p.name,
      verify: f.verify === false ? false : p.spec.options.verify,
      hooks: p.spec.hooks, // issue 12 item 7: the profile's pre/post-backup commands
      options: {
        allowEmpty: f.allowEmpty ?? p.spec.options.allowEmpty,
        skipUnreadable: f.skipUnreadable ?? p.spec.options.skipUnreadable,
        onChangedFile: p.spec.options.onChangedFile,
        includeSparse: p.spec.options.includeSparse,
        crossFilesystems: p.spec.options.crossFilesystems,
        ...readOptionsFromFlags(f),
      },
    };
  }
  if (adhoc.length === 0) throw new LifeboatError('USAGE', 'Nothing to back up: give --profile NAME, or at least one --sqlite, --postgres, --mysql or --dir.');
  return {
    ...common,
    sources: adhoc,
    type: f.type ?? 'full',
    format: f.format ?? 'zip',
    destination: resolve(f.out ?? defaultBackupDir(ctx.engine.env.home)),
    profile: null,
    verify: f.verify !== false,
    options: { allowEmpty: Boolean(f.allowEmpty), skipUnreadable: Boolean(f.skipUnreadable), ...readOptionsFromFlags(f) },
  };
}

function describe(io: Io, r: BackupResult): void {
  const sources = r.summary.sources
    .map((s) => `${s.name} (${s.kind}, ${s.rows !== null ? `${s.rows} rows` : `${s.files ?? 0} files`}, ${formatBytes(s.bytes)})`)
    .join(', ');
  io.out(`Backup completed: ${r.fileName}\n`);
  io.out(
    keyValues([
      ['id', r.id],
      ['path', r.path],
      ['size', `${formatBytes(r.size)} (${r.size} bytes)`],
      ['sha256', r.sha256],
      ...(r.plain ? [['encrypted', `age; the plain archive inside has sha256 ${r.plain.sha256}`] as [string, string]] : []),
      ['sources', sources],
      ['took', formatDuration(r.durationMs)],
    ]),
  );
  for (const w of r.warnings) io.out(`  warning: ${w.message}\n`);
}

/** `lifeboat backup`. */
export function registerBackup(program: Command, io: Io): void {
  addRemoteOptions(addEncryptOptions(addSourceOptions(program.command('backup').description('back up a profile, or SQLite/PostgreSQL databases and folders given as flags'))))
    .option('--profile <name>', 'back up a saved profile')
    .option('--description <text>', 'a note stored with the backup')
    .option('--pg-dump <path>', 'pg_dump to use (default: LIFEBOAT_PG_DUMP, PATH, then /usr/lib/postgresql/*/bin)')
    .option('--level <n>', 'compression level 0-9', '6')
    .option('--no-verify', 'skip re-reading the archive after writing it (verification is on by default)')
    .addOption(new Option('--trigger <trigger>', 'record the backup as started by').choices(['MANUAL', 'SCHEDULED']).default('MANUAL'))
    .action(async (_opts: BackupFlags, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async (ctx) => {
        const f = cmd.opts<BackupFlags>();
        const request = await withEncryption(ctx, f, buildRequest(ctx, f));
        // The profile's remotes plus any --remote (same URL once); checked before the backup runs.
        const remotes = [...(f.profile ? ctx.engine.profiles.get(f.profile).spec.remotes : []), ...remoteSpecsFromFlags(f)].filter(
          (r, i, all) => all.findIndex((o) => remoteId(o.url) === remoteId(r.url)) === i,
        );
        const bar = ctx.json ? undefined : progressPrinter(io);
        const abort = new AbortController();
        const onSigint = (): void => abort.abort();
        process.once('SIGINT', onSigint);
        process.once('SIGTERM', onSigint);
        try {
          const mailer = cliMailer(ctx.engine);
          let id: string | null = null;
          const result = await ctx.engine
            .backup(request, { signal: abort.signal, onStarted: (x) => (id = x), ...(bar ? { onProgress: bar.update } : {}) })
            .catch(async (e: unknown) => {
              await mailer.send(backupFailed(request, id, e));
              throw e;
            });
          // Off-site copies run after the local backup is committed: a remote failure is recorded
          // on the copy (FAILED + reason, retried by `remote sync`), never on the local backup.
          bar?.clear();
          const copies = remotes.length ? await copyToRemotes(ctx.engine.env, ctx.engine.record(result.id), remotes, { ...remoteContext(io, ctx.json), signal: abort.signal }) : [];
          await mailer.send(backupSucceeded(request, result));
          if (ctx.json) {
            const { manifest: _m, ...rest } = result;
            printJson(io, { ok: true, ...rest, remotes: copies });
          } else {
            describe(io, result);
            if (copies.length) printOutcomes(io, copies);
          }
          return EXIT.ok;
        } finally {
          bar?.clear();
          process.off('SIGINT', onSigint);
          process.off('SIGTERM', onSigint);
        }
      });
    });
}
