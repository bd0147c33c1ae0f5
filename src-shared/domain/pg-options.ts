import { z } from 'zod';
import { LifeboatError } from '../errors/lifeboat-error.js';

/**
 * A pg_dump name pattern (`-n/-N/-t/-T/--exclude-table-data`), as psql's \d takes it. It reaches
 * pg_dump as its own argv element after the flag, and may not start with `-` (getopt would read
 * it as an option) nor hold control characters (a newline would split a TOC line).
 */
export const pgPatternSchema = z
  .string()
  .min(1)
  .max(256)
  .refine((s) => !s.startsWith('-'), 'a pattern may not start with "-"')
  .refine((s) => !/[\p{Cc}]/u.test(s), 'a pattern may not hold control characters');

function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/** A PostgreSQL database name (at most 63 bytes, no control characters). */
export const pgDatabaseNameSchema = z
  .string()
  .min(1)
  .refine((s) => utf8Length(s) <= 63, 'a database name is at most 63 bytes')
  .refine((s) => !/[\p{Cc}]/u.test(s), 'a database name may not hold control characters')
  .refine((s) => !s.startsWith('-'), 'a database name may not start with "-"');

const patterns = z.array(pgPatternSchema).max(200);

/** pgAdmin-style dump options of one PostgreSQL source; absent lists mean "no restriction". */
export const pgDumpOptionsSchema = z
  .object({
    /** Only these schemas (`--schema`). */
    schemas: patterns.optional(),
    /** Leave these schemas out (`--exclude-schema`). */
    excludeSchemas: patterns.optional(),
    /** Only these tables (`--table`). */
    tables: patterns.optional(),
    /** Leave these tables out (`--exclude-table`). */
    excludeTables: patterns.optional(),
    /** Keep these tables' definitions but not their rows (`--exclude-table-data`). */
    excludeTableData: patterns.optional(),
  })
  .strict();
/** pgAdmin-style dump options of one PostgreSQL source. */
export type PgDumpOptions = z.infer<typeof pgDumpOptionsSchema>;

/** Which databases a whole-server source backs up: every one but the templates, or a list. */
export const pgDatabasesSchema = z.union([z.literal('all'), z.array(pgDatabaseNameSchema).min(1).max(1000)]);
/** Which databases a whole-server source backs up. */
export type PgDatabases = z.infer<typeof pgDatabasesSchema>;

/** pg_restore's sections, in the order they are restored. */
export const PG_SECTIONS = ['pre-data', 'data', 'post-data'] as const;
/** One pg_restore section. */
export type PgSection = (typeof PG_SECTIONS)[number];

/**
 * How the clean-and-replace of a database target goes: `replace` swaps the checked copy in for
 * the existing database; `new` only ever creates a database and refuses one that exists.
 */
export const PG_RESTORE_MODES = ['replace', 'new'] as const;

/** pgAdmin-style restore choices for PostgreSQL targets. */
export const pgRestoreOptionsSchema = z
  .object({
    mode: z.enum(PG_RESTORE_MODES).optional(),
    /** Do not give objects their recorded owners (`--no-owner`): the restoring user owns them. */
    noOwner: z.boolean().optional(),
    /** Restore only these sections; the staging database needs its tables, so pre-data is always among them. */
    sections: z
      .array(z.enum(PG_SECTIONS))
      .min(1)
      .max(3)
      .refine((s) => s.includes('pre-data'), 'the sections must include pre-data (the restore stages into a new database, which needs the tables)')
      .refine((s) => new Set(s).size === s.length, 'each section at most once')
      .optional(),
    /** Parallel pg_restore jobs (`--jobs`), for the custom-format dumps Lifeboat writes. */
    jobs: z.number().int().min(1).max(32).optional(),
  })
  .strict();
/** pgAdmin-style restore choices for PostgreSQL targets. */
export type PgRestoreOptions = z.infer<typeof pgRestoreOptionsSchema>;

/**
 * Validate dump options from anywhere (a profile file, the command line, the renderer).
 * Throws USAGE naming the first bad value.
 */
export function parsePgDumpOptions(value: unknown, where: string): PgDumpOptions {
  const r = pgDumpOptionsSchema.safeParse(value);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new LifeboatError('USAGE', `${where}: ${i ? `${i.path.join('.') || 'options'}: ${i.message}` : 'invalid PostgreSQL dump options'}.`, { where });
}

/** The pg_dump argv for `o`: each flag and its pattern as two separate elements (checked again here). */
export function pgDumpArgs(o: PgDumpOptions | undefined): string[] {
  if (!o) return [];
  const checked = parsePgDumpOptions(o, 'PostgreSQL dump options');
  const out: string[] = [];
  const add = (flag: string, list: readonly string[] | undefined): void => {
    for (const p of list ?? []) out.push(flag, p);
  };
  add('--schema', checked.schemas);
  add('--exclude-schema', checked.excludeSchemas);
  add('--table', checked.tables);
  add('--exclude-table', checked.excludeTables);
  add('--exclude-table-data', checked.excludeTableData);
  return out;
}
