import type { RemoteSpec } from '../../../src-shared/domain/profile.js';
import type { RemoteCheck, RemoteCopy, RemoteCopyState } from '../../../src-shared/domain/remote.js';
import type { ErrorCode } from '../../../src-shared/errors/codes.js';
import type { CatalogDb } from './open-catalog.js';

interface Row {
  backup_id: string;
  remote_id: string;
  remote_spec: string;
  object_name: string;
  file_name: string;
  profile: string | null;
  size: number | null;
  sha256: string | null;
  state: string;
  reason: string | null;
  error_code: string | null;
  how_checked: string | null;
  checked_at: string | null;
  updated_at: string;
  upload_id: string | null;
  parts: string;
  host: string | null;
  pid: number | null;
  created_at: string;
}

/** One finished part of a multipart upload: enough to complete it after a restart. */
export interface UploadedPart {
  readonly partNumber: number;
  readonly etag: string;
  /** Base64 SHA-256 of the part's bytes (S3's per-part checksum). */
  readonly sha256: string;
  readonly size: number;
}

/** A remote copy with what a resume or a re-check needs. */
export interface RemoteCopyRow extends RemoteCopy {
  readonly spec: RemoteSpec;
  readonly uploadId: string | null;
  readonly parts: readonly UploadedPart[];
  readonly host: string | null;
  readonly pid: number | null;
}

function toCopy(r: Row): RemoteCopyRow {
  // The CHECK constraint guarantees `state` is one of REMOTE_COPY_STATES.
  return {
    backupId: r.backup_id,
    remoteId: r.remote_id,
    spec: JSON.parse(r.remote_spec) as RemoteSpec,
    objectName: r.object_name,
    fileName: r.file_name,
    profile: r.profile,
    size: r.size,
    sha256: r.sha256,
    state: r.state as RemoteCopyState,
    reason: r.reason,
    errorCode: r.error_code as ErrorCode | null,
    howChecked: r.how_checked as RemoteCheck | null,
    checkedAt: r.checked_at,
    updatedAt: r.updated_at,
    createdAt: r.created_at,
    uploadId: r.upload_id,
    parts: JSON.parse(r.parts) as UploadedPart[],
    host: r.host,
    pid: r.pid,
  };
}

/** What a new remote copy row needs. */
export interface NewRemoteCopy {
  readonly backupId: string;
  readonly remoteId: string;
  readonly spec: RemoteSpec;
  readonly objectName: string;
  readonly fileName: string;
  readonly profile: string | null;
  readonly size: number | null;
  readonly sha256: string | null;
  /** When the backup was made (remote retention counts from it). */
  readonly createdAt: string;
  readonly at: string;
}

/**
 * The `remote_copies` table: per backup and remote, the copy's state. Every transition is its own
 * committed statement (synchronous = FULL), so a process killed mid-upload leaves the last
 * recorded part on disk for the next run to resume from.
 */
export class RemoteCopiesRepo {
  constructor(private readonly db: CatalogDb) {}

  /** Create the row as PENDING if it does not exist (an existing row keeps its state). */
  ensure(c: NewRemoteCopy): RemoteCopyRow {
    this.db
      .prepare(
        `INSERT INTO remote_copies (backup_id, remote_id, remote_spec, object_name, file_name, profile, size, sha256, state, updated_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', ?, ?) ON CONFLICT (backup_id, remote_id) DO UPDATE SET remote_spec = excluded.remote_spec`,
      )
      .run(c.backupId, c.remoteId, JSON.stringify(c.spec), c.objectName, c.fileName, c.profile, c.size, c.sha256, c.at, c.createdAt);
    return this.get(c.backupId, c.remoteId) as RemoteCopyRow;
  }

  get(backupId: string, remoteId: string): RemoteCopyRow | undefined {
    const r = this.db.prepare('SELECT * FROM remote_copies WHERE backup_id = ? AND remote_id = ?').get(backupId, remoteId) as Row | undefined;
    return r ? toCopy(r) : undefined;
  }

  /** Every remote copy of one backup. */
  ofBackup(backupId: string): RemoteCopyRow[] {
    return (this.db.prepare('SELECT * FROM remote_copies WHERE backup_id = ? ORDER BY remote_id').all(backupId) as Row[]).map(toCopy);
  }

  /** Every copy on one remote (or all), oldest first. */
  list(remoteId?: string): RemoteCopyRow[] {
    const rows = remoteId
      ? (this.db.prepare('SELECT * FROM remote_copies WHERE remote_id = ? ORDER BY created_at').all(remoteId) as Row[])
      : (this.db.prepare('SELECT * FROM remote_copies ORDER BY created_at').all() as Row[]);
    return rows.map(toCopy);
  }

  /** Copies not yet VERIFIED (PENDING, UPLOADING, FAILED): what `remote sync` works through. */
  unfinished(): RemoteCopyRow[] {
    return (this.db.prepare("SELECT * FROM remote_copies WHERE state != 'VERIFIED' ORDER BY created_at").all() as Row[]).map(toCopy);
  }

  /** The upload starts (or resumes) in this process. */
  markUploading(backupId: string, remoteId: string, host: string, pid: number, at: string): void {
    this.db
      .prepare("UPDATE remote_copies SET state = 'UPLOADING', reason = NULL, error_code = NULL, host = ?, pid = ?, updated_at = ? WHERE backup_id = ? AND remote_id = ?")
      .run(host, pid, at, backupId, remoteId);
  }

  /** A multipart upload was created on the server: its id is what a restart resumes. */
  setUpload(backupId: string, remoteId: string, uploadId: string | null, at: string): void {
    this.db.prepare("UPDATE remote_copies SET upload_id = ?, parts = '[]', updated_at = ? WHERE backup_id = ? AND remote_id = ?").run(uploadId, at, backupId, remoteId);
  }

  /** One more part is on the server (committed before the next one is sent). */
  addPart(backupId: string, remoteId: string, part: UploadedPart, at: string): void {
    this.db
      .prepare('UPDATE remote_copies SET parts = json_insert(parts, \'$[#]\', json(?)), updated_at = ? WHERE backup_id = ? AND remote_id = ?')
      .run(JSON.stringify(part), at, backupId, remoteId);
  }

  markVerified(backupId: string, remoteId: string, how: RemoteCheck, at: string): void {
    this.db
      .prepare(
        "UPDATE remote_copies SET state = 'VERIFIED', reason = NULL, error_code = NULL, how_checked = ?, checked_at = ?, updated_at = ?, upload_id = NULL, pid = NULL WHERE backup_id = ? AND remote_id = ?",
      )
      .run(how, at, at, backupId, remoteId);
  }

  markFailed(backupId: string, remoteId: string, code: ErrorCode, reason: string, at: string, checked = false): void {
    this.db
      .prepare(`UPDATE remote_copies SET state = 'FAILED', error_code = ?, reason = ?, updated_at = ?, pid = NULL${checked ? ', checked_at = ?' : ''} WHERE backup_id = ? AND remote_id = ?`)
      .run(...(checked ? [code, reason, at, at, backupId, remoteId] : [code, reason, at, backupId, remoteId]));
  }

  /** Forget a copy (deleted from the remote by retention). */
  delete(backupId: string, remoteId: string): void {
    this.db.prepare('DELETE FROM remote_copies WHERE backup_id = ? AND remote_id = ?').run(backupId, remoteId);
  }
}
