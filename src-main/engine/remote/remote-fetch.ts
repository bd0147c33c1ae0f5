import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { BackupRecord } from '../../../src-shared/domain/backup.js';
import { remoteSpecSchema, type RemoteSpec, type RemoteSpecInput } from '../../../src-shared/domain/profile.js';
import { LifeboatError, toErrorInfo } from '../../../src-shared/errors/lifeboat-error.js';
import { RemoteCopiesRepo } from '../catalog/remote-copies-repo.js';
import type { EngineEnv } from '../engine-env.js';
import { defaultBackupDir } from '../home.js';
import { summarize } from '../jobs/manifest-parts.js';
import { fsyncFileAndDir } from '../util/durable.js';
import { faultPoint } from '../util/fault.js';
import { sweepDeadOwners } from '../util/temp-sweep.js';
import type { RemoteDestination } from './destination.js';
import { openDestination } from './open-destination.js';
import { checkRemoteObject, sha256File, type RemoteContext } from './remote-copy.js';
import { remoteId } from './remote-url.js';
import { parseSidecar, SIDECAR_MAX_BYTES, SIDECAR_SUFFIX, type RemoteSidecar } from './sidecar.js';

const ARCHIVE = /\.(zip|tar\.gz)$/;

/** Another catalog row keeps its archive at `path` (a remote's name must never land on it). */
function usedByAnother(env: EngineEnv, path: string, id: string): boolean {
  return env.catalog.db.prepare('SELECT 1 FROM backups WHERE path = ? AND id <> ? LIMIT 1').get(path, id) !== undefined;
}

/**
 * Where a rebuilt row's archive will be downloaded: its own name in the default backup folder,
 * unless a file or another backup is there already (a shared bucket's names are other hosts',
 * or a hostile listing's): then the name carries the backup id.
 */
async function freshLocalPath(env: EngineEnv, sc: RemoteSidecar): Promise<string> {
  const dir = defaultBackupDir(env.home);
  for (const name of [basename(sc.fileName), `${sc.backupId}-${basename(sc.fileName)}`]) {
    const path = join(dir, name);
    if (!usedByAnother(env, path, sc.backupId) && !(await stat(path).catch(() => null))) return path;
  }
  throw new LifeboatError('DESTINATION_UNWRITABLE', `No free name for ${sc.fileName} in ${dir}: both it and ${sc.backupId}-${sc.fileName} are taken. Move those files, then rebuild again.`, { dir });
}
const PARTIAL = /\.lifeboat-partial$/;

function opener(ctx: RemoteContext): (s: RemoteSpec) => RemoteDestination {
  return ctx.open ?? ((s) => openDestination(s, ctx.secrets?.(s) ?? {}));
}

/**
 * Bring a backup's archive back from a remote for a restore: download to a temporary name beside
 * the catalog path, check the SHA-256 against the catalog, then rename it into place (so the
 * local copy exists again). `spec` picks the remote; by default the first VERIFIED copy.
 */
export async function fetchFromRemote(env: EngineEnv, record: BackupRecord, spec: RemoteSpec | undefined, ctx: RemoteContext = {}): Promise<{ path: string; remoteId: string; sha256: string }> {
  const repo = new RemoteCopiesRepo(env.catalog.db);
  const rows = repo.ofBackup(record.id);
  const row = spec ? rows.find((r) => r.remoteId === remoteId(spec.url)) : (rows.find((r) => r.state === 'VERIFIED') ?? rows[0]);
  const useSpec = spec ?? row?.spec;
  if (!useSpec) throw new LifeboatError('NOT_FOUND', `Backup ${record.id.slice(0, 8)} has no copy on any remote; give the remote URL (--from-remote URL).`, { id: record.id });
  if (!record.sha256) throw new LifeboatError('NOT_FOUND', `Backup ${record.id.slice(0, 8)} has no recorded SHA-256 to check a download against.`, { id: record.id });
  const dest = opener(ctx)(useSpec);
  // A name of this fetch alone: with one name per process, a second fetch of the same backup (two
  // windows, a retry) removed the first one's download and the first then hashed the second's half
  // file (a false CHECKSUM_MISMATCH blaming a good remote copy) or renamed it into place half-written.
  // The host's tag and the pid let a later fetch remove what a killed one left (a whole archive's
  // worth of bytes beside the backups, which nothing else ever looks at), and only that.
  const leftovers = `.lifeboat-tmp-download-${record.id.slice(0, 8)}-${createHash('sha256').update(env.host).digest('hex').slice(0, 8)}-`;
  const temp = join(dirname(record.path), `${leftovers}${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(dirname(record.path), { recursive: true });
    await sweepDeadOwners(dirname(record.path), leftovers, env.host);
    let done = 0;
    await dest.get(row?.objectName ?? record.fileName, temp, (n) => {
      done += n;
      ctx.onProgress?.({ remoteId: dest.id, fileName: record.fileName, bytesDone: done, bytesTotal: record.size ?? 0 });
      // A remote object longer than the catalog's archive (changed, or a hostile server streaming
      // without end) is stopped at that size instead of filling the local disk before the hash check.
    }, record.size ?? undefined);
    faultPoint('remote:downloaded');
    const sha256 = await sha256File(temp);
    if (sha256 !== record.sha256) {
      throw new LifeboatError('CHECKSUM_MISMATCH', `The copy of ${record.fileName} downloaded from ${dest.id} has SHA-256 ${sha256.slice(0, 16)}…, the catalog records ${record.sha256.slice(0, 16)}…; it was not used.`, {
        remote: dest.id,
        got: sha256,
        expected: record.sha256,
      });
    }
    // The catalog's path, never a file another backup owns (a row rebuilt from a listing may name one).
    if (usedByAnother(env, record.path, record.id)) {
      throw new LifeboatError('DESTINATION_UNWRITABLE', `Not downloading ${record.fileName} over ${record.path}: that file is another backup's archive. Run \`lifeboat doctor --rebuild-from\` again to give backup ${record.id.slice(0, 8)} its own name.`, { path: record.path });
    }
    await rename(temp, record.path);
    await fsyncFileAndDir(record.path);
    env.catalog.audit.append({ actor: env.actor, action: 'remote.fetch', target: record.id, outcome: 'success', details: { remote: dest.id, path: record.path, sha256 } });
    return { path: record.path, remoteId: dest.id, sha256 };
  } catch (e) {
    env.catalog.audit.append({ actor: env.actor, action: 'remote.fetch', target: record.id, outcome: 'failure', details: { remote: dest.id, error: toErrorInfo(e) } });
    throw e;
  } finally {
    await rm(temp, { force: true });
    await dest.close();
  }
}

/** One entry of a remote listing as `doctor --rebuild-from` judged it. */
export interface RebuildEntry {
  readonly name: string;
  /** imported: a new catalog row; known: already in the catalog; problem: a sidecar that does not hold up; foreign: not Lifeboat's. */
  readonly verdict: 'imported' | 'known' | 'problem' | 'foreign' | 'incomplete';
  readonly backupId: string | null;
  readonly host: string | null;
  readonly profile: string | null;
  readonly createdAt: string | null;
  readonly detail: string | null;
}

/** What `doctor --rebuild-from` found on a remote. */
export interface RebuildReport {
  readonly remoteId: string;
  readonly entries: readonly RebuildEntry[];
  /** Backups per host (the per-host view of a shared bucket). */
  readonly hosts: readonly { host: string; backups: number }[];
  readonly dryRun: boolean;
}

/**
 * Rebuild catalog rows from a remote's sidecars (a new laptop sees every backup in the bucket,
 * other hosts' too). Each sidecar must parse, name an archive present in the listing with its
 * size, and the archive's SHA-256 on the remote must match; then the backup is registered
 * (path: the default backup folder, where `restore --from-remote` downloads it) with a VERIFIED
 * remote copy. Anything else in the listing is reported, never imported.
 */
export async function rebuildFromRemote(env: EngineEnv, input: RemoteSpecInput, opts: { dryRun: boolean; host?: string }, ctx: RemoteContext = {}): Promise<RebuildReport> {
  const spec = remoteSpecSchema.parse(input);
  const id = remoteId(spec.url);
  const repo = new RemoteCopiesRepo(env.catalog.db);
  const dest = opener(ctx)(spec);
  const entries: RebuildEntry[] = [];
  const none = { backupId: null, host: null, profile: null, createdAt: null };
  try {
    const listing = await dest.list();
    const sizes = new Map(listing.map((o) => [o.name, o.size]));
    const claimed = new Set<string>();
    for (const o of listing) {
      if (!o.name.endsWith(SIDECAR_SUFFIX)) continue;
      const archive = o.name.slice(0, -SIDECAR_SUFFIX.length);
      claimed.add(o.name);
      let sc: RemoteSidecar | null = null;
      try {
        const parsed = parseSidecar(await dest.getSmall(o.name, SIDECAR_MAX_BYTES));
        if ('problem' in parsed) throw new Error(parsed.problem);
        sc = parsed.sidecar;
        if (sc.fileName !== archive) throw new Error(`it describes ${sc.fileName}, not ${archive}`);
        if (!sizes.has(archive)) throw new Error(`its archive ${archive} is not on the remote`);
        claimed.add(archive);
        if (sizes.get(archive) !== sc.size) throw new Error(`${archive} is ${sizes.get(archive)} bytes, the sidecar says ${sc.size}`);
        if (opts.host && sc.host !== opts.host) continue;
        const base = { name: archive, backupId: sc.backupId, host: sc.host, profile: sc.profile, createdAt: sc.createdAt };
        if (env.catalog.backups.get(sc.backupId)?.id === sc.backupId) {
          entries.push({ ...base, verdict: 'known', detail: null });
          continue;
        }
        const how = await checkRemoteObject(dest, { objectName: archive, size: sc.size, sha256: sc.sha256, parts: [] });
        if (!opts.dryRun) register(env, repo, sc, spec, id, how, await freshLocalPath(env, sc));
        entries.push({ ...base, verdict: 'imported', detail: `checked by ${how}` });
      } catch (e) {
        entries.push({ name: o.name, verdict: 'problem', ...none, ...(sc ? { backupId: sc.backupId, host: sc.host, profile: sc.profile, createdAt: sc.createdAt } : {}), detail: toErrorInfo(e).message });
      }
    }
    for (const o of listing) {
      if (claimed.has(o.name)) continue;
      if (PARTIAL.test(o.name)) entries.push({ name: o.name, verdict: 'incomplete', ...none, detail: 'an upload that did not finish (removed by the next upload of that backup)' });
      else entries.push({ name: o.name, verdict: 'foreign', ...none, detail: ARCHIVE.test(o.name) ? 'an archive without a Lifeboat sidecar' : 'not a Lifeboat file' });
    }
  } finally {
    await dest.close();
  }
  const perHost = new Map<string, number>();
  for (const e of entries) if (e.host && (e.verdict === 'imported' || e.verdict === 'known')) perHost.set(e.host, (perHost.get(e.host) ?? 0) + 1);
  if (!opts.dryRun) {
    env.catalog.audit.append({ actor: env.actor, action: 'doctor.rebuild-from', target: id, outcome: 'success', details: { imported: entries.filter((e) => e.verdict === 'imported').map((e) => e.backupId) } });
  }
  return { remoteId: id, entries, hosts: [...perHost].map(([host, backups]) => ({ host, backups })).sort((a, b) => a.host.localeCompare(b.host)), dryRun: opts.dryRun };
}

function register(env: EngineEnv, repo: RemoteCopiesRepo, sc: RemoteSidecar, spec: RemoteSpec, id: string, how: import('../../../src-shared/domain/remote.js').RemoteCheck, path: string): void {
  const m = sc.manifest;
  const at = env.now().toISOString();
  env.catalog.backups.insertCompleted({
    id: sc.backupId,
    fileName: sc.fileName,
    // Not on this disk yet: `restore --from-remote` downloads it here.
    path,
    format: sc.format,
    type: m.type,
    trigger: m.trigger,
    description: m.description,
    createdBy: m.user,
    host: sc.host,
    pid: process.pid,
    createdAt: sc.createdAt,
    profile: sc.profile,
    searchText: [m.description, sc.fileName, sc.profile ?? '', sc.host, ...m.sources.map((s) => s.name)].join(' '),
    size: sc.size,
    sha256: sc.sha256,
    finishedAt: at,
    summary: summarize(m),
    warnings: [],
    // Checked on the remote, not re-read here: a full verify marks it when it is downloaded.
    verifiedAt: null,
  });
  repo.ensure({ backupId: sc.backupId, remoteId: id, spec, objectName: sc.fileName, fileName: sc.fileName, profile: sc.profile, size: sc.size, sha256: sc.sha256, createdAt: sc.createdAt, at });
  repo.markVerified(sc.backupId, id, how, at);
}

/** Whether a local archive is present (History shows "remote only" otherwise). */
export async function localPresent(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}
