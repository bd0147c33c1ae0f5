import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, testEngine } from '../../../test-support/engine.js';
import { writeFakeBackup } from '../../../test-support/fake-archive.js';
import { PG_BIN, pgUnavailableReason, startPgCluster, type PgCluster } from '../../../test-support/pg-cluster.js';
import { tempDir } from '../../../test-support/temp-dir.js';

const reason = pgUnavailableReason();

describe.skipIf(reason !== null)(`restore PostgreSQL against a real server${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let pg: PgCluster;
  const digest = `SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY id)), '') FROM items t`;
  beforeAll(async () => {
    pg = await startPgCluster();
    process.env.LIFEBOAT_PG_DUMP = join(PG_BIN, 'pg_dump');
    process.env.LIFEBOAT_PG_RESTORE = join(PG_BIN, 'pg_restore');
  });
  afterAll(() => {
    delete process.env.LIFEBOAT_PG_DUMP;
    delete process.env.LIFEBOAT_PG_RESTORE;
    pg?.stop();
  });

  async function seeded(db: string) {
    pg.psql('postgres', `CREATE DATABASE ${db}`);
    pg.psql(db, `CREATE TABLE items (id int PRIMARY KEY, label text, blob bytea, doc json); INSERT INTO items SELECT i, 'é' || i, decode(md5(i::text), 'hex'), json_build_object('i', i) FROM generate_series(1, 800) i;`);
    const { engine, out } = await testEngine();
    const b = await engine.backup(request(out, [{ kind: 'postgres', url: pg.url(db), name: db }]));
    return { engine, b, original: pg.psql(db, digest) };
  }

  it('restores into the original database (new database, checked, renamed into place) with every row back', async () => {
    const { engine, b, original } = await seeded('shop');
    pg.psql('shop', 'DELETE FROM items WHERE id > 5; UPDATE items SET label = NULL');
    const r = await engine.restore(await engine.resolve(b.id), { toPostgres: pg.url('shop') });
    expect(pg.psql('shop', digest)).toBe(original);
    const dbs = pg.psql('postgres', `SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database WHERE datname LIKE 'shop%'`).trim();
    expect(dbs).toBe('shop');
    const safety = engine.env.catalog.backups.get(r.safetyBackupId ?? '');
    expect(safety?.summary?.sources[0]).toMatchObject({ kind: 'postgres', rows: 5 });
  });

  it('restores into another, new database (--to-postgres) and leaves the original alone', async () => {
    const { engine, b, original } = await seeded('crm');
    pg.psql('crm', 'DELETE FROM items WHERE id > 1');
    await engine.restore(await engine.resolve(b.id), { toPostgres: pg.url('crm_copy') });
    expect(pg.psql('crm_copy', digest)).toBe(original);
    expect(pg.psql('crm', 'SELECT count(*) FROM items').trim()).toBe('1');
  });

  it('rolls back when the restored database cannot be swapped in (a client holds the target open)', async () => {
    const { engine, b } = await seeded('busy');
    pg.psql('busy', 'DELETE FROM items WHERE id > 3');
    const pgLib = (await import('pg')).default;
    const holder = new pgLib.Client({ connectionString: pg.url('busy') });
    await holder.connect();
    try {
      await expect(engine.restore(await engine.resolve(b.id), { toPostgres: pg.url('busy') })).rejects.toMatchObject({
        code: 'RESTORE_FAILED',
        message: expect.stringContaining('Close the applications connected to it'),
      });
    } finally {
      await holder.end();
    }
    expect(pg.psql('busy', 'SELECT count(*) FROM items').trim()).toBe('3');
    const leftovers = pg.psql('postgres', `SELECT count(*) FROM pg_database WHERE datname LIKE 'busy_lb_%'`).trim();
    expect(leftovers).toBe('0');
  });

  /** Owner, grants, settings, comment and ACL of a database and of its objects, as one comparable text. */
  function properties(db: string): string {
    return pg.psql(
      db,
      `SELECT concat_ws(' | ',
         (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()),
         (SELECT array_to_string(array(SELECT unnest(datacl)::text ORDER BY 1), ',') FROM pg_database WHERE datname = current_database()),
         (SELECT string_agg(coalesce(r.rolname, '*') || '=' || array_to_string(s.setconfig, ','), ';' ORDER BY coalesce(r.rolname, '*'))
            FROM pg_db_role_setting s LEFT JOIN pg_roles r ON r.oid = s.setrole JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = current_database()),
         (SELECT description FROM pg_shdescription sd JOIN pg_database d ON d.oid = sd.objoid WHERE d.datname = current_database()),
         (SELECT pg_get_userbyid(relowner) || ' ' || array_to_string(relacl, ',') FROM pg_class WHERE oid = 'public.items'::regclass))`,
    ).trim();
  }

  async function withRoles(db: string, owner: string, reader: string) {
    pg.psql('postgres', `CREATE ROLE ${owner} LOGIN; CREATE ROLE ${reader} NOLOGIN`);
    pg.psql('postgres', `CREATE DATABASE ${db} OWNER ${owner}`);
    pg.psql(
      db,
      `ALTER DATABASE ${db} SET work_mem = '7MB'; ALTER ROLE ${reader} IN DATABASE ${db} SET search_path = app, public;
       COMMENT ON DATABASE ${db} IS 'ledger; do not drop
(second line)'; REVOKE ALL ON DATABASE ${db} FROM PUBLIC; GRANT CONNECT ON DATABASE ${db} TO ${reader};
       CREATE TABLE items (id int PRIMARY KEY, label text); INSERT INTO items SELECT i, 'x' || i FROM generate_series(1, 50) i;
       ALTER TABLE items OWNER TO ${owner}; GRANT SELECT ON items TO ${reader}`,
    );
    const { engine, out } = await testEngine();
    const b = await engine.backup(request(out, [{ kind: 'postgres', url: pg.url(db), name: db }]));
    return { engine, b, before: properties(db) };
  }

  it('keeps owners, grants, database settings, comment and ACL, in place and into a new name', async () => {
    const { engine, b, before } = await withRoles('ledger', 'ledger_owner', 'ledger_reader');
    expect(before).toMatch(/^ledger_owner \| .*ledger_reader=c\/ledger_owner.* \| \*=work_mem=7MB;ledger_reader=search_path=app, public \| ledger; do not drop\n\(second line\) \| ledger_owner .*ledger_reader=r\/ledger_owner/);
    pg.psql('ledger', 'DELETE FROM items');
    const inPlace = await engine.restore(await engine.resolve(b.id), { toPostgres: pg.url('ledger') });
    expect(properties('ledger')).toBe(before);
    expect(pg.psql('ledger', 'SELECT count(*) FROM items').trim()).toBe('50');
    expect(inPlace.warnings).toEqual([]);
    const copy = await engine.restore(await engine.resolve(b.id), { toPostgres: pg.url('ledger_copy') });
    expect(properties('ledger_copy')).toBe(before);
    expect(copy.warnings).toEqual([]);
  });

  it('restoring to a server without the roles warns which role is missing and what holds instead', async () => {
    const { engine, b } = await withRoles('vault', 'vault_owner', 'vault_reader');
    const other = await startPgCluster();
    try {
      const r = await engine.restore(await engine.resolve(b.id), { toPostgres: other.url('vault') });
      expect(other.psql('vault', 'SELECT count(*) FROM items').trim()).toBe('50');
      const text = r.warnings.join('\n');
      expect(text).toMatch(/role "vault_owner" does not exist.*owned by the restoring user "testadmin" instead/);
      expect(text).toContain(`database "vault": role "vault_owner"`);
      expect(text).toMatch(/role "vault_reader" does not exist.*GRANT SELECT ON TABLE public\.items TO vault_reader" was skipped/);
      // What does not name a missing role is still applied: the comment, the setting, PUBLIC's revoke.
      expect(other.psql('vault', `SELECT description FROM pg_shdescription sd JOIN pg_database d ON d.oid = sd.objoid WHERE d.datname = 'vault'`)).toContain('ledger; do not drop');
      expect(other.psql('vault', `SELECT datacl::text FROM pg_database WHERE datname = 'vault'`).trim()).not.toContain('=Tc/');
      expect(other.psql('vault', 'SHOW work_mem').trim()).toBe('7MB');
    } finally {
      other.stop();
    }
  });

  it('refuses a PostgreSQL entry that is plain SQL instead of a custom-format dump, and never runs it', async () => {
    pg.psql('postgres', 'CREATE DATABASE victim');
    pg.psql('victim', 'CREATE TABLE users (id int); INSERT INTO users VALUES (1)');
    const { engine } = await testEngine();
    const dir = await tempDir();
    const sql = Buffer.from('DROP TABLE users;\n-- PostgreSQL database dump complete\n');
    const archive = join(dir, 'sql.zip');
    await writeFakeBackup(archive, [{ name: 'files/docs/a.txt', data: 'a' }, { name: 'databases/victim.pgdump', data: sql, unlisted: true }], (m) => {
      (m.sources as unknown[]).push({ kind: 'postgres', name: 'victim', url: pg.url('victim'), database: 'victim', entry: 'databases/victim.pgdump', serverVersion: '15.18', pgDumpVersion: '15.18', databaseBytes: 1, tables: [], totalRows: 0 });
      (m.entries as unknown[]).push({ path: 'databases/victim.pgdump', kind: 'file', source: 'victim', size: sql.length, sha256: createHash('sha256').update(sql).digest('hex'), mode: 384, mtime: '2026-11-01T00:00:00.000Z' });
      const totals = m.totals as { files: number; bytes: number };
      totals.files += 1;
      totals.bytes += sql.length;
    });
    await expect(engine.restore(await engine.resolve(archive), { only: ['victim'], toPostgres: pg.url('victim'), confirmSmaller: true })).rejects.toMatchObject({
      code: 'ARCHIVE_HOSTILE',
      message: expect.stringContaining('not a pg_dump custom-format archive'),
    });
    expect(pg.psql('victim', 'SELECT count(*) FROM users').trim()).toBe('1');
  });
});
