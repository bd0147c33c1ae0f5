import type { RemoteCopyState } from '../../../src-shared/domain/remote.js';
import { formatDateTime } from '../../../src-shared/domain/format.js';
import { RemoteCopiesRepo } from '../catalog/remote-copies-repo.js';
import { ProfilesRepo } from '../catalog/profiles-repo.js';
import type { EngineEnv } from '../engine-env.js';
import { remoteId } from '../remote/remote-url.js';

/** One backup's off-site copy on one remote, as an email or a receipt states it. */
export interface OffsiteLine {
  readonly remoteId: string;
  /** VERIFIED, FAILED, or PENDING (which includes an upload still running or interrupted). */
  readonly state: Extract<RemoteCopyState, 'VERIFIED' | 'FAILED' | 'PENDING'>;
  /** For FAILED: the recorded reason; for PENDING: why it is not there yet; for VERIFIED: how and when it was checked. */
  readonly detail: string;
}

/**
 * The off-site state of a backup, read from the catalog when the message is written (after the
 * copies ran), so the email, the receipt, the notification and `--json` all tell the same story:
 * every remote that holds a row, plus every remote of the profile that has none yet (PENDING).
 */
export function offsiteOf(env: EngineEnv, backupId: string, profile: string | null): OffsiteLine[] {
  const rows = new RemoteCopiesRepo(env.catalog.db).ofBackup(backupId);
  const lines: OffsiteLine[] = rows.map((r) => {
    switch (r.state) {
      case 'VERIFIED':
        return { remoteId: r.remoteId, state: 'VERIFIED', detail: `size and SHA-256 checked (${r.howChecked ?? 'unknown check'}) at ${r.checkedAt ? formatDateTime(r.checkedAt) : '—'}` };
      case 'FAILED':
        return { remoteId: r.remoteId, state: 'FAILED', detail: `${r.errorCode ?? 'ERROR'}: ${r.reason ?? 'no reason recorded'} ("lifeboat remote sync" retries)` };
      case 'UPLOADING':
        return { remoteId: r.remoteId, state: 'PENDING', detail: 'upload started but not finished ("lifeboat remote sync" resumes it)' };
      case 'PENDING':
        return { remoteId: r.remoteId, state: 'PENDING', detail: 'not uploaded yet ("lifeboat remote sync" uploads it)' };
    }
  });
  if (profile) {
    let remotes: readonly string[] = [];
    try {
      remotes = new ProfilesRepo(env.catalog.db).get(profile).spec.remotes.map((s) => remoteId(s.url));
    } catch {
      // A profile deleted since the backup: its rows above are all there is to say.
    }
    for (const id of remotes) {
      if (!lines.some((l) => l.remoteId === id)) lines.push({ remoteId: id, state: 'PENDING', detail: 'not uploaded yet ("lifeboat remote sync" uploads it)' });
    }
  }
  return lines;
}
