import { execFileSync } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_BIN, freePort, pgUnavailableReason, startPgCluster, type PgCluster } from '../../../test-support/pg-cluster.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { dumpPostgres, parsePgUrl, redact } from './postgres-source.js';

const reason = pgUnavailableReason();
const ctx = { allowEmpty: false, pgDumpPath: join(PG_BIN, 'pg_dump') };

describe('parsePgUrl', () => {
  it('keeps the password out of the safe URL', () => {
    const t = parsePgUrl('postgres://app:p%40ss@db.example:6543/sales?sslmode=require');
    expect(t).toMatchObject({ host: 'db.example', port: 6543, user: 'app', password: 'p@ss', database: 'sales', sslmode: 'require' });
    expect(t.safeUrl).toBe('postgres://app@db.example:6543/sales');
    expect(redact('postgres://app:p%40ss@db/x')).toBe('postgres://app:***@db/x');
  });

  it('rejects a URL without a database with a usage error', () => {
    expect(() => parsePgUrl('postgres://app@db:5432/')).toThrow(/names no database/);
  });
});

describe.skipIf(reason !== null)(`PostgreSQL sources against a real server${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let pg: PgCluster;
  beforeAll(async () => {
    pg = await startPgCluster();
    pg.psql('postgres', 'CREATE DATABASE app');
    pg.psql(
      'app',
      `CREATE TABLE customers (id serial PRIMARY KEY, name text, photo bytea, prefs jsonb, note text);
       CREATE SCHEMA billing;
       CREATE TABLE billing.invoices (id bigint PRIMARY KEY, customer int REFERENCES customers(id), amount numeric(12,2), issued timestamptz);
       INSERT INTO customers (name, photo, prefs, note)
         SELECT 'Zoë Ünïcødé ' || i || ' 日本語', decode(md5(i::text), 'hex'), jsonb_build_object('i', i, 'tags', jsonb_build_array('a', 'b')), CASE WHEN i % 3 = 0 THEN NULL ELSE 'note' END
         FROM generate_series(1, 1500) AS i;
       INSERT INTO billing.invoices SELECT i, 1 + i % 1500, i * 1.25, '2024-01-01'::timestamptz + i * interval '1 hour' FROM generate_series(1, 3000) AS i;`,
    );
  });
  afterAll(() => pg?.stop());

  it('dumps with pg_dump -Fc, records versions and exact row counts, and pg_restore brings back every row', async () => {
    const dir = await tempDir();
    const file = join(dir, 'app.pgdump');
    const record = await dumpPostgres('app', pg.url('app'), file, ctx);
    expect(record).toMatchObject({
      kind: 'postgres',
      database: 'app',
      url: `postgres://testadmin@127.0.0.1:${pg.port}/app`,
      tables: [
        { name: 'billing.invoices', rows: 3000 },
        { name: 'public.customers', rows: 1500 },
      ],
      totalRows: 4500,
    });
    expect(record.serverVersion).toMatch(/^15\./);
    expect(record.pgDumpVersion).toMatch(/^15\./);
    expect(record.databaseBytes).toBeGreaterThan(1_000_000);

    pg.psql('postgres', 'CREATE DATABASE restored');
    execFileSync(join(PG_BIN, 'pg_restore'), ['-h', '127.0.0.1', '-p', String(pg.port), '-U', pg.user, '-d', 'restored', file], {
      env: { ...process.env, PGPASSWORD: pg.password },
    });
    for (const table of ['customers', 'billing.invoices']) {
      const digest = `SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY id)) FROM ${table} t`;
      expect(pg.psql('restored', digest)).toBe(pg.psql('app', digest));
    }
    // NULLs, bytea, json and unicode survive exactly.
    expect(pg.psql('restored', `SELECT count(*) FROM customers WHERE note IS NULL`).trim()).toBe('500');
    expect(pg.psql('restored', `SELECT name || ' ' || encode(photo, 'hex') || ' ' || (prefs->'tags')::text FROM customers WHERE id = 7`).trim()).toBe(
      `Zoë Ünïcødé 7 日本語 ${execFileSync('bash', ['-c', 'printf 7 | md5sum'], { encoding: 'utf8' }).split(' ')[0]} ["a", "b"]`,
    );
  });

  it('never puts the password in pg_dump\'s argv', async () => {
    const dir = await tempDir();
    const spy = join(dir, 'pg_dump');
    await writeFile(spy, `#!/bin/sh\nprintf '%s\\n' "$@" >> ${join(dir, 'argv.log')}\nexec ${join(PG_BIN, 'pg_dump')} "$@"\n`);
    await chmod(spy, 0o755);
    await dumpPostgres('app', pg.url('app'), join(dir, 'a.pgdump'), { ...ctx, pgDumpPath: spy });
    const argv = await readFile(join(dir, 'argv.log'), 'utf8');
    expect(argv).toContain('--format=custom');
    expect(argv).not.toContain(pg.password);
    expect(argv).not.toContain(encodeURIComponent(pg.password));
  });

  it('a wrong password is PG_AUTH_FAILED', async () => {
    const dir = await tempDir();
    await expect(dumpPostgres('app', pg.url('app', 'wrong'), join(dir, 'x'), ctx)).rejects.toMatchObject({ code: 'PG_AUTH_FAILED', message: expect.stringContaining('testadmin') });
  });

  it('a missing database is PG_DATABASE_MISSING', async () => {
    const dir = await tempDir();
    await expect(dumpPostgres('nope', pg.url('nope'), join(dir, 'x'), ctx)).rejects.toMatchObject({ code: 'PG_DATABASE_MISSING', message: expect.stringContaining('"nope"') });
  });

  it('a server that is down is PG_UNREACHABLE', async () => {
    const dir = await tempDir();
    const port = await freePort();
    await expect(dumpPostgres('app', `postgres://testadmin:x@127.0.0.1:${port}/app`, join(dir, 'x'), ctx)).rejects.toMatchObject({
      code: 'PG_UNREACHABLE',
      message: expect.stringContaining(`127.0.0.1:${port}`),
    });
  });

  it('a missing pg_dump is PG_DUMP_NOT_FOUND with install instructions', async () => {
    const dir = await tempDir();
    await expect(dumpPostgres('app', pg.url('app'), join(dir, 'x'), { ...ctx, pgDumpPath: join(dir, 'no-such-pg_dump') })).rejects.toMatchObject({
      code: 'PG_DUMP_NOT_FOUND',
      message: expect.stringContaining('apt install postgresql-client'),
    });
  });

  it('a pg_dump older than the server is PG_DUMP_TOO_OLD', async () => {
    const dir = await tempDir();
    const old = join(dir, 'pg_dump');
    // A real executable that reports itself as pg_dump 9.6, the way an old client install would.
    await writeFile(old, '#!/bin/sh\necho "pg_dump (PostgreSQL) 9.6.24"\n');
    await chmod(old, 0o755);
    await expect(dumpPostgres('app', pg.url('app'), join(dir, 'x'), { ...ctx, pgDumpPath: old })).rejects.toMatchObject({
      code: 'PG_DUMP_TOO_OLD',
      message: expect.stringContaining('9.6'),
    });
  });

  it('a database without rows fails with SOURCE_EMPTY unless allowed', async () => {
    pg.psql('postgres', 'CREATE DATABASE hollow');
    pg.psql('hollow', 'CREATE TABLE t (x int)');
    const dir = await tempDir();
    await expect(dumpPostgres('hollow', pg.url('hollow'), join(dir, 'x'), ctx)).rejects.toMatchObject({ code: 'SOURCE_EMPTY' });
    await expect(dumpPostgres('hollow', pg.url('hollow'), join(dir, 'y'), { ...ctx, allowEmpty: true })).resolves.toMatchObject({ totalRows: 0 });
  });
});
