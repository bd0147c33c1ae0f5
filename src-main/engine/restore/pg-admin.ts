import type pg from 'pg';
import { connectFirst, parsePgUrl, withDatabase, type PgTarget } from '../sources/postgres-source.js';

/** A connection to the server's maintenance database, for CREATE/RENAME/DROP DATABASE. */
export interface PgAdmin {
  readonly target: PgTarget;
  exists(db: string): Promise<boolean>;
  create(db: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  drop(db: string): Promise<void>;
  /** Exact row counts per table of a database (schema.table). */
  rowCounts(db: string): Promise<{ name: string; rows: number }[]>;
  close(): Promise<void>;
}

/** Connect to `postgres` on the URL's server as the URL's user. */
export async function connectAdmin(url: string): Promise<PgAdmin> {
  const first = await connectFirst(parsePgUrl(url), 'postgres');
  const t = first.target;
  let session: Promise<pg.Client> | null = Promise.resolve(first.client);
  const main = (): Promise<pg.Client> => (session ??= connectFirst(t, 'postgres').then((c) => c.client));
  const ident = (s: string): string => first.client.escapeIdentifier(s);
  const query = async (sql: string, values?: unknown[]): Promise<pg.QueryResult> => (await main()).query(sql, values);
  // A session cannot rename or drop the database it is connected to: a whole-server restore swaps
  // `postgres` itself, so such a statement runs from template1 with this session closed meanwhile
  // (it reconnects on its next use; template1 is held only for that one statement).
  const run = async (sql: string, ...names: string[]): Promise<void> => {
    if (!names.includes('postgres')) {
      await query(sql);
      return;
    }
    if (session) {
      const open = session;
      session = null;
      await (await open).end().catch(() => undefined);
    }
    const { client } = await connectFirst({ ...t, database: 'template1' }, 'template1');
    try {
      await client.query(sql);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  return {
    target: t,
    async exists(db) {
      return (await query('SELECT 1 FROM pg_database WHERE datname = $1', [db])).rowCount === 1;
    },
    async create(db) {
      await query(`CREATE DATABASE ${ident(db)}`);
    },
    async rename(from, to) {
      await run(`ALTER DATABASE ${ident(from)} RENAME TO ${ident(to)}`, from, to);
    },
    async drop(db) {
      await run(`DROP DATABASE IF EXISTS ${ident(db)}`, db);
    },
    async rowCounts(db) {
      const { client: c } = await connectFirst({ ...t, database: db }, db);
      try {
        const tables = await c.query<{ schema: string; name: string }>(
          `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1, 2`,
        );
        const out: { name: string; rows: number }[] = [];
        for (const r of tables.rows) {
          const n = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ONLY ${c.escapeIdentifier(r.schema)}.${c.escapeIdentifier(r.name)}`);
          out.push({ name: `${r.schema}.${r.name}`, rows: Number(n.rows[0]?.n ?? 0) });
        }
        return out;
      } finally {
        await c.end().catch(() => undefined);
      }
    },
    async close() {
      const open = session;
      session = null;
      if (open) await (await open).end().catch(() => undefined);
    },
  };
}

/** The same server and credentials, another database. */
export function urlWithDatabase(url: string, db: string): string {
  return withDatabase(url, db);
}
