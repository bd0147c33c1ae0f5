import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, testEngine } from '../../../test-support/engine.js';
import { PG_BIN, pgUnavailableReason, startPgCluster, type PgCluster } from '../../../test-support/pg-cluster.js';

const reason = pgUnavailableReason();

/** Roles, owners, grants and rows of cluster A, built to be checked on a fresh cluster after a restore. */
function seedServer(a: PgCluster): void {
  a.psql('postgres', `CREATE ROLE alice LOGIN PASSWORD 'alice-pw' CONNECTION LIMIT 7; CREATE ROLE bob NOLOGIN CREATEDB; CREATE ROLE readers NOLOGIN; GRANT readers TO alice; ALTER ROLE alice SET search_path TO app_schema, public; COMMENT ON ROLE bob IS 'owner of crm'`);
  a.psql('postgres', 'CREATE DATABASE app OWNER alice');
  a.psql('postgres', 'CREATE DATABASE crm OWNER bob');
  a.psql('app', `SET ROLE alice; CREATE TABLE items (id int PRIMARY KEY, label text); INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, 250) i; GRANT SELECT ON items TO readers;`);
  a.psql('crm', `SET ROLE bob; CREATE TABLE customers (id int PRIMARY KEY, name text); INSERT INTO customers SELECT i, 'c' || i FROM generate_series(1, 40) i; GRANT INSERT ON customers TO alice;`);
}

describe.skipIf(reason !== null)(`whole-server PostgreSQL backup and restore onto a fresh cluster${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let a: PgCluster;
  beforeAll(async () => {
    a = await startPgCluster();
    seedServer(a);
    process.env.LIFEBOAT_PG_DUMP = join(PG_BIN, 'pg_dump');
    process.env.LIFEBOAT_PG_RESTORE = join(PG_BIN, 'pg_restore');
  });
  afterAll(() => {
    delete process.env.LIFEBOAT_PG_DUMP;
    delete process.env.LIFEBOAT_PG_RESTORE;
    a?.stop();
  });

  it('backs up every database (templates left out) plus the globals, and restores roles, owners, grants and rows onto a fresh cluster', async () => {
    const { engine, out } = await testEngine();
    const b = await engine.backup(request(out, [{ kind: 'postgres', name: 'srv', url: a.url('postgres'), databases: 'all' }]));
    const manifest = await engine.manifestOf(await engine.resolve(b.id));
    const pgs = manifest.sources.filter((s) => s.kind === 'postgres');
    expect(pgs.map((s) => s.kind === 'postgres' && s.database).sort()).toEqual(['app', 'crm', 'postgres']);
    for (const s of pgs) {
      if (s.kind !== 'postgres') continue;
      expect(s.server).toMatchObject({ name: 'srv', globals: 'databases/srv.globals.sql', tablespaces: [] });
      expect(s.server?.roles).toEqual(expect.arrayContaining(['alice', 'bob', 'readers', 'testadmin']));
    }
    expect(manifest.entries.map((e) => e.path).sort()).toEqual(['databases/srv.app.pgdump', 'databases/srv.crm.pgdump', 'databases/srv.globals.sql', 'databases/srv.postgres.pgdump']);

    const fresh = await startPgCluster();
    try {
      const r = await engine.restore(await engine.resolve(b.id), { toPostgresServer: fresh.url('postgres') });
      expect(r.targets.map((t) => t.target).sort()).toEqual([`postgresql://testadmin:***@127.0.0.1:${fresh.port}/app`, `postgresql://testadmin:***@127.0.0.1:${fresh.port}/crm`, `postgresql://testadmin:***@127.0.0.1:${fresh.port}/postgres`]);
      // Roles with their attributes, memberships, settings and comments.
      expect(fresh.psql('postgres', `SELECT string_agg(rolname || ':' || rolcanlogin || ':' || rolcreatedb || ':' || rolconnlimit, ',' ORDER BY rolname) FROM pg_roles WHERE rolname IN ('alice', 'bob', 'readers')`).trim()).toBe('alice:true:false:7,bob:false:true:-1,readers:false:false:-1');
      expect(fresh.psql('postgres', `SELECT pg_has_role('alice', 'readers', 'MEMBER')`).trim()).toBe('t');
      expect(fresh.psql('postgres', `SELECT array_to_string(setconfig, ';') FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE rolname = 'alice'`).trim()).toBe('search_path=app_schema, public');
      expect(fresh.psql('postgres', `SELECT shobj_description('bob'::regrole, 'pg_authid')`).trim()).toBe('owner of crm');
      // Database and table owners, grants, rows.
      expect(fresh.psql('postgres', `SELECT string_agg(datname || ':' || pg_get_userbyid(datdba), ',' ORDER BY datname) FROM pg_database WHERE datname IN ('app', 'crm')`).trim()).toBe('app:alice,crm:bob');
      expect(fresh.psql('app', `SELECT pg_get_userbyid(relowner) || ':' || has_table_privilege('readers', 'items', 'SELECT') || ':' || (SELECT count(*) FROM items) FROM pg_class WHERE relname = 'items'`).trim()).toBe('alice:true:250');
      expect(fresh.psql('crm', `SELECT pg_get_userbyid(relowner) || ':' || has_table_privilege('alice', 'customers', 'INSERT') || ':' || (SELECT count(*) FROM customers) FROM pg_class WHERE relname = 'customers'`).trim()).toBe('bob:true:40');
      // The password hash came along: alice logs in to the new server with her old password.
      const pg = (await import('pg')).default;
      const alice = new pg.Client({ connectionString: `postgres://alice:alice-pw@127.0.0.1:${fresh.port}/app` });
      await alice.connect();
      expect((await alice.query<{ n: string }>('SELECT count(*) AS n FROM items')).rows[0]?.n).toBe('250');
      await alice.end();
      // Nothing staged is left behind.
      expect(fresh.psql('postgres', `SELECT count(*) FROM pg_database WHERE datname LIKE '%\\_lb\\_%'`).trim()).toBe('0');
    } finally {
      fresh.stop();
    }
  });

  it('backs up a chosen list of databases only, and refuses a listed database the server lacks', async () => {
    const { engine, out } = await testEngine();
    const b = await engine.backup(request(out, [{ kind: 'postgres', name: 'two', url: a.url('postgres'), databases: ['crm'] }]));
    const m = await engine.manifestOf(await engine.resolve(b.id));
    expect(m.sources.map((s) => s.name)).toEqual(['two.crm']);
    expect(m.totals.rows).toBe(40);
    await expect(engine.backup(request(out, [{ kind: 'postgres', name: 'bad', url: a.url('postgres'), databases: ['crm', 'nope'] }]))).rejects.toMatchObject({ code: 'PG_DATABASE_MISSING' });
  });

  it('rolls a failed whole-server restore back: the roles and databases it created are dropped again', async () => {
    const { engine, out } = await testEngine();
    const b = await engine.backup(request(out, [{ kind: 'postgres', name: 'srv', url: a.url('postgres'), databases: ['app', 'crm'] }]));
    const fresh = await startPgCluster();
    try {
      await expect(
        engine.restore(await engine.resolve(b.id), { toPostgresServer: fresh.url('postgres') }, { afterStep: (s) => { if (s === 'swapped') throw new Error('injected failure after the swap'); } }),
      ).rejects.toThrow(/injected failure/);
      expect(fresh.psql('postgres', `SELECT count(*) FROM pg_roles WHERE rolname IN ('alice', 'bob', 'readers')`).trim()).toBe('0');
      expect(fresh.psql('postgres', `SELECT count(*) FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1')`).trim()).toBe('0');
    } finally {
      fresh.stop();
    }
  });
});
