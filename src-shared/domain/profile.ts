import { z } from 'zod';
import { ARCHIVE_FORMATS, BACKUP_TYPES } from './enums.js';
import { scheduleSchema } from './schedule.js';
import { SOURCE_NAME_PATTERN } from '../manifest/schema.js';
import { pgDatabasesSchema, pgDumpOptionsSchema } from './pg-options.js';

const name = z.string().regex(SOURCE_NAME_PATTERN, 'letters, digits, dot, dash or underscore, at most 64').optional();

/** A SQLite database file to back up through the online backup API. */
export const sqliteSourceSpec = z.object({ kind: z.literal('sqlite'), name, path: z.string().min(1) });

/**
 * A PostgreSQL database, as a `postgres://user@host:port/db` URL (any form psql takes). Whole-server
 * backups (issue 13): with `databases`, the URL names the server (its database, if any, is only where
 * Lifeboat connects to list the others) and every listed database is dumped, plus the globals.
 */
export const postgresSourceSpec = z.object({
  kind: z.literal('postgres'),
  name,
  url: z.string().min(1),
  databases: pgDatabasesSchema.optional(),
  dump: pgDumpOptionsSchema.optional(),
});

/** A MariaDB or MySQL database, as `mysql://user@host:port/db` or `mysql://user@localhost/db?socket=/path` (no password: ~/.my.cnf or MYSQL_PWD). */
export const mysqlSourceSpec = z.object({ kind: z.literal('mysql'), name, url: z.string().min(1) });

/** A folder tree with include/exclude globs and optional `.gitignore` rules. */
export const folderSourceSpec = z.object({
  kind: z.literal('folder'),
  name,
  path: z.string().min(1),
  include: z.array(z.string().min(1)).default([]),
  exclude: z.array(z.string().min(1)).default([]),
  gitignore: z.boolean().default(false),
});

/** Any source a backup can hold. */
export const sourceSpecSchema = z.discriminatedUnion('kind', [sqliteSourceSpec, postgresSourceSpec, mysqlSourceSpec, folderSourceSpec]);
/** Any source a backup can hold. */
export type SourceSpec = z.infer<typeof sourceSpecSchema>;

/** Options that change how strictly a backup treats its sources. */
export const backupOptionsSchema = z.object({
  /** Accept a source with no files or rows (otherwise SOURCE_EMPTY: an unmounted disk is not a backup). */
  allowEmpty: z.boolean().default(false),
  /** Leave out files that cannot be read, listing them in the manifest, instead of failing. */
  skipUnreadable: z.boolean().default(false),
  /**
   * A file that changes while it is read (twice: it is read once more) is stored as read and
   * named in the backup's warnings (`warn`, the default: a live folder always has a log being
   * written, and failing would leave no backup at all), or fails the backup (`fail`: every file
   * must be one moment's state). A file replaced (by a symlink, say) is left out under `warn`.
   */
  onChangedFile: z.enum(['warn', 'fail']).default('warn'),
  /** Read sparse files (mostly holes: VM disks, preallocated files) in full instead of leaving them out with a warning. */
  includeSparse: z.boolean().default(false),
  /** Back up folders on other filesystems mounted inside a folder source (off: stop at mount points, like `tar --one-file-system`). */
  crossFilesystems: z.boolean().default(false),
  /** Verify each backup right after writing it (every hash, SQLite integrity). */
  verify: z.boolean().default(true),
});
/** Options that change how strictly a backup treats its sources. */
export type BackupOptions = z.infer<typeof backupOptionsSchema>;

const keep = z.number().int().positive().nullable().default(null);

/**
 * Which backups `cleanup` keeps (a backup kept by any rule stays). Null means the rule is off;
 * with every rule off, nothing is deleted.
 */
export const retentionSchema = z.object({
  /** The newest N *verified* backups (and anything newer than the Nth). */
  keepLast: keep,
  /** Everything younger than N days. */
  keepDays: keep,
  /** The newest verified backup of each of the last N days / weeks / months that have one. */
  keepDaily: keep,
  keepWeekly: keep,
  keepMonthly: keep,
});
/** Retention rules. */
export type Retention = z.infer<typeof retentionSchema>;

// Encryption at rest (issue 14) ------------------------------------------------------------------
/** An age X25519 public key: `age1` and 58 bech32 characters. */
export const AGE_RECIPIENT_PATTERN = /^age1[02-9ac-hj-np-z]{58}$/;

/**
 * How a profile's archives are encrypted (age). Only public facts live here: the passphrase or
 * identity itself is kept in the OS keychain (the app) or a key file (the CLI), never in the profile.
 * `passphrase`: scrypt, with an optional hint for the recovery kit (never the passphrase).
 * `recipients`: X25519 public keys; the private half may be on another machine.
 */
export const profileEncryptionSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('passphrase'), passphraseHint: z.string().max(200).default('') }),
  z.object({ mode: z.literal('recipients'), recipients: z.array(z.string().trim().regex(AGE_RECIPIENT_PATTERN, 'an age public key: age1 followed by 58 characters')).min(1, 'at least one recipient') }),
]);
/** How a profile's archives are encrypted. */
export type ProfileEncryption = z.infer<typeof profileEncryptionSchema>;
// -------------------------------------------------------------------------------------------------
/** Retention in words, for the backup dialog and the profile cards: "keep the last 7 verified, 4 weekly". */
export function describeRetention(r: Retention): string {
  const parts = [
    r.keepLast !== null ? `the last ${r.keepLast} verified` : null,
    r.keepDays !== null ? `${r.keepDays} days` : null,
    r.keepDaily !== null ? `${r.keepDaily} daily` : null,
    r.keepWeekly !== null ? `${r.keepWeekly} weekly` : null,
    r.keepMonthly !== null ? `${r.keepMonthly} monthly` : null,
  ].filter((x): x is string => x !== null);
  return parts.length ? `keep ${parts.join(', ')}` : 'keep every backup (no retention rule)';
}

// --- issue 12 item 7 (profiles you can trust): pre- and post-backup commands ---

/** The longest a hook command may run: one day. */
export const HOOK_MAX_TIMEOUT_SECONDS = 86_400;

/**
 * A command run around a backup, as an argv array: the program, then its arguments, each passed as
 * it is (no shell parses them, so a path with spaces or a `;` is one argument and nothing else).
 * It is stopped, with every process it started, after `timeoutSeconds`.
 */
export const hookCommandSchema = z.object({
  argv: z.array(z.string().min(1).max(4096)).min(1, 'a command needs at least the program').max(100),
  timeoutSeconds: z.number().int().min(1).max(HOOK_MAX_TIMEOUT_SECONDS).default(300),
});
/** A command run around a backup. */
export type HookCommand = z.infer<typeof hookCommandSchema>;

/**
 * Commands around a profile's backups (e.g. stop a service, then start it again). A failing or
 * timed-out `pre` fails the backup, which then does not run; `post` runs whenever `pre` succeeded
 * (or there is none), whatever the backup's outcome, and its failure is a warning.
 */
export const backupHooksSchema = z.object({
  pre: hookCommandSchema.nullable().default(null),
  post: hookCommandSchema.nullable().default(null),
});
/** Commands around a profile's backups. */
export type BackupHooks = z.infer<typeof backupHooksSchema>;
// --- Off-site remote destinations (issue 14) ---
/**
 * Where a copy of each backup goes after it is written and verified locally:
 * `s3://bucket/prefix`, `sftp://user@host:port/path` or `rclone:remote:path`. Secrets never live
 * here: S3 keys come from the standard AWS variables and files (or the app's keychain), SSH keys
 * from a key file or the agent, rclone's from its own config.
 */
export const remoteSpecSchema = z.object({
  url: z.string().regex(/^(s3:\/\/|sftp:\/\/|rclone:)/, 'starts with s3://, sftp:// or rclone:'),
  /** S3: a non-AWS endpoint (MinIO, Ceph, R2...). */
  s3Endpoint: z.string().url().optional(),
  s3Region: z.string().min(1).optional(),
  /** S3: `endpoint/bucket/key` addressing (MinIO and most self-hosted servers need it). */
  s3PathStyle: z.boolean().default(false),
  /** S3: multipart part size in MiB (at least 5, S3's minimum). */
  s3PartSizeMiB: z.number().int().min(5).max(5120).default(16),
  /** S3: object-lock retention (days) in COMPLIANCE or GOVERNANCE mode, for immutable copies. */
  s3ObjectLockDays: z.number().int().positive().optional(),
  s3ObjectLockMode: z.enum(['GOVERNANCE', 'COMPLIANCE']).default('GOVERNANCE'),
  /** SFTP: private key file (else the agent in SSH_AUTH_SOCK, else a password from the secret store). */
  sshKey: z.string().min(1).optional(),
  /** SFTP: known_hosts file to check the host key against (default ~/.ssh/known_hosts). */
  knownHosts: z.string().min(1).optional(),
  /** Upload bandwidth limit in KiB/s (null: unlimited). */
  bwlimitKiB: z.number().int().positive().nullable().default(null),
  /** Remote retention: delete copies older than N days (never the newest verified one). Null keeps all. */
  keepDays: z.number().int().positive().nullable().default(null),
});
/** A remote destination. */
export type RemoteSpec = z.infer<typeof remoteSpecSchema>;
/** A remote destination as typed by a caller (defaults not yet applied). */
export type RemoteSpecInput = z.input<typeof remoteSpecSchema>;
// --- end off-site remote destinations ---

/** What a profile stores: its sources and how to back them up. */
export const profileSpecSchema = z.object({
  sources: z.array(sourceSpecSchema).min(1, 'a profile needs at least one source'),
  destination: z.string().min(1).nullable().default(null),
  format: z.enum(ARCHIVE_FORMATS).default('zip'),
  type: z.enum(BACKUP_TYPES).default('full'),
  retention: retentionSchema.default({ keepLast: null, keepDays: null, keepDaily: null, keepWeekly: null, keepMonthly: null }),
  options: backupOptionsSchema.default({ allowEmpty: false, skipUnreadable: false, onChangedFile: 'warn', includeSparse: false, crossFilesystems: false, verify: true }),
  schedule: scheduleSchema.nullable().default(null),
  /** Re-verify the newest backup on this schedule too (catches disk rot between backups). */
  verifySchedule: scheduleSchema.nullable().default(null),
  /** Encrypt archives at rest (age); null: plain archives. */
  encryption: profileEncryptionSchema.nullable().default(null),
  /** Pre- and post-backup commands (issue 12 item 7). */
  hooks: backupHooksSchema.default({ pre: null, post: null }),
  /** Off-site copies (issue 14): each backup is uploaded to every remote after it is verified locally. */
  remotes: z.array(remoteSpecSchema).default([]),
});
/** What a profile stores. */
export type ProfileSpec = z.infer<typeof profileSpecSchema>;

/** Profile names appear in file names, so they share the source-name alphabet. */
export const PROFILE_NAME_PATTERN = SOURCE_NAME_PATTERN;

/** A named, saved set of sources. */
export interface Profile {
  readonly id: string;
  readonly name: string;
  readonly spec: ProfileSpec;
  readonly createdAt: string;
  readonly updatedAt: string;
}
