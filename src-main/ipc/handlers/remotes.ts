import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RemoteSpec } from '../../../src-shared/domain/profile.js';
import { LifeboatError, toErrorInfo } from '../../../src-shared/errors/lifeboat-error.js';
import { RemoteCopiesRepo } from '../../engine/catalog/remote-copies-repo.js';
import type { RemoteSecrets } from '../../engine/remote/destination.js';
import { trustHostKey } from '../../engine/remote/known-hosts.js';
import { openDestination } from '../../engine/remote/open-destination.js';
import { copyToRemotes, syncRemotes, verifyRemotes, type RemoteContext, type RemoteCopyOutcome } from '../../engine/remote/remote-copy.js';
import { fetchFromRemote } from '../../engine/remote/remote-fetch.js';
import { parseRemoteUrl, remoteId } from '../../engine/remote/remote-url.js';
import { peekBound, setBound, type Binding } from '../bound-secrets.js';
import type { HandlerGroup } from '../handler.js';
import type { Services } from '../services.js';

const SECRET_FIELDS = ['s3AccessKeyId', 's3SecretAccessKey', 'sshPassword'] as const;

/** The keychain key of one secret of one remote. */
function secretKey(url: string, field: (typeof SECRET_FIELDS)[number]): string {
  return `remote:${remoteId(url)}:${field}`;
}

/**
 * What a remote's secrets were typed for: the remote and, for S3, the endpoint they are sent to.
 * The keychain key names only the URL, and the renderer supplies the whole spec (remote:test, a
 * profile save), so without the endpoint in the binding a page could keep the URL, point the
 * endpoint at its own server and receive the stored keys.
 */
function remoteBinding(url: string, s3Endpoint: string | undefined): Binding {
  let endpoint = '';
  if (s3Endpoint) {
    try {
      endpoint = new URL(s3Endpoint).href.replace(/\/+$/, '');
    } catch {
      endpoint = s3Endpoint;
    }
  }
  return ['remote', remoteId(url), endpoint];
}

/** A remote's secrets from the app's keychain, only those stored for this remote and endpoint (S3 keys fall back to the AWS chain when absent). */
export function remoteSecrets(s: Pick<Services, 'secrets'>, spec: RemoteSpec): RemoteSecrets {
  const out: Record<string, string> = {};
  const binding = JSON.stringify(remoteBinding(spec.url, spec.s3Endpoint));
  for (const f of SECRET_FIELDS) {
    const v = peekBound(s.secrets, secretKey(spec.url, f));
    // Not deleted on a mismatch: a page testing a forged endpoint must not be able to wipe the keys either.
    if (v && JSON.stringify(v.binding) === binding) out[f] = v.secret;
  }
  return out;
}

function context(s: Services, jobId: () => string, onProgress?: (p: import('../../../src-shared/domain/progress.js').JobProgress) => void, signal?: AbortSignal): RemoteContext {
  let seq = 0;
  const started = Date.now();
  return {
    secrets: (spec) => remoteSecrets(s, spec),
    ...(signal ? { signal } : {}),
    onProgress: (p) => {
      const rate = p.bytesDone / Math.max(0.001, (Date.now() - started) / 1000);
      onProgress?.({ jobId: jobId(), seq: (seq += 1), phase: 'verifying', bytesDone: p.bytesDone, bytesTotal: p.bytesTotal, filesDone: 0, filesTotal: 1, currentItem: `${p.remoteId}: ${p.fileName}`, etaSeconds: rate > 0 ? Math.round((p.bytesTotal - p.bytesDone) / rate) : null });
    },
  };
}

/** One line on what happened off-site, for job summaries and notifications. */
export function offsiteSummary(outcomes: readonly RemoteCopyOutcome[]): string {
  const failed = outcomes.filter((o) => o.state !== 'VERIFIED');
  if (outcomes.length === 0) return '';
  if (failed.length === 0) return `off-site copy verified on ${outcomes.length} remote(s)`;
  return `off-site copy FAILED on ${failed.map((o) => `${o.remoteId} (${o.errorCode ?? 'error'})`).join(', ')}; the local backup is kept and "Sync remotes" retries`;
}

/**
 * After a profile's backup is committed locally: copy it to the profile's remotes. Never throws
 * (a remote failure is recorded on the copy, not on the backup).
 */
export async function copyToProfileRemotes(s: Services, profile: string | null, backupId: string, signal?: AbortSignal): Promise<RemoteCopyOutcome[]> {
  if (!profile) return [];
  let remotes: readonly RemoteSpec[] = [];
  try {
    remotes = s.engine.profiles.get(profile).spec.remotes;
    if (remotes.length === 0) return [];
    return await copyToRemotes(s.engine.env, s.engine.record(backupId), remotes, context(s, () => backupId, undefined, signal));
  } catch (e) {
    // Each remote's own failure is recorded on its copy by copyToRemotes; this is everything else
    // (the profile removed meanwhile, the catalog unreadable). The backup stays good, but the failure
    // is in the audit trail and in the outcome the notification and the email report, never silent.
    const info = toErrorInfo(e);
    s.engine.env.catalog.audit.append({ actor: s.engine.env.actor, action: 'remote.copy', target: backupId, outcome: 'failure', details: { profile, error: info } });
    return remotes.map((r) => ({ backupId, remoteId: remoteId(r.url), state: 'FAILED' as const, errorCode: info.code, reason: info.message, howChecked: null, checkedAt: null, resumedParts: 0, resumedBytes: 0 }));
  }
}

/** remote:* handlers. */
export const remoteHandlers: HandlerGroup<'remote:list-copies' | 'remote:test' | 'remote:trust-host-key' | 'remote:set-secrets' | 'remote:sync' | 'remote:verify' | 'remote:fetch'> = {
  'remote:list-copies': async (s, p) => {
    const repo = new RemoteCopiesRepo(s.engine.env.catalog.db);
    // A History page asks for its own rows only (at most 500), never the whole table.
    const rows = p.backupIds ? p.backupIds.flatMap((id) => repo.ofBackup(id)) : p.backupId ? repo.ofBackup(s.engine.record(p.backupId).id) : repo.list();
    return rows.map(({ spec: _s, uploadId: _u, parts: _p, host: _h, pid: _pid, ...r }) => r);
  },

  // A first connection: an unknown SSH host comes back as REMOTE_HOST_UNKNOWN with the fingerprint to show.
  'remote:test': async (s, p) => {
    const dest = openDestination(p.remote, remoteSecrets(s, p.remote));
    try {
      return { objects: (await dest.list()).length };
    } finally {
      await dest.close();
    }
  },

  // The user compared the fingerprint: add exactly that key to ~/.ssh/known_hosts (never a renderer-named file).
  'remote:trust-host-key': async (s, p) => {
    const r = parseRemoteUrl(p.url);
    if (r.kind !== 'sftp') throw new LifeboatError('USAGE', `Only SFTP remotes have host keys; ${p.url} is ${r.kind}.`);
    await trustHostKey(join(homedir(), '.ssh', 'known_hosts'), p.knownHostsLine, r.host, r.port, p.fingerprint).catch((e: unknown) => {
      throw new LifeboatError('USAGE', (e as Error).message);
    });
    s.engine.audit.append({ actor: s.engine.env.actor, action: 'remote.trust-host-key', target: remoteId(p.url), outcome: 'success', details: { fingerprint: p.fingerprint } });
    return null;
  },

  'remote:set-secrets': async (s, p) => {
    for (const f of SECRET_FIELDS) {
      const v = p[f];
      if (v === undefined) continue;
      if (v === '') s.secrets.delete(secretKey(p.url, f));
      else setBound(s.secrets, secretKey(p.url, f), remoteBinding(p.url, p.s3Endpoint), v);
    }
    return null;
  },

  'remote:sync': async (s, p) => {
    let id = '';
    id = s.jobs.start('backup', p.profile ? `Off-site sync of ${p.profile}` : 'Off-site sync', async (signal, onProgress) => {
      const out = await syncRemotes(s.engine.env, p.profile ? { profile: p.profile } : {}, context(s, () => id, onProgress, signal));
      return { id: p.profile ?? '*', summary: offsiteSummary(out) || 'nothing to upload' };
    });
    return { jobId: id };
  },

  'remote:verify': async (s, p) => {
    let id = '';
    id = s.jobs.start('verify', 'Off-site check', async (signal, onProgress) => {
      const out = await verifyRemotes(s.engine.env, p.profile ? { profile: p.profile } : {}, context(s, () => id, onProgress, signal));
      const bad = out.filter((o) => o.state !== 'VERIFIED');
      return { id: p.profile ?? '*', summary: bad.length ? `${bad.length} of ${out.length} off-site copies FAILED the check` : `${out.length} off-site copies verified` };
    });
    return { jobId: id };
  },

  'remote:fetch': async (s, p) => {
    const record = s.engine.record(p.backupId);
    const row = p.remoteId ? new RemoteCopiesRepo(s.engine.env.catalog.db).get(record.id, p.remoteId) : undefined;
    if (p.remoteId && !row) throw new LifeboatError('NOT_FOUND', `Backup ${record.id.slice(0, 8)} has no copy on ${p.remoteId}.`, { id: record.id });
    let id = '';
    id = s.jobs.start('restore', `Download of ${record.fileName}`, async (signal, onProgress) => {
      const r = await fetchFromRemote(s.engine.env, record, row?.spec, context(s, () => id, onProgress, signal));
      return { id: record.id, summary: `downloaded from ${r.remoteId}, SHA-256 matches the catalog` };
    });
    return { jobId: id };
  },
};
