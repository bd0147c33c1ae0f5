import { Option, type Command } from 'commander';
import { ARCHIVE_FORMATS, BACKUP_TYPES } from '../../../src-shared/domain/enums.js';
import type { SourceSpec } from '../../../src-shared/domain/profile.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { collect } from '../context.js';

/** Source flags shared by `backup` and `profile add`. */
export interface SourceFlags {
  readonly sqlite?: string[];
  readonly postgres?: string[];
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
    ...(f.postgres ?? []).map((url): SourceSpec => ({ kind: 'postgres', url })),
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
