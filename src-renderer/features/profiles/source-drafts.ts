import type { PgDumpOptions } from '../../../src-shared/domain/pg-options';
import type { PathRef } from '../../../src-shared/ipc/contract';
import type { SourceSpec } from '../../../src-shared/domain/profile';

/** The pgAdmin-style dump options as edited: one pattern per line. */
export interface PgDumpDraft {
  schemas: string;
  excludeSchemas: string;
  tables: string;
  excludeTables: string;
  excludeTableData: string;
}

/** The option fields, in the order the editor shows them, with pg_dump's flag for each. */
export const PG_DUMP_FIELDS: readonly { key: keyof PgDumpDraft; label: string }[] = [
  { key: 'schemas', label: 'Only these schemas (-n)' },
  { key: 'excludeSchemas', label: 'Leave out schemas (-N)' },
  { key: 'tables', label: 'Only these tables (-t)' },
  { key: 'excludeTables', label: 'Leave out tables (-T)' },
  { key: 'excludeTableData', label: 'Keep the definition, not the rows (--exclude-table-data)' },
];

/**
 * A source being edited; database sources are split into fields, and their password never joins
 * the URL. A file or folder path is the stored profile's own, or chosen in the dialog (`grant`).
 */
export type DraftSource =
  | { kind: 'sqlite'; path: string; grant?: PathRef | undefined }
  | { kind: 'folder'; path: string; exclude: string; gitignore: boolean; grant?: PathRef | undefined; include?: string }
  | {
      kind: 'postgres';
      host: string;
      port: string;
      database: string;
      user: string;
      password: string;
      /** One database, or the whole server (`databases`: comma-separated, empty for all). */
      scope: 'database' | 'server';
      databases: string;
      dump: PgDumpDraft;
    }
  | { kind: 'mysql'; via: 'tcp' | 'socket'; host: string; port: string; socket: string; database: string; user: string; password: string };

/** A new, empty source of a kind. */
export function emptyDraft(kind: 'postgres' | 'mysql'): DraftSource {
  if (kind === 'mysql') return { kind: 'mysql', via: 'tcp', host: 'localhost', port: '3306', socket: '/run/mysqld/mysqld.sock', database: '', user: '', password: '' };
  return { kind: 'postgres', host: 'localhost', port: '5432', database: '', user: '', password: '', scope: 'database', databases: '', dump: { schemas: '', excludeSchemas: '', tables: '', excludeTables: '', excludeTableData: '' } };
}

const lines = (s: string): string[] => s.split('\n').map((x) => x.trim()).filter(Boolean);

/** postgres://user@host:port/db, without the password (a whole server connects to `postgres` unless told). */
export function pgUrl(s: Extract<DraftSource, { kind: 'postgres' }>): string {
  const db = s.database || (s.scope === 'server' ? 'postgres' : '');
  return `postgres://${encodeURIComponent(s.user)}@${s.host}:${s.port || '5432'}/${encodeURIComponent(db)}`;
}

/** mysql://user@host:port/db or mysql://user@localhost/db?socket=PATH, without the password. */
export function mysqlUrl(s: Extract<DraftSource, { kind: 'mysql' }>): string {
  const auth = `${encodeURIComponent(s.user)}@`;
  const db = encodeURIComponent(s.database);
  return s.via === 'socket' ? `mysql://${auth}localhost/${db}?socket=${encodeURIComponent(s.socket)}` : `mysql://${auth}${s.host}:${s.port || '3306'}/${db}`;
}

/** The stored URL of a database draft (what a kept password is bound to). */
export function draftUrl(d: DraftSource): string | undefined {
  return d.kind === 'postgres' ? pgUrl(d) : d.kind === 'mysql' ? mysqlUrl(d) : undefined;
}

/** The patterns the editor would refuse (the main process refuses them too). */
export function badPatterns(d: PgDumpDraft): string[] {
  return PG_DUMP_FIELDS.flatMap((f) => lines(d[f.key]).filter((p) => p.startsWith('-')));
}

function dumpOptions(d: PgDumpDraft): PgDumpOptions | undefined {
  const o: PgDumpOptions = {};
  for (const f of PG_DUMP_FIELDS) {
    const list = lines(d[f.key]);
    if (list.length) o[f.key] = list;
  }
  return Object.keys(o).length ? o : undefined;
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** A stored source as the editor shows it. */
export function draftFromSpec(s: SourceSpec): DraftSource {
  switch (s.kind) {
    case 'sqlite':
      return { kind: 'sqlite', path: s.path };
    case 'folder':
      return { kind: 'folder', path: s.path, include: s.include.join('\n'), exclude: s.exclude.join('\n'), gitignore: s.gitignore };
    case 'mysql': {
      const u = parseUrl(s.url);
      const socket = u?.searchParams.get('socket');
      return { ...(emptyDraft('mysql') as Extract<DraftSource, { kind: 'mysql' }>), via: socket ? 'socket' : 'tcp', host: u?.hostname ?? '', port: u?.port || '3306', ...(socket ? { socket } : {}), database: decodeURIComponent(u?.pathname.slice(1) ?? ''), user: decodeURIComponent(u?.username ?? '') };
    }
    case 'postgres': {
      const u = parseUrl(s.url);
      const base = emptyDraft('postgres') as Extract<DraftSource, { kind: 'postgres' }>;
      const o = s.dump ?? {};
      return {
        ...base,
        host: u?.hostname ?? '',
        port: u?.port || '5432',
        database: decodeURIComponent(u?.pathname.slice(1) ?? ''),
        user: decodeURIComponent(u?.username ?? ''),
        scope: s.databases ? 'server' : 'database',
        databases: Array.isArray(s.databases) ? s.databases.join(', ') : '',
        dump: { schemas: (o.schemas ?? []).join('\n'), excludeSchemas: (o.excludeSchemas ?? []).join('\n'), tables: (o.tables ?? []).join('\n'), excludeTables: (o.excludeTables ?? []).join('\n'), excludeTableData: (o.excludeTableData ?? []).join('\n') },
      };
    }
  }
}

/** An edited source as it is saved (no password in it). */
export function specFromDraft(d: DraftSource): SourceSpec {
  switch (d.kind) {
    case 'sqlite':
      return { kind: 'sqlite', path: d.path.trim() };
    case 'folder':
      return { kind: 'folder', path: d.path.trim(), include: lines(d.include ?? ''), exclude: lines(d.exclude), gitignore: d.gitignore };
    case 'mysql':
      return { kind: 'mysql', url: mysqlUrl(d) };
    case 'postgres': {
      const list = d.databases.split(',').map((x) => x.trim()).filter(Boolean);
      const dump = dumpOptions(d.dump);
      return { kind: 'postgres', url: pgUrl(d), ...(d.scope === 'server' ? { databases: list.length ? list : 'all' } : {}), ...(dump ? { dump } : {}) };
    }
  }
}
