import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import type { BackupRecord } from '../../../src-shared/domain/backup.js';
import type { RemoteSpec } from '../../../src-shared/domain/profile.js';
import type { RemoteCheck, RemoteCopyState } from '../../../src-shared/domain/remote.js';
import type { ErrorCode } from '../../../src-shared/errors/codes.js';
import { LifeboatError, toErrorInfo } from '../../../src-shared/errors/lifeboat-error.js';
import { readManifest } from '../archive/archive-reader.js';
import { RemoteCopiesRepo, type RemoteCopyRow } from '../catalog/remote-copies-repo.js';
import { ProfilesRepo } from '../catalog/profiles-repo.js';
import { processAlive, type EngineEnv } from '../engine-env.js';
import { HashingStream } from '../util/hashing-stream.js';
import type { RemoteDestination, RemoteSecrets, UploadJournal } from './destination.js';
import { openDestination } from './open-destination.js';
import { remoteId } from './remote-url.js';
import { makeSidecar, SIDECAR_SUFFIX } from './sidecar.js';

/** What remote operations need from their caller. */
export interface RemoteContext {
  /** Secrets for a remote (the app's keychain); the CLI passes none and relies on env/files/agent. */
  readonly secrets?: (spec: RemoteSpec) => RemoteSecrets;
  /** Upload/download progress per remote, for MB/s and ETA. */
  readonly onProgress?: (p: { remoteId: string; fileName: string; bytesDone: number; bytesTotal: number }) => void;
  readonly signal?: AbortSignal;
  /** Tests open adapters of their own (never used by the app or the CLI). */
  readonly open?: (spec: RemoteSpec) => RemoteDestination;
}

/** One backup's copy on one remote after an upload or a check. */
export interface RemoteCopyOutcome {
  readonly backupId: string;
  readonly remoteId: string;
  readonly state: RemoteCopyState;
  readonly errorCode: ErrorCode | null;
  readonly reason: string | null;
  readonly howChecked: RemoteCheck | null;
  readonly checkedAt: string | null;
  /** Multipart parts that were already on the server when this upload (re)started. */
  readonly resumedParts: number;
  /** Bytes of an interrupted upload kept on the server and not sent again (SFTP), 0 for a fresh start. */
  readonly resumedBytes: number;
}

function outcome(row: RemoteCopyRow | undefined, fallback: { backupId: string; remoteId: string }, resumedParts = 0, resumedBytes = 0): RemoteCopyOutcome {
  return {
    backupId: row?.backupId ?? fallback.backupId,
    remoteId: row?.remoteId ?? fallback.remoteId,
    state: row?.state ?? 'FAILED',
    errorCode: row?.errorCode ?? null,
    reason: row?.reason ?? null,
    howChecked: row?.howChecked ?? null,
    checkedAt: row?.checkedAt ?? null,
    resumedParts,
    resumedBytes,
  };
}

/** The SHA-256 of a local file. */
export async function sha256File(path: string): Promise<string> {
  const hs = new HashingStream();
  await pipeline(createReadStream(path), hs, new Writable({ write: (_c, _e, cb) => cb() }));
  return hs.digest();
}

/**
 * Check the object on the remote: its size, then its SHA-256 (server checksum, remote command or
 * read-back). Throws CHECKSUM_MISMATCH / REMOTE_NOT_FOUND with what differs.
 */
export async function checkRemoteObject(dest: RemoteDestination, row: Pick<RemoteCopyRow, 'objectName' | 'size' | 'sha256' | 'parts'>, when: 'upload' | 'later' = 'later', signal?: AbortSignal): Promise<RemoteCheck> {
  if (!signal) return checkObject(dest, row, when);
  // A server whose `sha256sum` (or read-back) never answers must not hold the job forever: a cancel
  // closes the connection, which ends whatever the check waits for, and the check reports CANCELLED.
  const cancelled = (): LifeboatError => new LifeboatError('CANCELLED', `The check of ${row.objectName} on ${dest.id} was cancelled.`, { remote: dest.id });
  if (signal.aborted) throw cancelled();
  const onAbort = (): void => void dest.close().catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await checkObject(dest, row, when);
  } catch (e) {
    if (signal.aborted) throw cancelled();
    throw e;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

async function checkObject(dest: RemoteDestination, row: Pick<RemoteCopyRow, 'objectName' | 'size' | 'sha256' | 'parts'>, when: 'upload' | 'later'): Promise<RemoteCheck> {
  const what = when === 'upload' ? 'the upload did not arrive intact' : 'the remote copy changed after upload';
  const st = await dest.stat(row.objectName);
  if (!st) throw new LifeboatError('REMOTE_NOT_FOUND', `${row.objectName} is gone from ${dest.id}.`, { remote: dest.id, object: row.objectName });
  if (row.size !== null && st.size !== row.size) {
    throw new LifeboatError('CHECKSUM_MISMATCH', `${row.objectName} on ${dest.id} is ${st.size} bytes, the catalog records ${row.size}: ${what}.`, { remote: dest.id });
  }
  const h = await dest.hash(row.objectName, { sha256: row.sha256 ?? '', parts: row.parts });
  if (h.sha256 !== row.sha256) {
    throw new LifeboatError('CHECKSUM_MISMATCH', `${row.objectName} on ${dest.id} has SHA-256 ${h.sha256.slice(0, 16)}… (${h.how}), the catalog records ${row.sha256?.slice(0, 16)}…: ${what}.`, {
      remote: dest.id,
      got: h.sha256,
      expected: row.sha256,
    });
  }
  return h.how;
}

/**
 * Copy one backup to one remote: PENDING → UPLOADING (multipart id and parts recorded as they
 * finish) → check size + SHA-256 on the remote → sidecar → VERIFIED. Any failure is recorded as
 * FAILED with its reason and returned, never thrown: the local backup stays good whatever the
 * remote does.
 */
export async function copyBackupToRemote(env: EngineEnv, record: BackupRecord, spec: RemoteSpec, ctx: RemoteContext = {}): Promise<RemoteCopyOutcome> {
  const repo = new RemoteCopiesRepo(env.catalog.db);
  const id = remoteId(spec.url);
  const now = (): string => env.now().toISOString();
  const row = repo.ensure({ backupId: record.id, remoteId: id, spec, objectName: record.fileName, fileName: record.fileName, profile: record.profile, size: record.size, sha256: record.sha256, createdAt: record.createdAt, at: now() });
  if (row.state === 'VERIFIED') return outcome(row, { backupId: record.id, remoteId: id });
  const dest = (ctx.open ?? ((s: RemoteSpec) => openDestination(s, ctx.secrets?.(s) ?? {})))(spec);
  const resumedParts = row.uploadId ? row.parts.length : 0;
  let resumedBytes = 0;
  let done = 0;
  try {
    if (record.status !== 'COMPLETED' || !record.sha256 || record.size === null) throw new LifeboatError('NOT_FOUND', `Backup ${record.id.slice(0, 8)} is ${record.status}; only completed backups are copied off-site.`);
    await access(record.path).catch(() => {
      throw new LifeboatError('NOT_FOUND', `The local archive ${record.path} is gone; it cannot be uploaded to ${id}.`, { path: record.path });
    });
    // Never send damaged bytes off-site: the file must still be what the catalog recorded.
    if ((await sha256File(record.path)) !== record.sha256) {
      throw new LifeboatError('CHECKSUM_MISMATCH', `The local archive ${record.path} no longer matches its recorded SHA-256; it is not uploaded to ${id}.`, { path: record.path });
    }
    const manifest = await readManifest(record.path);
    repo.markUploading(record.id, id, env.host, process.pid, now());
    const journal: UploadJournal = {
      uploadId: row.uploadId,
      parts: row.parts,
      started: (uploadId) => repo.setUpload(record.id, id, uploadId, now()),
      partDone: (part) => repo.addPart(record.id, id, part, now()),
      // Progress counts the kept bytes as done: the bar starts where the server already is.
      resumed: (bytes) => {
        resumedBytes = bytes;
        done = bytes;
      },
    };
    await dest.put(record.path, record.fileName, {
      size: record.size,
      sha256: record.sha256,
      journal,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onBytes: (n) => {
        done += n;
        ctx.onProgress?.({ remoteId: id, fileName: record.fileName, bytesDone: done, bytesTotal: record.size ?? 0 });
      },
    });
    const how = await checkRemoteObject(dest, repo.get(record.id, id) ?? row, 'upload', ctx.signal);
    await dest.putSmall(`${record.fileName}${SIDECAR_SUFFIX}`, Buffer.from(JSON.stringify(makeSidecar(record, manifest, now()), null, 1)));
    repo.markVerified(record.id, id, how, now());
    env.catalog.audit.append({ actor: env.actor, action: 'remote.copy', target: record.id, outcome: 'success', details: { remote: id, how, resumedParts, resumedBytes } });
  } catch (e) {
    const info = toErrorInfo(e);
    repo.markFailed(record.id, id, info.code, info.message, now());
    env.catalog.audit.append({ actor: env.actor, action: 'remote.copy', target: record.id, outcome: 'failure', details: { remote: id, code: info.code, reason: info.message } });
  } finally {
    await dest.close();
  }
  return outcome(repo.get(record.id, id), { backupId: record.id, remoteId: id }, resumedParts, resumedBytes);
}

/** Copy a backup to each remote in turn (one failing does not stop the others). */
export async function copyToRemotes(env: EngineEnv, record: BackupRecord, specs: readonly RemoteSpec[], ctx: RemoteContext = {}): Promise<RemoteCopyOutcome[]> {
  const out: RemoteCopyOutcome[] = [];
  for (const spec of specs) out.push(await copyBackupToRemote(env, record, spec, ctx));
  return out;
}

/**
 * `remote sync`: upload what is not VERIFIED yet — unfinished rows (a killed upload resumes from
 * its recorded parts) and backups of profiles with remotes that have no row (a remote added
 * later), skipping those older than the remote's retention (pruned on purpose) and rows another
 * live process is uploading.
 */
export async function syncRemotes(env: EngineEnv, opts: { profile?: string }, ctx: RemoteContext = {}): Promise<RemoteCopyOutcome[]> {
  const repo = new RemoteCopiesRepo(env.catalog.db);
  const profiles = new ProfilesRepo(env.catalog.db);
  const chosen = opts.profile ? [profiles.get(opts.profile)] : profiles.list();
  const todo = new Map<string, { record: BackupRecord; spec: RemoteSpec }>();
  for (const p of chosen) {
    for (const spec of p.spec.remotes) {
      const cutoff = spec.keepDays ? env.now().getTime() - spec.keepDays * 86_400_000 : -Infinity;
      for (const record of env.catalog.backups.completedOf(p.name)) {
        if (Date.parse(record.createdAt) < cutoff || repo.get(record.id, remoteId(spec.url))) continue;
        todo.set(`${record.id}\n${remoteId(spec.url)}`, { record, spec });
      }
    }
  }
  for (const row of repo.unfinished()) {
    if (opts.profile && row.profile !== opts.profile) continue;
    if (row.state === 'UPLOADING' && row.host && processAlive(row.host, row.pid, env.host)) continue;
    const record = env.catalog.backups.get(row.backupId);
    if (record) todo.set(`${row.backupId}\n${row.remoteId}`, { record, spec: row.spec });
  }
  const out: RemoteCopyOutcome[] = [];
  for (const { record, spec } of todo.values()) out.push(await copyBackupToRemote(env, record, spec, ctx));
  return out;
}

/**
 * `remote verify`: re-check every uploaded copy (size + SHA-256 on the remote). A copy that
 * changed or vanished after upload becomes FAILED with the reason; a good one gets a new
 * checked_at.
 */
export async function verifyRemotes(env: EngineEnv, opts: { profile?: string; remote?: string }, ctx: RemoteContext = {}): Promise<RemoteCopyOutcome[]> {
  const repo = new RemoteCopiesRepo(env.catalog.db);
  const wanted = opts.remote ? remoteId(opts.remote) : undefined;
  const rows = repo.list(wanted).filter((r) => (r.state === 'VERIFIED' || r.checkedAt !== null) && (!opts.profile || r.profile === opts.profile));
  const out: RemoteCopyOutcome[] = [];
  const open = ctx.open ?? ((s: RemoteSpec) => openDestination(s, ctx.secrets?.(s) ?? {}));
  const dests = new Map<string, RemoteDestination>();
  try {
    for (const row of rows) {
      // A cancelled check says nothing about the copy: it stops here, and no copy's state changes.
      if (ctx.signal?.aborted) break;
      const dest = dests.get(row.remoteId) ?? open(row.spec);
      dests.set(row.remoteId, dest);
      const at = env.now().toISOString();
      try {
        repo.markVerified(row.backupId, row.remoteId, await checkRemoteObject(dest, row, 'later', ctx.signal), at);
      } catch (e) {
        if (ctx.signal?.aborted) break;
        const info = toErrorInfo(e);
        repo.markFailed(row.backupId, row.remoteId, info.code, info.message, at, true);
      }
      const after = repo.get(row.backupId, row.remoteId);
      env.catalog.audit.append({ actor: env.actor, action: 'remote.verify', target: row.backupId, outcome: after?.state === 'VERIFIED' ? 'success' : 'failure', details: { remote: row.remoteId, reason: after?.reason ?? null } });
      out.push(outcome(after, row));
    }
  } finally {
    for (const d of dests.values()) await d.close();
  }
  return out;
}
