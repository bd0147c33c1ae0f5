import { z } from 'zod';
import { ARCHIVE_FORMATS, BACKUP_TYPES, ENTRY_KINDS, TRIGGERS } from '../domain/enums.js';
import { LifeboatError } from '../errors/lifeboat-error.js';
import { pgDumpOptionsSchema } from '../domain/pg-options.js';

/** The manifest format this build writes. Readers accept this version and older ones. */
export const MANIFEST_FORMAT_VERSION = 1;

/** Where things live inside an archive. */
export const ARCHIVE_LAYOUT = {
  manifest: 'manifest.json',
  readme: 'README.txt',
  databasesDir: 'databases/',
  filesDir: 'files/',
} as const;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256');
const isoTime = z.iso.datetime({ offset: true });
const count = z.number().int().nonnegative();
/** Source names become path segments, so they are restricted to a safe alphabet. */
export const SOURCE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const sourceName = z.string().regex(SOURCE_NAME_PATTERN, 'letters, digits, dot, dash or underscore');

const tableCount = z.object({ name: z.string().min(1), rows: count });

const sqliteSource = z.object({
  kind: z.literal('sqlite'),
  name: sourceName,
  path: z.string().min(1),
  entry: z.string().min(1),
  sqliteVersion: z.string(),
  journalMode: z.string(),
  integrityCheck: z.literal('ok'),
  pageSize: count,
  pageCount: count,
  tables: z.array(tableCount),
  totalRows: count,
});

const postgresSource = z.object({
  kind: z.literal('postgres'),
  name: sourceName,
  /** Connection without password: `postgres://user@host:port/db`. */
  url: z.string().min(1),
  database: z.string().min(1),
  entry: z.string().min(1),
  serverVersion: z.string(),
  pgDumpVersion: z.string(),
  databaseBytes: count,
  tables: z.array(tableCount),
  totalRows: count,
  /** The pgAdmin-style options the dump was made with (issue 13). */
  dumpOptions: pgDumpOptionsSchema.optional(),
  /**
   * Part of a whole-server backup (issue 13): `name` is the server source, `globals` the entry
   * holding its `pg_dumpall --globals-only` (roles, memberships, tablespaces), owned by one of the
   * server's records and restored before any of its databases.
   */
  server: z
    .object({
      name: sourceName,
      globals: z.string().regex(/^databases\/[A-Za-z0-9._-]+\.globals\.sql$/, 'databases/<source>.globals.sql'),
      roles: z.array(z.string()),
      tablespaces: z.array(z.string()),
    })
    .optional(),
});

const mysqlSource = z.object({
  kind: z.literal('mysql'),
  name: sourceName,
  /** Connection without password: `mysql://user@host:port/db` or `mysql://user@localhost/db?socket=...`. */
  url: z.string().min(1),
  database: z.string().min(1),
  /** `databases/<source>.sql`: a mariadb-dump / mysqldump SQL dump with its completion trailer. */
  entry: z.string().min(1),
  /** `VERSION()` of the server, e.g. `10.11.19-MariaDB-0+deb12u1`. */
  serverVersion: z.string(),
  /** The dump tool and its version, e.g. `mariadb-dump 10.11.19-MariaDB`. */
  dumpToolVersion: z.string(),
  /** Rows per table as the dump holds them (counted in the dump itself: the dump's own snapshot). */
  tables: z.array(tableCount),
  totalRows: count,
});

const skippedFile = z.object({ path: z.string(), reason: z.string() });

const folderSource = z.object({
  kind: z.literal('folder'),
  name: sourceName,
  path: z.string().min(1),
  prefix: z.string().min(1),
  include: z.array(z.string()),
  exclude: z.array(z.string()),
  gitignore: z.boolean(),
  files: count,
  directories: count,
  symlinks: count,
  bytes: count,
  skipped: z.array(skippedFile),
  /** Files stored as read although they changed while read (their hashes match what is stored). */
  changed: z.array(skippedFile).optional(),
});

/** One source's record in the manifest. */
export const manifestSourceSchema = z.discriminatedUnion('kind', [sqliteSource, postgresSource, mysqlSource, folderSource]);

/** One stored entry (file, directory or symlink) of the archive. */
export const manifestEntrySchema = z.object({
  path: z.string().min(1),
  kind: z.enum(ENTRY_KINDS),
  source: sourceName,
  size: count,
  sha256: sha256.optional(),
  mode: count,
  mtime: isoTime,
  target: z.string().optional(),
  /** Owner at backup time; applied on restore only when asked (--apply-owners). */
  uid: count.optional(),
  gid: count.optional(),
});

const fileType = z.object({ ext: z.string(), count, bytes: count });

/** Rules every entry list obeys: unique paths, symlinks with a target, files with a hash when required. */
function checkEntries(entries: readonly z.infer<typeof manifestEntrySchema>[], requireHashes: boolean, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.path)) ctx.addIssue({ code: 'custom', message: `duplicate entry ${e.path}`, path: ['entries'] });
    seen.add(e.path);
    if (requireHashes && e.kind === 'file' && !e.sha256) ctx.addIssue({ code: 'custom', message: `file ${e.path} has no sha256`, path: ['entries'] });
    if (e.kind === 'symlink' && !e.target) ctx.addIssue({ code: 'custom', message: `symlink ${e.path} has no target`, path: ['entries'] });
  }
}

/**
 * The entries of a plain archive (no manifest from its origin): the same entry schema and rules as
 * a manifest's, except that files carry no SHA-256 (nothing vouches for their bytes).
 */
export const plainEntriesSchema = z.object({ entries: z.array(manifestEntrySchema) }).superRefine((m, ctx) => checkEntries(m.entries, false, ctx));

/** Validated entries of a plain archive. */
export type PlainEntries = z.infer<typeof plainEntriesSchema>;

/** The versioned manifest schema (`manifest.json` inside every archive). */
export const manifestSchema = z
  .object({
    formatVersion: z.number().int().min(1).max(MANIFEST_FORMAT_VERSION),
    app: z.object({ name: z.literal('lifeboat'), version: z.string() }),
    backupId: z.uuid(),
    createdAt: isoTime,
    host: z.string(),
    user: z.string(),
    type: z.enum(BACKUP_TYPES),
    format: z.enum(ARCHIVE_FORMATS),
    trigger: z.enum(TRIGGERS),
    profile: z.string().nullable(),
    description: z.string(),
    tools: z.record(z.string(), z.string()),
    sources: z.array(manifestSourceSchema).min(1),
    entries: z.array(manifestEntrySchema),
    totals: z.object({ files: count, directories: count, symlinks: count, bytes: count, rows: count }),
    fileTypes: z.array(fileType),
    /** What the read of the sources met (changed, vanished, left-out files), as shown by `list`/`info`. */
    warnings: z.array(z.object({ code: z.string(), message: z.string() })).optional(),
  })
  .superRefine((m, ctx) => {
    checkEntries(m.entries, true, ctx);
    const files = m.entries.filter((e) => e.kind === 'file');
    if (files.length !== m.totals.files)
      ctx.addIssue({ code: 'custom', message: `totals.files is ${m.totals.files} but ${files.length} file entries are listed`, path: ['totals'] });
    const bytes = files.reduce((sum, e) => sum + e.size, 0);
    if (bytes !== m.totals.bytes)
      ctx.addIssue({ code: 'custom', message: `totals.bytes is ${m.totals.bytes} but the file entries add up to ${bytes}`, path: ['totals'] });
  });

/** A validated manifest. */
export type Manifest = z.infer<typeof manifestSchema>;
/** One source record of a manifest. */
export type ManifestSource = z.infer<typeof manifestSourceSchema>;
/** One entry record of a manifest. */
export type ManifestEntry = z.infer<typeof manifestEntrySchema>;

/**
 * Validate a parsed `manifest.json`. Throws ARCHIVE_INVALID naming the first problems found.
 * @param where names the archive, for the error message.
 */
export function parseManifest(value: unknown, where: string): Manifest {
  const version = typeof value === 'object' && value !== null ? (value as { formatVersion?: unknown }).formatVersion : undefined;
  if (typeof version === 'number' && version > MANIFEST_FORMAT_VERSION) {
    throw new LifeboatError(
      'ARCHIVE_INVALID',
      `${where} was made by a newer Lifeboat (manifest formatVersion ${version}; this one reads up to ${MANIFEST_FORMAT_VERSION}). Upgrade Lifeboat to restore it.`,
      { where, formatVersion: version },
    );
  }
  const result = manifestSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  throw new LifeboatError('ARCHIVE_INVALID', `The manifest in ${where} is not valid: ${problems}`, { where });
}

/**
 * Validate the entry list synthesized for a plain archive. Throws ARCHIVE_INVALID naming the first
 * problems found (a symlink without a target, a duplicate).
 * @param where names the archive, for the error message.
 */
export function parsePlainEntries(value: unknown, where: string): PlainEntries {
  const result = plainEntriesSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  throw new LifeboatError('ARCHIVE_INVALID', `The entries of ${where} are not valid: ${problems}`, { where });
}

/** Lower-cased extension of a path ("" when there is none), used for the file-type breakdown. */
export function extensionOf(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}
