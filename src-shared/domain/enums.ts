/**
 * Every enumerated value Lifeboat stores or shows, defined once.
 *
 * These arrays feed the zod schemas, the catalog's SQL CHECK constraints and the UI chips, so a
 * value can never differ in case or spelling between code and database (seed 003's
 * `invalid input value for enum backup_status: "completed"`).
 */

/** Lifecycle of one backup row in the catalog. */
export const BACKUP_STATUSES = ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED'] as const;
/** A backup's lifecycle state. */
export type BackupStatus = (typeof BACKUP_STATUSES)[number];

/** What started a backup. */
export const TRIGGERS = ['MANUAL', 'SCHEDULED', 'TRAY', 'PRE_RESTORE_SAFETY', 'IMPORTED'] as const;
/** What started a backup. */
export type Trigger = (typeof TRIGGERS)[number];

/** Which kinds of source a backup holds: everything, only databases, or only folders. */
export const BACKUP_TYPES = ['full', 'database', 'files'] as const;
/** Which kinds of source a backup holds. */
export type BackupType = (typeof BACKUP_TYPES)[number];

/** Archive container formats. Both are standard: `unzip` and `tar` read them. */
export const ARCHIVE_FORMATS = ['zip', 'tar.gz'] as const;
/** An archive container format. */
export type ArchiveFormat = (typeof ARCHIVE_FORMATS)[number];

/** The kinds of data source Lifeboat backs up. */
export const SOURCE_KINDS = ['sqlite', 'postgres', 'mysql', 'folder'] as const;
/** A data source kind. */
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** The phases a backup job passes through, in order. */
export const JOB_PHASES = ['preparing', 'scanning', 'dumping', 'archiving', 'checking', 'verifying', 'restoring', 'done'] as const;
/** A job phase. */
export type JobPhase = (typeof JOB_PHASES)[number];

/** How an audited action ended. */
export const AUDIT_OUTCOMES = ['success', 'failure', 'info'] as const;
/** How an audited action ended. */
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** The kind of a stored archive entry. */
export const ENTRY_KINDS = ['file', 'directory', 'symlink'] as const;
/** The kind of a stored archive entry. */
export type EntryKind = (typeof ENTRY_KINDS)[number];

/** Whether a backup type includes a source of the given kind. */
export function typeIncludes(type: BackupType, kind: SourceKind): boolean {
  switch (type) {
    case 'full':
      return true;
    case 'database':
      return kind === 'sqlite' || kind === 'postgres' || kind === 'mysql';
    case 'files':
      return kind === 'folder';
    default:
      return assertNever(type);
  }
}

/** Compile-time exhaustiveness check for switches over unions. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${String(value)}`);
}

/** Type guard: is `value` one of `values`? */
export function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

/** Lifecycle of one restore. ROLLED_BACK: it failed and every target was put back. */
export const RESTORE_STATUSES = ['RUNNING', 'COMPLETED', 'FAILED', 'ROLLED_BACK'] as const;
/** A restore's lifecycle state. */
export type RestoreStatus = (typeof RESTORE_STATUSES)[number];
