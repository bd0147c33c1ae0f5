import { Option, type Command } from 'commander';
import { ARCHIVE_FORMATS, BACKUP_TYPES } from '../../../src-shared/domain/enums.js';
import type { SourceSpec } from '../../../src-shared/domain/profile.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { collect } from '../context.js';
import { parsePgDumpOptions, pgDatabasesSchema, pgRestoreOptionsSchema, PG_SECTIONS, type PgDumpOptions, type PgRestoreOptions } from '../../../src-shared/domain/pg-options.js';

/** Source flags shared by `backup` and `profile add`. */
export interface SourceFlags {
  readonly sqlite?: string[];
  readonly postgres?: string[];
  /** Issue 13: whole-server PostgreSQL sources, and the databases they are limited to. */
  readonly postgresServer?: string[];
  readonly postgresDatabases?: string;
  readonly pgSchema?: string[];
  readonly pgExcludeSchema?: string[];
  readonly pgTable?: string[];
  readonly pgExcludeTable?: string[];
  readonly pgExcludeTableData?: string[];
  readonly mysql?: string[];
  readonly dir?: string[];
  readonly include?: string[];
  readonly exclude?: string[];
  readonly gitignore?: boolean;
  readonly format?: (typeof ARCHIVE_FORMATS)[number];
  readonly type?: (typeof BACKUP_TYPES)[number];
  readonly out?: string;
  readonly allowEmpty?: boolean;
  readonly skipUnreadable?: boolean;
  readonly onChangedFile?: 'warn' | 'fail';
  readonly includeSparse?: boolean;
  readonly crossFilesystems?: boolean;
}

/** The read options given as flags (absent ones stay absent, so a profile's values apply). */
export function readOptionsFromFlags(f: SourceFlags): { onChangedFile?: 'warn' | 'fail'; includeSparse?: boolean; crossFilesystems?: boolean } {
  return {
    ...(f.onChangedFile ? { onChangedFile: f.onChangedFile } : {}),
    ...(f.includeSparse ? { includeSparse: true } : {}),
    ...(f.crossFilesystems ? { crossFilesystems: true } : {}),
  };
}

/** Add the source and archive flags to a command. */
export function addSourceOptions(cmd: Command): Command {
  return cmd
    .option('--sqlite <path>', 'a SQLite database file (repeatable)', collect)
    .option('--postgres <url>', 'a PostgreSQL database as psql takes it: postgresql://user@host:port/db, postgresql:///db?host=/var/run/postgresql, "host=... dbname=..." or service=NAME (repeatable; password via ~/.pgpass, PGPASSWORD, or peer/trust)', collect)
    .option('--postgres-server <url>', 'a whole PostgreSQL server: every database but the templates (each its own pg_dump -Fc), plus pg_dumpall --globals-only for roles and tablespaces; the URL\'s database (default postgres) is where Lifeboat connects (repeatable)', collect)
    .option('--postgres-databases <list>', 'with --postgres-server: only these databases, comma-separated (e.g. app,crm)')
    .option('--pg-schema <pattern>', 'PostgreSQL sources: dump only schemas matching this pattern (pg_dump -n; repeatable)', collect)
    .option('--pg-exclude-schema <pattern>', 'PostgreSQL sources: leave out schemas matching this pattern (pg_dump -N; repeatable)', collect)
    .option('--pg-table <pattern>', 'PostgreSQL sources: dump only tables matching this pattern (pg_dump -t; repeatable)', collect)
    .option('--pg-exclude-table <pattern>', 'PostgreSQL sources: leave out tables matching this pattern (pg_dump -T; repeatable)', collect)
    .option('--pg-exclude-table-data <pattern>', 'PostgreSQL sources: keep these tables\' definitions but not their rows (repeatable)', collect)
    .option('--mysql <url>', 'a MariaDB/MySQL database, mysql://user@host:port/db or mysql://user@localhost/db?socket=PATH (repeatable; password via the URL, MYSQL_PWD or ~/.my.cnf, handed to the tools in a 0600 option file)', collect)
    .option('--dir <path>', 'a folder tree (repeatable)', collect)
    .option('--include <glob>', 'only files matching this glob, for every --dir (repeatable)', collect)
    .option('--exclude <glob>', 'leave out entries matching this glob, for every --dir (repeatable)', collect)
    .option('--gitignore', 'honour .gitignore files (nested, with negations) in every --dir')
    .addOption(new Option('--format <format>', 'archive format').choices(ARCHIVE_FORMATS))
    .addOption(new Option('--type <type>', 'which sources to include').choices(BACKUP_TYPES))
    .option('--out <dir>', 'destination folder for the archive')
    .option('--allow-empty', 'accept a source with no files or rows')
    .option('--skip-unreadable', 'leave out unreadable files (listed in the manifest) instead of failing')
    .addOption(
      new Option('--on-changed-file <what>', 'a file that changes while it is read (twice): store it as read with a warning, or fail the backup').choices(['warn', 'fail']),
    )
    .option('--include-sparse', 'read sparse files (mostly holes, e.g. VM disks) in full instead of leaving them out with a warning')
    .option('--cross-filesystems', 'also back up filesystems mounted inside a --dir (default: stop at mount points)');
}

/** The sources named by flags, in the order sqlite, postgres, mysql, folders. */
export function sourcesFromFlags(f: SourceFlags): SourceSpec[] {
  return [
    ...(f.sqlite ?? []).map((path): SourceSpec => ({ kind: 'sqlite', path })),
    ...(f.postgres ?? []).map((url): SourceSpec => ({ kind: 'postgres', url, ...pgDumpFromFlags(f) })),
    ...pgServersFromFlags(f),
    ...(f.mysql ?? []).map((url): SourceSpec => ({ kind: 'mysql', url })),
    ...(f.dir ?? []).map(
      (path): SourceSpec => ({ kind: 'folder', path, include: f.include ?? [], exclude: f.exclude ?? [], gitignore: Boolean(f.gitignore) }),
    ),
  ];
}

/** A `--keep-*` style flag: absent is null, else a whole number of 1 or more. */
export function positiveFlag(value: string | undefined, flag: string): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new LifeboatError('USAGE', `${flag} must be a whole number of 1 or more, not "${value}".`);
  return n;
}

/** The pgAdmin-style dump options given as flags (issue 13), checked: a pattern never starts with "-". */
export function pgDumpFromFlags(f: SourceFlags): { dump?: PgDumpOptions } {
  const o = {
    ...(f.pgSchema ? { schemas: f.pgSchema } : {}),
    ...(f.pgExcludeSchema ? { excludeSchemas: f.pgExcludeSchema } : {}),
    ...(f.pgTable ? { tables: f.pgTable } : {}),
    ...(f.pgExcludeTable ? { excludeTables: f.pgExcludeTable } : {}),
    ...(f.pgExcludeTableData ? { excludeTableData: f.pgExcludeTableData } : {}),
  };
  return Object.keys(o).length ? { dump: parsePgDumpOptions(o, 'the --pg-* dump options') } : {};
}

/** `--postgres-server` sources, each limited to `--postgres-databases` when given. */
function pgServersFromFlags(f: SourceFlags): SourceSpec[] {
  if (f.postgresDatabases !== undefined && !f.postgresServer?.length) throw new LifeboatError('USAGE', '--postgres-databases needs --postgres-server URL (the server the databases are on).');
  const list = f.postgresDatabases?.split(',').map((d) => d.trim()).filter(Boolean);
  const databases = list === undefined ? 'all' : pgDatabasesSchema.safeParse(list);
  if (databases !== 'all' && !databases.success) {
    throw new LifeboatError('USAGE', `--postgres-databases "${f.postgresDatabases ?? ''}": ${databases.error.issues[0]?.message ?? 'not a list of database names'} (comma-separated names, e.g. app,crm).`);
  }
  return (f.postgresServer ?? []).map((url): SourceSpec => ({ kind: 'postgres', url, databases: databases === 'all' ? 'all' : databases.data, ...pgDumpFromFlags(f) }));
}

/** Restore flags for PostgreSQL targets (issue 13). */
export interface PgRestoreFlags {
  readonly toPostgresServer?: string;
  readonly pgNewDatabase?: boolean;
  readonly pgNoOwner?: boolean;
  readonly pgSection?: string[];
  readonly pgJobs?: string;
}

/** Add the PostgreSQL restore flags to `restore`. */
export function addPgRestoreOptions(cmd: Command): Command {
  return cmd
    .option('--to-postgres-server <url>', 'restore every selected PostgreSQL source onto this server, each under its own database name; a whole-server backup\'s roles and tablespaces go first (existing roles are left as they are)')
    .option('--pg-new-database', 'PostgreSQL: only create new databases; refuse a target database that exists (default: clean and replace it through a checked swap)')
    .option('--pg-no-owner', 'PostgreSQL: do not restore owners (pg_restore --no-owner): the restoring user owns everything')
    .addOption(new Option('--pg-section <section>', 'PostgreSQL: restore only this section (repeatable; pre-data is always needed)').choices([...PG_SECTIONS]).argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]))
    .option('--pg-jobs <n>', 'PostgreSQL: parallel pg_restore jobs (1-32)');
}

/** The restore request's PostgreSQL part, checked with the same schema the app's IPC uses. */
export function pgRestoreFromFlags(f: PgRestoreFlags): { toPostgresServer?: string; pg?: PgRestoreOptions } {
  const raw = {
    ...(f.pgNewDatabase ? { mode: 'new' } : {}),
    ...(f.pgNoOwner ? { noOwner: true } : {}),
    ...(f.pgSection ? { sections: f.pgSection } : {}),
    ...(f.pgJobs !== undefined ? { jobs: Number(f.pgJobs) } : {}),
  };
  const r = pgRestoreOptionsSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new LifeboatError('USAGE', `PostgreSQL restore options: ${i ? `${i.path.join('.') === 'jobs' ? '--pg-jobs' : i.path.join('.') === 'sections' ? '--pg-section' : i.path.join('.')}: ${i.message}` : 'invalid'}.`);
  }
  return { ...(f.toPostgresServer ? { toPostgresServer: f.toPostgresServer } : {}), ...(Object.keys(r.data).length ? { pg: r.data } : {}) };
}
