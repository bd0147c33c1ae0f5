import type { ErrorCode } from '../errors/codes.js';

/**
 * Lifecycle of one backup's copy on one remote: PENDING (to upload), UPLOADING (started; a
 * multipart upload id and its finished parts are recorded so a restart resumes), VERIFIED (size
 * and SHA-256 checked on the remote), FAILED (with the reason; `remote sync` retries).
 */
export const REMOTE_COPY_STATES = ['PENDING', 'UPLOADING', 'VERIFIED', 'FAILED'] as const;
/** A remote copy's state. */
export type RemoteCopyState = (typeof REMOTE_COPY_STATES)[number];

/** The kinds of remote destination. */
export const REMOTE_KINDS = ['s3', 'sftp', 'rclone'] as const;
/** A kind of remote destination. */
export type RemoteKind = (typeof REMOTE_KINDS)[number];

/** How a remote copy's SHA-256 was checked. */
export type RemoteCheck = 'server-checksum' | 'remote-sha256sum' | 'rclone-hashsum' | 'read-back';

/** One backup's copy on one remote, as the catalog records it. */
export interface RemoteCopy {
  readonly backupId: string;
  /** The remote's canonical URL (no secrets), e.g. `s3://bucket/prefix`. */
  readonly remoteId: string;
  readonly objectName: string;
  readonly fileName: string;
  readonly profile: string | null;
  readonly size: number | null;
  readonly sha256: string | null;
  readonly state: RemoteCopyState;
  readonly reason: string | null;
  readonly errorCode: ErrorCode | null;
  readonly howChecked: RemoteCheck | null;
  readonly checkedAt: string | null;
  readonly updatedAt: string;
  /** When the backup was made. */
  readonly createdAt: string;
}
