import type { ArchiveFormat, BackupStatus, BackupType, SourceKind, Trigger } from './enums.js';
import type { ErrorCode } from '../errors/codes.js';

/** One source as summarised in the catalog (the manifest holds the full record). */
export interface SourceSummary {
  readonly name: string;
  readonly kind: SourceKind;
  readonly rows: number | null;
  readonly files: number | null;
  readonly bytes: number;
}

/** The manifest summary the catalog keeps per backup, for lists and drop detection. */
export interface BackupSummary {
  readonly sources: readonly SourceSummary[];
  readonly files: number;
  readonly bytes: number;
  readonly rows: number;
  readonly entries: number;
}

/**
 * Why a backup completed with a warning. Drops compare with the last good backup; the rest say
 * what the read of the sources met: files that changed while read (stored as read), vanished
 * (deleted mid-walk), sparse files left out, names that are not UTF-8, folders not entered
 * (another filesystem, or already walked through a bind mount).
 */
export const BACKUP_WARNING_CODES = [
  'SIZE_DROP',
  'FILE_COUNT_DROP',
  'ROW_COUNT_DROP',
  'SKIPPED_FILES',
  'UNVERIFIED_ORIGIN',
  'CHANGED_FILES',
  'VANISHED_FILES',
  'SPARSE_FILES',
  'UNKEPT_NAMES',
  'FOLDERS_NOT_ENTERED',
  // issue 12 item 7: the profile's post-backup command failed or timed out (the backup itself is good)
  'POST_COMMAND_FAILED',
] as const;

/** A warning attached to a backup that completed but looks wrong (e.g. a sharp drop in size). */
export interface BackupWarning {
  readonly code: (typeof BACKUP_WARNING_CODES)[number];
  readonly message: string;
}

/** One backup as the catalog knows it. */
export interface BackupRecord {
  readonly id: string;
  readonly fileName: string;
  readonly path: string;
  readonly format: ArchiveFormat;
  readonly type: BackupType;
  readonly status: BackupStatus;
  readonly trigger: Trigger;
  readonly size: number | null;
  readonly sha256: string | null;
  readonly description: string;
  readonly createdBy: string;
  readonly host: string;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  readonly errorCode: ErrorCode | null;
  readonly errorMessage: string | null;
  readonly summary: BackupSummary | null;
  readonly warnings: readonly BackupWarning[];
  readonly profile: string | null;
  readonly verifiedAt: string | null;
}

/** Filters for the history list; all optional, combined with AND. Dates are ISO strings. */
export interface HistoryQuery {
  readonly status?: BackupStatus;
  readonly type?: BackupType;
  readonly trigger?: Trigger;
  readonly profile?: string;
  readonly since?: string;
  readonly until?: string;
  readonly search?: string;
  readonly limit?: number;
  readonly offset?: number;
}

/** One page of history, newest first, with the total count matching the filters. */
export interface HistoryPage {
  readonly rows: readonly BackupRecord[];
  readonly total: number;
}
