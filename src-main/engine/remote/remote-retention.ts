import type { RemoteCopyState } from '../../../src-shared/domain/remote.js';
import { toErrorInfo } from '../../../src-shared/errors/lifeboat-error.js';
import { ProfilesRepo } from '../catalog/profiles-repo.js';
import { RemoteCopiesRepo } from '../catalog/remote-copies-repo.js';
import type { EngineEnv } from '../engine-env.js';
import type { RemoteContext } from './remote-copy.js';
import { openDestination } from './open-destination.js';
import { remoteId } from './remote-url.js';
import { SIDECAR_SUFFIX } from './sidecar.js';

/** One remote copy and what remote retention decided for it. */
export interface RemotePruneDecision {
  readonly profile: string;
  readonly remoteId: string;
  readonly backupId: string;
  readonly fileName: string;
  readonly createdAt: string;
  readonly state: RemoteCopyState;
  readonly keep: boolean;
  readonly reason: string;
  /** Set when the delete was attempted and failed (the row is kept for the next run). */
  readonly error: string | null;
}

/**
 * Retention per remote (`keepDays` on each remote of a profile), independent of the local rules:
 * keep 7 locally and 90 days off-site. Verification-aware: the newest VERIFIED copy on a remote
 * is never deleted, whatever its age, so an old but only good copy survives a run of failures.
 */
export async function pruneRemotes(env: EngineEnv, opts: { profile?: string; dryRun: boolean }, ctx: RemoteContext = {}): Promise<RemotePruneDecision[]> {
  const repo = new RemoteCopiesRepo(env.catalog.db);
  const profiles = new ProfilesRepo(env.catalog.db);
  const out: RemotePruneDecision[] = [];
  for (const p of opts.profile ? [profiles.get(opts.profile)] : profiles.list()) {
    for (const spec of p.spec.remotes) {
      const id = remoteId(spec.url);
      const rows = repo.list(id).filter((r) => r.profile === p.name).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      const newestVerified = rows.find((r) => r.state === 'VERIFIED');
      const cutoff = spec.keepDays ? env.now().getTime() - spec.keepDays * 86_400_000 : null;
      const doomed: RemotePruneDecision[] = [];
      for (const r of rows) {
        const base = { profile: p.name, remoteId: id, backupId: r.backupId, fileName: r.fileName, createdAt: r.createdAt, state: r.state, error: null };
        if (cutoff === null) out.push({ ...base, keep: true, reason: 'no remote retention (keepDays not set)' });
        else if (r === newestVerified) out.push({ ...base, keep: true, reason: 'newest verified copy on this remote' });
        else if (Date.parse(r.createdAt) >= cutoff) out.push({ ...base, keep: true, reason: `younger than ${spec.keepDays} days` });
        else if (r.state === 'UPLOADING' || r.state === 'PENDING') out.push({ ...base, keep: true, reason: 'upload not finished' });
        else doomed.push({ ...base, keep: false, reason: `older than ${spec.keepDays} days` });
      }
      if (doomed.length === 0 || opts.dryRun) {
        for (const d of doomed) out.push(d);
        continue;
      }
      const dest = (ctx.open ?? ((s) => openDestination(s, ctx.secrets?.(s) ?? {})))(spec);
      try {
        for (const d of doomed) {
          try {
            await dest.delete(d.fileName);
            await dest.delete(`${d.fileName}${SIDECAR_SUFFIX}`);
            repo.delete(d.backupId, id);
            env.catalog.audit.append({ actor: env.actor, action: 'remote.delete', target: d.backupId, outcome: 'success', details: { remote: id, reason: d.reason } });
            out.push(d);
          } catch (e) {
            out.push({ ...d, error: toErrorInfo(e).message });
          }
        }
      } finally {
        await dest.close();
      }
    }
  }
  return out;
}
