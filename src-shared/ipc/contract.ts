import { z } from 'zod';
import type { BackupRecord, BackupWarning, HistoryPage } from '../domain/backup.js';
import { ARCHIVE_FORMATS, AUDIT_OUTCOMES, BACKUP_STATUSES, BACKUP_TYPES, TRIGGERS, type ArchiveFormat, type AuditOutcome, type BackupType, type SourceKind } from '../domain/enums.js';
import type { JobProgress } from '../domain/progress.js';
import type { Profile } from '../domain/profile.js';
import { profileSpecSchema, PROFILE_NAME_PATTERN, sourceSpecSchema } from '../domain/profile.js';
import { pgRestoreOptionsSchema } from '../domain/pg-options.js';
import { remoteSpecSchema } from '../domain/profile.js'; // off-site remotes (issue 14)
import type { RemoteCopy } from '../domain/remote.js'; // off-site remotes (issue 14)
import type { Manifest } from '../manifest/schema.js';
import type { Channel, EventName, PageChannel } from './channels.js';
import type { Result } from './result.js';
// File-level restore and comparison (issue 12, item 4).
import { FILES_REQUESTS, type FilesResponses } from './files-views.js';
export * from './files-views.js';

export { CHANNELS, EVENTS, PRELOAD_CHANNELS, toChannel, toEvent, toPageChannel, type Channel, type EventName, type PageChannel } from './channels.js';

/*
 * The one place that names IPC channels. Request payloads are zod schemas (the main process
 * parses every payload with them before anything else); responses and events are types.
 * Names are `domain:verb-noun`; events are nouns or past tense.
 */

const id = z.string().min(4).max(64);

/** What a path grant may stand for: the dialog it came from decides (a drop gives `archive`). */
export const GRANT_KINDS = ['file', 'folder', 'archive', 'sqlite', 'sqlite-save'] as const;
/** What a path grant may stand for. */
export type GrantKind = (typeof GRANT_KINDS)[number];

/**
 * A path the renderer may use: a token minted by the main process when the user picked the path in
 * a native dialog (or dropped the file), and the path it was minted for. The renderer can neither
 * make one up nor point one at another path: main holds the token → path map and compares both.
 */
export const pathRefSchema = z.strictObject({
  token: z.string().regex(/^[0-9a-f]{64}$/, 'a path token from a "Choose…" dialog'),
  displayPath: z.string().min(1).max(4096),
});

/**
 * Encryption at rest (issue 14): how the user opens a dropped encrypted archive. `profile`: the key
 * kept in the keychain for that profile; `identity-file`: main opens its own file dialog (the page
 * never names the file); `passphrase`: typed by the user.
 */
export const importKeySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('profile'), profile: z.string().regex(PROFILE_NAME_PATTERN) }),
  z.strictObject({ kind: z.literal('identity-file') }),
  z.strictObject({ kind: z.literal('passphrase'), passphrase: z.string().min(1).max(1000) }),
]);
/** A path the renderer may use (see pathRefSchema). */
export type PathRef = z.infer<typeof pathRefSchema>;

/** A backup chosen by catalog id, or an archive file the user picked or dropped (a path grant). */
export const backupTargetSchema = z.union([z.object({ id }), z.object({ archive: pathRefSchema })]);

/** Where notification emails go. The password is kept in the secret store (or LIFEBOAT_SMTP_PASSWORD for the CLI). */
export const smtpSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(587),
  /** none: plain (test servers only); starttls: upgrade on 587; tls: implicit TLS on 465. */
  security: z.enum(['none', 'starttls', 'tls']).default('starttls'),
  user: z.string().default(''),
  /** Send the password over a connection without TLS (security "none"). Off unless the user opts in. */
  allowCleartextAuth: z.boolean().default(false),
  from: z.string().min(3),
  to: z.array(z.string().min(3)).min(1),
  onSuccess: z.boolean().default(false),
  onFailure: z.boolean().default(true),
});
/** SMTP settings. */
export type SmtpSettings = z.infer<typeof smtpSchema>;

/** Settings the user can change (electron-store in the app). */
export const settingsSchema = z.object({
  theme: z.enum(['system', 'light', 'dark']).default('system'),
  startMinimized: z.boolean().default(false),
  closeToTray: z.boolean().default(true),
  notifications: z.boolean().default(true),
  defaultProfile: z.string().nullable().default(null),
  /** Accepted only after it answers `--version` as pg_dump of a supported version. */
  pgDumpPath: z.string().nullable().default(null),
  /** Accepted only after it answers `--version` as pg_restore of a supported version. */
  pgRestorePath: z.string().nullable().default(null),
  smtp: smtpSchema.nullable().default(null),
});
/** Settings the user can change. */
export type Settings = z.infer<typeof settingsSchema>;

/**
 * A settings change: only the keys sent. (`settingsSchema.partial()` would fill every missing key
 * with its default, so changing the theme would wipe the SMTP server and the tool paths.)
 */
export const settingsPatchSchema = z.object({
  theme: settingsSchema.shape.theme.unwrap().optional(),
  startMinimized: z.boolean().optional(),
  closeToTray: z.boolean().optional(),
  notifications: z.boolean().optional(),
  defaultProfile: z.string().nullable().optional(),
  pgDumpPath: z.string().min(1).max(4096).nullable().optional(),
  pgRestorePath: z.string().min(1).max(4096).nullable().optional(),
  smtp: smtpSchema.nullable().optional(),
});

/** Restore options as the wizard sends them; folder and file targets are path grants. */
export const restoreOptionsSchema = z.object({
  only: z.array(z.string().min(1)).optional(),
  toDir: pathRefSchema.optional(),
  toSqlite: pathRefSchema.optional(),
  toPostgres: z.string().min(1).optional(),
  safetyBackup: z.boolean().default(true),
  /** The user ticked "restore the smaller backup anyway". */
  confirmSmaller: z.boolean().optional(),
  /** Sources the user confirmed to restore to the place recorded in an archive from elsewhere (main confirms again). */
  useRecorded: z.array(z.string().min(1)).optional(),
  // Issue 13 (databases): another MariaDB/MySQL database, a whole PostgreSQL server, pgAdmin-style choices.
  toMysql: z.string().min(1).max(4096).optional(),
  toPostgresServer: z.string().min(1).max(4096).optional(),
  pg: pgRestoreOptionsSchema.optional(),
});

/** The History columns the catalog can sort by (server-side: the table is paginated). */
export const HISTORY_SORT_KEYS = ['createdAt', 'profile', 'type', 'size', 'durationMs', 'status', 'trigger', 'createdBy'] as const;
/** A History column the catalog can sort by. */
export type HistorySortKey = (typeof HISTORY_SORT_KEYS)[number];

/** Every request channel's payload schema. */
export const REQUESTS = {
  'app:get-info': z.object({}),
  'stats:get': z.object({}),
  'history:query': z.object({
    status: z.enum(BACKUP_STATUSES).optional(),
    type: z.enum(BACKUP_TYPES).optional(),
    trigger: z.enum(TRIGGERS).optional(),
    profile: z.string().max(64).optional(),
    since: z.iso.datetime().optional(),
    until: z.iso.datetime().optional(),
    search: z.string().max(200).optional(),
    limit: z.number().int().min(1).max(500).default(25),
    offset: z.number().int().min(0).default(0),
    /** Sort column (default: date) and direction (default: newest / largest first). */
    sortBy: z.enum(HISTORY_SORT_KEYS).optional(),
    sortDir: z.enum(['asc', 'desc']).optional(),
  }),
  'backup:get-details': z.object({ id }),
  'backup:start': z.object({
    profile: z.string().regex(PROFILE_NAME_PATTERN).optional(),
    sources: z.array(sourceSpecSchema).max(50).optional(),
    type: z.enum(BACKUP_TYPES).optional(),
    format: z.enum(ARCHIVE_FORMATS).optional(),
    description: z.string().max(500).default(''),
    trigger: z.enum(['MANUAL', 'TRAY']).default('MANUAL'),
    /** Grants for the ad-hoc sources' paths (each path must have one). */
    pathGrants: z.array(pathRefSchema).max(50).default([]),
  }),
  'backup:verify': z.object({ id }),
  'backup:delete': z.object({ id }),
  'backup:export': z.object({ id, destination: pathRefSchema.optional() }),
  'backup:show-in-folder': z.object({ id }),
  'backup:save-receipt': z.object({ id }),
  'job:cancel': z.object({ jobId: id }),
  'job:list-active': z.object({}),
  'restore:plan': z.object({ target: backupTargetSchema, options: restoreOptionsSchema }),
  'restore:start': z.object({
    target: backupTargetSchema,
    options: restoreOptionsSchema,
    confirmName: z.string(),
    /** The digest of the plan the user confirmed (RestorePlanView.digest): main refuses if its own plan differs. */
    planDigest: z.string().max(128).optional(),
  }),
  'import:archive': z.object({
    archive: pathRefSchema,
    /** The token import:inspect returned for this file: only an inspected, unchanged file is copied. */
    inspection: z.string().max(128).optional(),
  }),
  'profile:list': z.object({}),
  'profile:save': z.object({
    name: z.string().regex(PROFILE_NAME_PATTERN),
    spec: profileSpecSchema,
    /** PostgreSQL passwords by source name; kept in the secret store, never in the profile. */
    passwords: z.record(z.string(), z.string().max(1000)).default({}),
    replace: z.boolean().default(false),
    /** Grants for paths that are new to this profile (a path already in the stored profile needs none). */
    pathGrants: z.array(pathRefSchema).max(60).default([]),
  }),
  'profile:remove': z.object({ name: z.string().regex(PROFILE_NAME_PATTERN) }),
  'profile:test-connection': z.object({ url: z.string().min(1).max(4096), password: z.string().max(1000).optional(), kind: z.enum(['postgres', 'mysql']).optional() }),
  'settings:get': z.object({}),
  'settings:set': settingsPatchSchema,
  'settings:set-smtp-password': z.object({ password: z.string().max(1000) }),
  'settings:get-secret-state': z.object({}),
  'settings:test-email': z.object({}),
  'audit:query': z.object({
    action: z.string().max(64).optional(),
    outcome: z.enum(AUDIT_OUTCOMES).optional(),
    actor: z.string().max(64).optional(),
    since: z.iso.datetime().optional(),
    until: z.iso.datetime().optional(),
    search: z.string().max(200).optional(),
    limit: z.number().int().min(1).max(500).default(50),
    offset: z.number().int().min(0).default(0),
  }),
  'audit:verify': z.object({}),
  'audit:export': z.object({ format: z.enum(['csv', 'json']) }),
  'demo:create': z.object({}),
  'dialog:pick-path': z.object({ kind: z.enum(GRANT_KINDS) }),
  'dialog:grant-dropped': z.object({ path: z.string().min(1).max(4096) }),
  // --- safe restores and drop-to-restore (issue 12, items 3 and 8) ---
  'restore:cancel': z.object({ jobId: id }),
  'restore:open-target': z.object({ restoreId: id, source: z.string().min(1).max(200) }),
  'import:inspect': z.object({
    archive: pathRefSchema,
    /** Issue 14: the key for a dropped encrypted (.age) archive; an identity file is picked in main's own dialog. */
    key: importKeySchema.optional(),
  }),
  // --- end safe restores and drop-to-restore ---
  // File-level restore and comparison (issue 12, item 4).
  ...FILES_REQUESTS,
  // Encryption at rest (issue 14): keys go to the OS keychain, never into the profile.
  'encryption:get-state': z.object({ profile: z.string().regex(PROFILE_NAME_PATTERN) }),
  /** A passphrase for scrypt: long enough to resist offline guessing of a stolen archive. */
  'encryption:set-passphrase': z.object({ profile: z.string().regex(PROFILE_NAME_PATTERN), passphrase: z.string().min(12, 'at least 12 characters').max(1000) }),
  'encryption:create-key': z.object({ profile: z.string().regex(PROFILE_NAME_PATTERN) }),
  'encryption:save-recovery-kit': z.object({ profile: z.string().regex(PROFILE_NAME_PATTERN) }),
  // --- issue 12 items 5-7 (backups that don't block, run log, profiles you can trust) ---
  /**
   * Check and measure sources before a backup: a stored profile's (`profile`), or sources being
   * edited (`sources`, with grants for paths new to the profile `existing`, if any). With `type`
   * and `format`, the resolved settings are those a backup with these overrides would use.
   */
  'backup:estimate': z.object({
    profile: z.string().regex(PROFILE_NAME_PATTERN).optional(),
    sources: z.array(sourceSpecSchema).max(50).optional(),
    existing: z.string().regex(PROFILE_NAME_PATTERN).optional(),
    pathGrants: z.array(pathRefSchema).max(60).default([]),
    /** PostgreSQL passwords typed in the editor, by source index (never stored by this call). */
    passwords: z.record(z.string(), z.string().max(1000)).default({}),
    type: z.enum(BACKUP_TYPES).optional(),
    format: z.enum(ARCHIVE_FORMATS).optional(),
  }),
  /** The run log of a backup or restore, by id. */
  'run-log:get': z.object({ id }),
  /** Put back a profile removed moments ago (the snackbar's Undo), with its id, schedule and passwords. */
  'profile:undo-remove': z.object({ token: z.string().regex(/^[0-9a-f]{32}$/) }),
  // Off-site remote destinations (issue 14)
  'remote:list-copies': z.object({ backupId: z.string().min(1).max(64).optional(), backupIds: z.array(z.string().min(1).max(64)).max(500).optional() }),
  'remote:test': z.object({ remote: remoteSpecSchema }),
  'remote:trust-host-key': z.object({ url: z.string().min(1).max(2048), fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/), knownHostsLine: z.string().min(1).max(16384) }),
  'remote:set-secrets': z.object({
    url: z.string().min(1).max(2048),
    /** The S3 endpoint the keys are for: they are only ever sent there (adversary review). */
    s3Endpoint: z.string().url().max(2048).optional(),
    s3AccessKeyId: z.string().max(256).optional(),
    s3SecretAccessKey: z.string().max(1024).optional(),
    sshPassword: z.string().max(1024).optional(),
  }),
  'remote:sync': z.object({ profile: z.string().regex(PROFILE_NAME_PATTERN).optional() }),
  'remote:verify': z.object({ profile: z.string().regex(PROFILE_NAME_PATTERN).optional() }),
  'remote:fetch': z.object({ backupId: z.string().min(1).max(64), remoteId: z.string().min(1).max(2048).optional() }),
} as const satisfies { readonly [C in Channel]: z.ZodType };
/** What the renderer sends on a channel (before defaults are applied). */
export type RequestOf<C extends Channel> = z.input<(typeof REQUESTS)[C]>;
/** What the main process hands to the handler (after parsing). */
export type ParsedRequest<C extends Channel> = z.output<(typeof REQUESTS)[C]>;

/** One audit event as the Audit screen shows it. */
export interface AuditEventView {
  readonly id: number;
  readonly ts: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly outcome: AuditOutcome;
  readonly details: Readonly<Record<string, unknown>>;
  readonly hash: string;
  // Audit you can read (issue 12, item 9): resolved in main from the catalog.
  /** The event's readable name (`Backup completed`), from src-shared/domain/audit-events.ts. */
  readonly label: string;
  /** The target as a person names it: the backup's file and profile, the restore's archive, the profile. */
  readonly targetLabel: string;
}

/** Dashboard figures. */
export interface DashboardStats {
  readonly totalBackups: number;
  readonly latest: BackupRecord | null;
  readonly totalBytes: number;
  readonly lastVerified: BackupRecord | null;
  readonly retention: string;
  readonly nextRun: { readonly at: string; readonly profile: string } | null;
  /** Newest first, for the size/duration chart. */
  readonly recent: readonly { createdAt: string; size: number; durationMs: number; status: string }[];
  readonly profiles: number;
  /** Missed-backup alerts from the watchdog. */
  readonly alerts: readonly { profile: string; message: string }[];
  /** One row per profile, in profile order: what the health table shows. */
  readonly health: readonly ProfileHealth[];
  /** A red banner for every profile whose newest finished run failed, with the row to link to. */
  readonly failing: readonly FailingProfile[];
  /** Catalog rows by status: History's unfiltered count is their sum, `totalBackups` is `COMPLETED` alone. */
  readonly rowsByStatus: Readonly<Record<string, number>>;
}

/**
 * How fresh a profile's newest successful backup is, judged by its own schedule: `fresh` (it covers
 * the newest slot), `due` (a slot passed within the grace period of a run), `overdue` (a slot passed
 * and its grace period too), `unscheduled` (no enabled schedule: nothing to judge by), `never`
 * (scheduled, and no successful backup at all).
 */
export type Freshness = 'fresh' | 'due' | 'overdue' | 'unscheduled' | 'never';

/** One profile's row on the dashboard's health table. */
export interface ProfileHealth {
  readonly profile: string;
  /** "daily at 02:00", or null without an enabled schedule. */
  readonly schedule: string | null;
  readonly lastSuccessAt: string | null;
  readonly freshness: Freshness;
  /** The newest finished run (COMPLETED or FAILED), whatever its trigger. */
  readonly lastRun: { readonly id: string; readonly status: BackupRecord['status']; readonly at: string; readonly errorCode: string | null; readonly errorMessage: string | null } | null;
  /** FAILED runs after the newest COMPLETED one (every FAILED run if none completed). */
  readonly consecutiveFailures: number;
  readonly nextRunAt: string | null;
  /** The newest and the previous COMPLETED backup's sizes (null where there is none). */
  readonly sizeLast: number | null;
  readonly sizePrevious: number | null;
  /** Free space on the disk holding the destination (its nearest existing folder), or why it is unknown. */
  readonly destination: string;
  readonly freeBytes: number | null;
  readonly freeProblem: string | null;
}

/** A profile whose newest finished run failed: the banner's text and the History row it links to. */
export interface FailingProfile {
  readonly profile: string;
  readonly backupId: string;
  readonly failedAt: string;
  readonly consecutiveFailures: number;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
}

/** One kind of change at a folder target: how many, how many bytes, and the first paths. */
export interface ChangeListView {
  readonly count: number;
  readonly bytes: number;
  readonly paths: readonly string[];
}

/** What a restore does to a folder that exists: deletes (not in the backup), replaces, adds, keeps. */
export interface FolderChangesView {
  readonly deleted: ChangeListView;
  readonly replaced: ChangeListView;
  readonly added: ChangeListView;
  readonly unchanged: number;
}

/** A restore pre-flight as the wizard shows it. */
export interface RestorePlanView {
  readonly archive: string;
  readonly backupName: string;
  readonly sha256: string;
  readonly checksumSource: 'catalog' | 'sidecar' | 'none';
  readonly checksumOk: boolean;
  readonly sources: readonly { name: string; kind: string; rows: number | null; files: number | null }[];
  readonly targets: readonly {
    source: string;
    kind: string;
    target: string;
    /** Where the target came from: chosen by the user, this machine's own backup, or recorded in an archive from elsewhere. */
    origin: 'chosen' | 'catalog' | 'recorded';
    exists: boolean;
    writeBytes: number;
    overwriteBytes: number | null;
    changes?: FolderChangesView;
    liveRows?: number | null;
    backupRows?: number;
  }[];
  readonly problems: readonly string[];
  /** The backup is much smaller than what it replaces: starting needs `confirmSmaller`. */
  readonly smaller: readonly string[];
  readonly estimatedSeconds: number | null;
  /** The profile the backup was made by (manifest), if any. */
  readonly profile: string | null;
  /**
   * What the user types to confirm: null when the restore overwrites and deletes nothing (one
   * click); else the profile's name, or the name of the first target it overwrites.
   */
  readonly confirmPhrase: string | null;
  /** Identity of what this plan changes (archive hash, targets, change counts); restore:start compares it. */
  readonly digest: string;
}

/** What a dropped archive is, found by reading it in place (nothing copied yet). */
export interface ImportPreviewView {
  /** Hand this back to import:archive: it copies only this file, unchanged since it was inspected. */
  readonly inspection: string;
  readonly fileName: string;
  readonly path: string;
  readonly size: number;
  readonly format: 'zip' | 'tar.gz';
  /** A Lifeboat archive (it has a manifest), or a plain ZIP / tar.gz. */
  readonly kind: 'lifeboat' | 'plain';
  readonly files: number;
  readonly sources: readonly { name: string; kind: string; files: number | null; rows: number | null; bytes: number }[];
  /** Where and by whom it was made (from its manifest; null for a plain archive). */
  readonly origin: { host: string; user: string; createdAt: string; profile: string | null; description: string; appVersion: string } | null;
  /** Each check, worded as exactly what was compared with what. */
  readonly checks: readonly { ok: boolean; text: string }[];
  /** sidecar: a .sha256 from its origin matched the whole file; manifest: entries matched their own manifest only; none: nothing vouches. */
  readonly vouchedBy: 'sidecar' | 'manifest' | 'none';
  /** The same bytes are already in the catalog. */
  readonly duplicateOf: { id: string; fileName: string } | null;
  /** Why it cannot be imported (a failed check); empty when it can. */
  readonly problems: readonly string[];
  /** Issue 14: set for an encrypted (.age) archive. */
  readonly encryption?: ImportEncryptionView;
}

/** One running job, for a reloaded window or the tray. */
export interface ActiveJob {
  readonly jobId: string;
  readonly kind: 'backup' | 'restore' | 'verify';
  readonly label: string;
  readonly progress: JobProgress | null;
}

/** What each request channel returns inside its Result. */
export interface Responses extends FilesResponses {
  // Off-site remote destinations (issue 14)
  'remote:list-copies': readonly RemoteCopy[];
  'remote:test': { objects: number };
  'remote:trust-host-key': null;
  'remote:set-secrets': null;
  'remote:sync': { jobId: string };
  'remote:verify': { jobId: string };
  'remote:fetch': { jobId: string };
  'app:get-info': { version: string; home: string; platform: string; hasTray: boolean; firstRun: boolean };
  'stats:get': DashboardStats;
  'history:query': HistoryPage;
  'backup:get-details': { record: BackupRecord; manifest: Manifest | null };
  'backup:start': { jobId: string };
  'backup:verify': { ok: boolean; problems: readonly { path: string; problem: string }[]; sha256: string };
  'backup:delete': { id: string };
  'backup:export': { path: string; sha256: string } | null;
  'backup:show-in-folder': null;
  'backup:save-receipt': { path: string } | null;
  'job:cancel': { cancelled: boolean };
  'job:list-active': readonly ActiveJob[];
  'restore:plan': RestorePlanView;
  'restore:start': { jobId: string };
  'import:archive': { id: string; duplicate: boolean; kind: 'lifeboat' | 'plain'; warnings: readonly BackupWarning[]; fileName: string };
  'profile:list': readonly Profile[];
  'profile:save': Profile;
  'profile:remove': { name: string; undoToken: string };
  'profile:test-connection': { serverVersion: string; database: string };
  'settings:get': Settings;
  'settings:set': Settings;
  'settings:set-smtp-password': null;
  'settings:get-secret-state': SecretState;
  'settings:test-email': { sent: boolean; error: string | null };
  'audit:query': { rows: readonly AuditEventView[]; total: number };
  'audit:verify': { ok: boolean; checked: number; problem?: { id: number; reason: string } };
  'audit:export': { path: string; events: number } | null;
  'demo:create': { profile: string };
  'dialog:pick-path': PathRef | null;
  'dialog:grant-dropped': PathRef;
  // --- safe restores and drop-to-restore (issue 12, items 3 and 8) ---
  'restore:cancel': { cancelled: true };
  'restore:open-target': null;
  'import:inspect': ImportPreviewView;
  // --- end safe restores and drop-to-restore ---
  // Encryption at rest (issue 14)
  'encryption:get-state': EncryptionState;
  'encryption:set-passphrase': null;
  /** The public key of a new key pair whose private half went to the keychain. */
  'encryption:create-key': { recipient: string };
  'encryption:save-recovery-kit': { path: string } | null;
  'backup:estimate': BackupEstimateView;
  'run-log:get': { id: string; kind: 'backup' | 'restore'; text: string } | null;
  'profile:undo-remove': Profile;
}

/** One source checked and measured before a backup (or by the profile editor's "Test sources"). */
export interface SourceEstimateView {
  readonly name: string;
  readonly kind: SourceKind;
  /** The path, or the database URL without its password. */
  readonly where: string;
  readonly ok: boolean;
  /** Bytes the backup will read (folder files, the database file, the server's database size), when known. */
  readonly bytes: number | null;
  readonly files: number | null;
  /** What is wrong (missing, unreadable, unreachable), and its error code. */
  readonly problem: string | null;
  readonly code: string | null;
  /** What was found (e.g. "PostgreSQL 15.8, database crm"). */
  readonly detail: string | null;
}

/** What a backup will do, resolved: the profile's defaults filled in, and each source measured. */
export interface BackupEstimateView {
  readonly sources: readonly SourceEstimateView[];
  /** The sum of the sizes that are known; `unknown` counts the sources without one. */
  readonly totalBytes: number;
  readonly unknown: number;
  readonly settings: {
    readonly type: BackupType;
    readonly format: ArchiveFormat;
    readonly compressionLevel: number;
    readonly verify: boolean;
    readonly destination: string;
    /** "keep the last 7 verified, 4 weekly", or "keep everything". */
    readonly retention: string;
    readonly hooks: { readonly pre: string | null; readonly post: string | null };
  };
}


/** Issue 14: what the drop preview knows about an encrypted archive (never a key). */
export interface ImportEncryptionView {
  /** From the age header: a passphrase, X25519 public keys, or a kind Lifeboat does not open. */
  readonly mode: 'passphrase' | 'recipients' | 'other';
  /** How many keys it is encrypted to. */
  readonly stanzas: number;
  /** Decrypted with the key given, and its contents inspected. */
  readonly opened: boolean;
  /** Profiles whose key is kept in this computer's keychain, of the kind this archive needs. */
  readonly storedKeys: readonly { profile: string; kind: 'passphrase' | 'identity' }[];
}

/** Encryption at rest (issue 14): what the app knows about a profile's keys, without the keys. */
export interface EncryptionState {
  /** The saved profile's mode (null: not encrypted, or not saved yet). */
  readonly mode: 'passphrase' | 'recipients' | null;
  /** A passphrase for this profile is in the keychain. */
  readonly passphraseStored: boolean;
  /** The public key whose private half is in this computer's keychain, if any. */
  readonly localRecipient: string | null;
}

/** Which stored secrets are there (a secret is dropped when what it was stored for changes). */
export interface SecretState {
  /** The SMTP password is stored for the current host, port and user. */
  readonly smtpPassword: boolean;
  /** Per profile, the indexes of PostgreSQL sources whose password is stored for their current server, database and user. */
  readonly profilePasswords: Readonly<Record<string, readonly number[]>>;
}

/** How a job ended. */
export interface JobFinished {
  readonly jobId: string;
  readonly kind: ActiveJob['kind'];
  readonly result: Result<{ id: string; summary: string; safetyBackupId?: string | null; rolledBack?: readonly string[] }>;
}

/** Events pushed from main to the renderer. */
export interface Events extends Record<EventName, unknown> {
  'job:progress': JobProgress;
  'job:finished': JobFinished;
  'catalog:changed': { reason: string };
  'settings:changed': Settings;
  /** A notification about this backup was clicked: show its details. */
  'backup:focused': { id: string };
}

/** What the preload exposes as `window.lifeboat`, and nothing else. */
export interface LifeboatApi {
  invoke<C extends PageChannel>(channel: C, payload: RequestOf<C>): Promise<Result<Responses[C]>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  /**
   * A path grant for a File the user dropped: the preload reads its path with Electron's webUtils
   * (a File the page made up has none) and asks main on a channel the page cannot call itself.
   */
  grantDroppedFile(file: object): Promise<Result<PathRef>>;
}
