import type { Command } from 'commander';
import { formatBytes, formatDateTime, formatDuration } from '../../../src-shared/domain/format.js';
import { remoteSpecSchema, type RemoteSpec } from '../../../src-shared/domain/profile.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { RemoteCopiesRepo } from '../../engine/catalog/remote-copies-repo.js';
import type { RemoteSecrets } from '../../engine/remote/destination.js';
import { syncRemotes, verifyRemotes, type RemoteContext, type RemoteCopyOutcome } from '../../engine/remote/remote-copy.js';
import { pruneRemotes } from '../../engine/remote/remote-retention.js';
import { parseRemoteUrl } from '../../engine/remote/remote-url.js';
import { collect, withEngine } from '../context.js';
import { EXIT, printJson, table, type Io } from '../output.js';

/** The flags that describe remotes on the command line. */
export interface RemoteFlags {
  readonly remote?: string[];
  readonly s3Endpoint?: string;
  readonly s3Region?: string;
  readonly s3PathStyle?: boolean;
  readonly s3PartSize?: string;
  readonly sshKey?: string;
  readonly knownHosts?: string;
  readonly bwlimit?: string;
}

/** Add `--remote URL` (repeatable) and the options that go with it. */
export function addRemoteOptions(cmd: Command, withRemote = true): Command {
  if (withRemote) cmd.option('--remote <url>', 'also copy to this remote: s3://bucket/prefix, sftp://user@host:port/path, rclone:remote:path (repeatable)', collect);
  return cmd
    .option('--s3-endpoint <url>', 'S3: endpoint of a non-AWS server (MinIO, Ceph, R2...)')
    .option('--s3-region <region>', 'S3: region (default AWS_REGION, else us-east-1)')
    .option('--s3-path-style', 'S3: path-style addressing (endpoint/bucket/key)')
    .option('--s3-part-size <MiB>', 'S3: multipart part size in MiB (min 5)')
    .option('--ssh-key <file>', 'SFTP: private key file (default: the agent in SSH_AUTH_SOCK)')
    .option('--known-hosts <file>', 'SFTP: known_hosts to check the host key against (default ~/.ssh/known_hosts)')
    .option('--bwlimit <KiB/s>', 'upload bandwidth limit per remote, in KiB/s');
}

function whole(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new LifeboatError('USAGE', `${flag} takes a whole number > 0, not "${v}".`);
  return n;
}

/** A remote spec from a URL and the shared remote flags. */
export function remoteSpecFromFlags(url: string, f: RemoteFlags): RemoteSpec {
  parseRemoteUrl(url);
  const r = remoteSpecSchema.safeParse({
    url,
    ...(f.s3Endpoint ? { s3Endpoint: f.s3Endpoint } : {}),
    ...(f.s3Region ? { s3Region: f.s3Region } : {}),
    s3PathStyle: Boolean(f.s3PathStyle),
    ...(f.s3PartSize ? { s3PartSizeMiB: whole(f.s3PartSize, '--s3-part-size') } : {}),
    ...(f.sshKey ? { sshKey: f.sshKey } : {}),
    ...(f.knownHosts ? { knownHosts: f.knownHosts } : {}),
    bwlimitKiB: whole(f.bwlimit, '--bwlimit') ?? null,
  });
  if (!r.success) throw new LifeboatError('USAGE', `The remote ${url}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** Every `--remote` given. */
export function remoteSpecsFromFlags(f: RemoteFlags): RemoteSpec[] {
  return (f.remote ?? []).map((u) => remoteSpecFromFlags(u, f));
}

/** Secrets the CLI can take: an SFTP password from LIFEBOAT_SFTP_PASSWORD (S3 keys: the AWS variables). */
export function cliRemoteSecrets(): RemoteSecrets {
  return { ...(process.env.LIFEBOAT_SFTP_PASSWORD ? { sshPassword: process.env.LIFEBOAT_SFTP_PASSWORD } : {}) };
}

/** Progress for uploads and downloads: MB/s and ETA, one redrawn line on a terminal. */
export function remoteContext(io: Io, json: boolean): RemoteContext {
  const started = new Map<string, number>();
  let last = 0;
  return {
    secrets: () => cliRemoteSecrets(),
    onProgress: (p) => {
      if (json || !io.isTTY) return;
      const key = `${p.remoteId} ${p.fileName}`;
      const t0 = started.get(key) ?? Date.now();
      started.set(key, t0);
      const now = Date.now();
      if (now - last < 200 && p.bytesDone < p.bytesTotal) return;
      last = now;
      const rate = p.bytesDone / Math.max(0.001, (now - t0) / 1000);
      const eta = rate > 0 ? ((p.bytesTotal - p.bytesDone) / rate) * 1000 : 0;
      io.err(`\r\x1b[2K${p.remoteId}: ${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)} ${(rate / 1e6).toFixed(1)} MB/s ETA ${formatDuration(eta)}`);
      if (p.bytesDone >= p.bytesTotal) io.err('\r\x1b[2K');
    },
  };
}

/** Print remote outcomes as a table. */
export function printOutcomes(io: Io, outcomes: readonly RemoteCopyOutcome[]): void {
  if (outcomes.length === 0) {
    io.out('No remote copies to work on.\n');
    return;
  }
  io.out(
    table(
      ['BACKUP', 'REMOTE', 'STATE', 'CHECKED', 'DETAIL'],
      outcomes.map((o) => [
        o.backupId.slice(0, 8),
        o.remoteId,
        o.state,
        o.checkedAt ? formatDateTime(o.checkedAt) : '-',
        o.state === 'VERIFIED' ? `sha256 by ${o.howChecked ?? '?'}${o.resumedParts ? `, resumed after ${o.resumedParts} part(s)` : ''}${o.resumedBytes ? `, resumed after ${formatBytes(o.resumedBytes)} already on the server` : ''}` : `${o.errorCode ?? ''} ${o.reason ?? ''}`.trim(),
      ]),
    ),
  );
}

/** `lifeboat remote ...`. */
export function registerRemote(program: Command, io: Io): void {
  const remote = program.command('remote').description('off-site copies: upload what is pending, re-verify, apply remote retention, list');

  remote
    .command('sync')
    .description('upload every backup not yet verified on its remotes (resumes interrupted uploads)')
    .option('--profile <name>', 'only this profile')
    .action(async (_o: unknown, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        const out = await syncRemotes(engine.env, { ...(cmd.opts<{ profile?: string }>().profile ? { profile: cmd.opts<{ profile?: string }>().profile } : {}) }, remoteContext(io, json));
        const ok = out.every((o) => o.state === 'VERIFIED');
        if (json) printJson(io, { ok, copies: out });
        else printOutcomes(io, out);
        return ok ? EXIT.ok : EXIT.failed;
      });
    });

  remote
    .command('verify')
    .description('re-check size and SHA-256 of every uploaded copy; a copy changed after upload is marked FAILED')
    .option('--profile <name>', 'only this profile')
    .option('--remote <url>', 'only this remote')
    .action(async (_o: unknown, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        const f = cmd.opts<{ profile?: string; remote?: string }>();
        const out = await verifyRemotes(engine.env, { ...(f.profile ? { profile: f.profile } : {}), ...(f.remote ? { remote: f.remote } : {}) }, remoteContext(io, json));
        const ok = out.every((o) => o.state === 'VERIFIED');
        if (json) printJson(io, { ok, copies: out });
        else printOutcomes(io, out);
        return ok ? EXIT.ok : EXIT.verifyFailed;
      });
    });

  remote
    .command('prune')
    .description("delete remote copies older than each remote's keepDays (never the newest verified one)")
    .option('--profile <name>', 'only this profile')
    .option('--dry-run', 'show what each remote would delete')
    .action(async (_o: unknown, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        const f = cmd.opts<{ profile?: string; dryRun?: boolean }>();
        const out = await pruneRemotes(engine.env, { ...(f.profile ? { profile: f.profile } : {}), dryRun: Boolean(f.dryRun) }, remoteContext(io, json));
        if (json) printJson(io, { ok: out.every((d) => !d.error), dryRun: Boolean(f.dryRun), decisions: out });
        else
          io.out(
            table(
              ['REMOTE', 'BACKUP', 'CREATED', 'STATE', 'DECISION'],
              out.map((d) => [d.remoteId, d.backupId.slice(0, 8), formatDateTime(d.createdAt), d.state, d.keep ? `keep (${d.reason})` : d.error ? `delete failed: ${d.error}` : `${f.dryRun ? 'would delete' : 'deleted'} (${d.reason})`]),
            ),
          );
        return out.some((d) => d.error) ? EXIT.failed : EXIT.ok;
      });
    });

  remote
    .command('list')
    .description('where each backup has a remote copy, and its state')
    .argument('[id]', 'one backup (id or prefix)')
    .action(async (id: string | undefined, _o: unknown, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        const repo = new RemoteCopiesRepo(engine.env.catalog.db);
        const rows = (id ? repo.ofBackup(engine.record(id).id) : repo.list()).map(({ spec: _s, parts, ...r }) => ({ ...r, parts: parts.length }));
        if (json) printJson(io, { ok: true, copies: rows });
        else io.out(table(['BACKUP', 'REMOTE', 'STATE', 'CHECKED', 'REASON'], rows.map((r) => [r.backupId.slice(0, 8), r.remoteId, r.state, r.checkedAt ? formatDateTime(r.checkedAt) : '-', r.reason ?? ''])));
        return EXIT.ok;
      });
    });
}
