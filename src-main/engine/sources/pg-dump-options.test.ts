import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, testEngine } from '../../../test-support/engine.js';
import { PG_BIN, pgUnavailableReason, startPgCluster, type PgCluster } from '../../../test-support/pg-cluster.js';

const reason = pgUnavailableReason();

describe.skipIf(reason !== null)(`pgAdmin-style PostgreSQL dump and restore options against a real server${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let pg: PgCluster;
  beforeAll(async () => {
    pg = await startPgCluster();
    process.env.LIFEBOAT_PG_DUMP = join(PG_BIN, 'pg_dump');
    process.env.LIFEBOAT_PG_RESTORE = join(PG_BIN, 'pg_restore');
    pg.psql('postgres', 'CREATE ROLE alice NOLOGIN');
    pg.psql('postgres', 'CREATE DATABASE shop');
    pg.psql('shop', `CREATE SCHEMA audit; CREATE TABLE audit.log (id int); INSERT INTO audit.log SELECT generate_series(1, 5);
      CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 10); ALTER TABLE items OWNER TO alice;
      CREATE TABLE big_events (id int); INSERT INTO big_events SELECT generate_series(1, 100);`);
  });
  afterAll(() => {
    delete process.env.LIFEBOAT_PG_DUMP;
    delete process.env.LIFEBOAT_PG_RESTORE;
    pg?.stop();
  });

  it('dumps without the excluded schema and table data, records the options, and counts only the rows the dump holds', async () => {
    const { engine, out } = await testEngine();
    const dump = { excludeSchemas: ['audit'], excludeTableData: ['big*'] };
    const b = await engine.backup(request(out, [{ kind: 'postgres', name: 'shop', url: pg.url('shop'), dump }]));
    const src = (await engine.manifestOf(await engine.resolve(b.id))).sources[0];
    expect(src).toMatchObject({ kind: 'postgres', dumpOptions: dump, tables: [{ name: 'public.items', rows: 10 }], totalRows: 10 });
    await engine.restore(await engine.resolve(b.id), { toPostgres: pg.url('shop_copy') });
    expect(pg.psql('shop_copy', `SELECT (SELECT count(*) FROM items) || ':' || (SELECT count(*) FROM big_events) || ':' || (SELECT count(*) FROM pg_namespace WHERE nspname = 'audit')`).trim()).toBe('10:0:0');
  });

  it('refuses a pattern that pg_dump would read as an option, before anything runs', async () => {
    const { engine, out } = await testEngine();
    await expect(engine.backup(request(out, [{ kind: 'postgres', name: 'shop', url: pg.url('shop'), dump: { tables: ['--file=/tmp/owned'] } }]))).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('restores with --no-owner and parallel jobs (the restoring user owns the tables), and pre-data alone (tables, no rows)', async () => {
    const { engine, out } = await testEngine();
    const b = await engine.backup(request(out, [{ kind: 'postgres', name: 'shop', url: pg.url('shop') }]));
    await engine.restore(await engine.resolve(b.id), { toPostgres: pg.url('shop_noowner'), pg: { noOwner: true, jobs: 2 } });
    expect(pg.psql('shop_noowner', `SELECT pg_get_userbyid(relowner) || ':' || (SELECT count(*) FROM items) FROM pg_class WHERE relname = 'items'`).trim()).toBe('testadmin:10');
    await engine.restore(await engine.resolve(b.id), { toPostgres: pg.url('shop_schema'), pg: { sections: ['pre-data'] } });
    expect(pg.psql('shop_schema', `SELECT (SELECT count(*) FROM items) || ':' || (SELECT count(*) FROM audit.log) || ':' || pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'items'`).trim()).toBe('0:0:alice');
  });

  it('"into a new database" refuses a target database that exists, and changes nothing', async () => {
    const { engine, out } = await testEngine();
    const b = await engine.backup(request(out, [{ kind: 'postgres', name: 'shop', url: pg.url('shop') }]));
    await expect(engine.restore(await engine.resolve(b.id), { toPostgres: pg.url('shop'), pg: { mode: 'new' } })).rejects.toMatchObject({ code: 'PRECHECK_FAILED', message: expect.stringMatching(/exists .*new database only/) });
    expect(pg.psql('shop', 'SELECT count(*) FROM items').trim()).toBe('10');
  });
});
