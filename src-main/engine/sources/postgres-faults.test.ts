import { createHash } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifeboat } from '../../../test-support/cli.js';
import { request, testEngine } from '../../../test-support/engine.js';
import { writeFakeBackup } from '../../../test-support/fake-archive.js';
import { PG_BIN, pgUnavailableReason, startPgCluster, type PgCluster } from '../../../test-support/pg-cluster.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { pgRestoreInto } from '../restore/pg-restore.js';
import { pgPassLookup } from './pg-pass.js';
import { resolvePgTool } from './pg-tools.js';
import { dumpPostgres } from './postgres-source.js';

const reason = pgUnavailableReason();
const ctx = { allowEmpty: false, pgDumpPath: join(PG_BIN, 'pg_dump') };

/** A TCP listener that records every connection it gets; some tests want it silent (a hung server). */
async function listener(): Promise<{ port: number; connections: () => number; server: Server }> {
  let n = 0;
  const server = createServer((s) => {
    n += 1;
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { port: typeof addr === 'object' && addr ? addr.port : 0, connections: () => n, server };
}

/** Run `fn` with environment variables set, restoring them afterwards. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('.pgpass lookup (libpq rules)', () => {
  it('takes the first matching line, honours * and escapes, and ignores a file others can read', async () => {
    const dir = await tempDir();
    const file = join(dir, 'pgpass');
    await writeFile(file, '# comment\nother:5432:*:*:no\n127.0.0.1:*:app:bob:p\\:w\\\\1\n*:*:*:*:fallback\n', { mode: 0o600 });
    const env = { PGPASSFILE: file };
    expect(await pgPassLookup({ host: '127.0.0.1', port: 5433, database: 'app', user: 'bob' }, env)).toBe('p:w\\1');
    expect(await pgPassLookup({ host: 'db', port: 1, database: 'x', user: 'y' }, env)).toBe('fallback');
    await chmod(file, 0o644);
    expect(await pgPassLookup({ host: 'db', port: 1, database: 'x', user: 'y' }, env)).toBeUndefined();
  });
});

describe.skipIf(reason !== null)(`PostgreSQL faults against a real server${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let pg: PgCluster;
  const noPw = (db: string): string => `postgres://${pg.user}@127.0.0.1:${pg.port}/${db}`;
  beforeAll(async () => {
    pg = await startPgCluster();
    pg.psql('postgres', 'CREATE DATABASE app');
    pg.psql('app', 'CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT i, repeat(md5(i::text), 20) FROM generate_series(1, 20000) i');
  });
  afterAll(() => pg?.stop());

  it('a pg_dump that truncates its dump and exits 0 fails the backup, naming the dump; nothing is COMPLETED', async () => {
    const dir = await tempDir();
    const liar = join(dir, 'pg_dump');
    // Runs the real pg_dump, then cuts its output file in half and still exits 0.
    await writeFile(
      liar,
      `#!/bin/sh\n${join(PG_BIN, 'pg_dump')} "$@" || exit $?\nfor a in "$@"; do case "$a" in --file=*) f="\${a#--file=}";; esac; done\n[ -n "$f" ] && truncate -s $(( $(stat -c %s "$f") / 2 )) "$f"\nexit 0\n`,
    );
    await chmod(liar, 0o755);
    await expect(dumpPostgres('app', pg.url('app'), join(dir, 'app.pgdump'), { ...ctx, pgDumpPath: liar })).rejects.toMatchObject({
      code: 'PG_DUMP_FAILED',
      message: expect.stringMatching(/app\.pgdump.*not whole/),
    });
    const { engine, out } = await testEngine();
    await expect(engine.backup(request(out, [{ kind: 'postgres', url: pg.url('app'), name: 'app' }], { pgDumpPath: liar }))).rejects.toMatchObject({ code: 'PG_DUMP_FAILED' });
    expect(engine.history({}).rows.filter((r) => r.status === 'COMPLETED')).toEqual([]);
  });

  it('the restore pre-flight refuses a truncated dump with the same whole-dump read', async () => {
    const dir = await tempDir();
    const whole = join(dir, 'whole.pgdump');
    await dumpPostgres('app', pg.url('app'), whole, ctx);
    const full = await readFile(whole);
    const cut = full.subarray(0, Math.floor(full.length * 0.6));
    const archive = join(dir, 'cut.zip');
    await writeFakeBackup(archive, [{ name: 'files/docs/a.txt', data: 'a' }, { name: 'databases/app.pgdump', data: cut, unlisted: true }], (m) => {
      (m.sources as unknown[]).push({ kind: 'postgres', name: 'app', url: noPw('app'), database: 'app', entry: 'databases/app.pgdump', serverVersion: '15.18', pgDumpVersion: '15.18', databaseBytes: 1, tables: [{ name: 'public.t', rows: 20000 }], totalRows: 20000 });
      (m.entries as unknown[]).push({ path: 'databases/app.pgdump', kind: 'file', source: 'app', size: cut.length, sha256: createHash('sha256').update(cut).digest('hex'), mode: 384, mtime: '2026-11-01T00:00:00.000Z' });
      const totals = m.totals as { files: number; bytes: number };
      totals.files += 1;
      totals.bytes += cut.length;
    });
    const { engine } = await testEngine();
    await withEnv({ LIFEBOAT_PG_RESTORE: join(PG_BIN, 'pg_restore') }, async () => {
      await expect(engine.restore(await engine.resolve(archive), { only: ['app'], toPostgres: pg.url('app_copy') })).rejects.toMatchObject({
        code: 'ARCHIVE_INCOMPLETE',
        message: expect.stringContaining('databases/app.pgdump'),
      });
    });
    expect(pg.psql('postgres', `SELECT count(*) FROM pg_database WHERE datname LIKE 'app_copy%'`).trim()).toBe('0');
  });

  it('a database name holding libpq parameters never reaches another server (pg_dump, pg_restore, the pg client)', async () => {
    const evil = await listener();
    try {
      const name = encodeURIComponent(`host=127.0.0.1 port=${evil.port} dbname=x`);
      const url = `postgres://${pg.user}:${encodeURIComponent(pg.password)}@127.0.0.1:${pg.port}/${name}`;
      const dir = await tempDir();
      await expect(dumpPostgres('x', url, join(dir, 'x.pgdump'), ctx)).rejects.toMatchObject({ code: 'PG_DATABASE_MISSING' });
      // pg_dump itself, reached once the database exists: it must dump that database, not the listener's.
      pg.psql('postgres', `CREATE DATABASE "host=127.0.0.1 port=${evil.port} dbname=x"`);
      pg.psql(`host=127.0.0.1 port=${evil.port} dbname=x`, 'CREATE TABLE z (i int); INSERT INTO z VALUES (1)');
      const rec = await dumpPostgres('x', url, join(dir, 'x.pgdump'), ctx);
      expect(rec.totalRows).toBe(1);
      const tool = await resolvePgTool('pg_restore', join(PG_BIN, 'pg_restore'));
      pg.psql('postgres', `CREATE DATABASE "port=${evil.port} host=127.0.0.1"`);
      await pgRestoreInto(tool, `postgres://${pg.user}:${encodeURIComponent(pg.password)}@127.0.0.1:${pg.port}/${encodeURIComponent(`port=${evil.port} host=127.0.0.1`)}`, join(dir, 'x.pgdump'));
      expect(pg.psql(`port=${evil.port} host=127.0.0.1`, 'SELECT count(*) FROM z').trim()).toBe('1');
      expect(evil.connections()).toBe(0);
    } finally {
      evil.server.close();
    }
  });

  it('no password anywhere is PG_AUTH_FAILED naming where passwords are looked for; a PGPASSFILE entry works', async () => {
    const dir = await tempDir();
    const passfile = join(dir, 'pgpass');
    await withEnv({ PGPASSWORD: undefined, PGPASSFILE: passfile }, async () => {
      await expect(dumpPostgres('app', noPw('app'), join(dir, 'a.pgdump'), ctx)).rejects.toMatchObject({
        code: 'PG_AUTH_FAILED',
        message: expect.stringMatching(/URL.*PGPASSWORD.*pgpass/s),
      });
      await writeFile(passfile, `127.0.0.1:${pg.port}:*:${pg.user}:${pg.password}\n`, { mode: 0o600 });
      await expect(dumpPostgres('app', noPw('app'), join(dir, 'b.pgdump'), ctx)).resolves.toMatchObject({ totalRows: 20000 });
    });
  });

  it('trust authentication needs no password at all (row counts and pg_dump alike)', async () => {
    pg.trustedSuperuser('trusted_admin');
    const dir = await tempDir();
    await withEnv({ PGPASSWORD: undefined, PGPASSFILE: join(dir, 'none') }, async () => {
      await expect(dumpPostgres('app', `postgres://trusted_admin@127.0.0.1:${pg.port}/app`, join(dir, 'a.pgdump'), ctx)).resolves.toMatchObject({ totalRows: 20000 });
    });
  });

  it('the CLI with no password exits with PG_AUTH_FAILED instead of hanging on an open connection', async () => {
    const home = await tempDir('lifeboat-home-');
    const env: NodeJS.ProcessEnv = { ...process.env, PGPASSFILE: join(home, 'none'), LIFEBOAT_PG_DUMP: join(PG_BIN, 'pg_dump') };
    delete env.PGPASSWORD;
    // A hang (the old open socket) is killed after 20 s and shows as a null exit code.
    const run = await lifeboat(['--home', home, 'backup', '--postgres', noPw('app'), '--out', join(home, 'out')], { env, timeout: 20_000 });
    expect(run.stderr).toContain('[PG_AUTH_FAILED]');
    expect(run.stderr).toContain('PGPASSFILE');
    expect(run.code).toBe(1);
  });

  it('a pg_dump that never finishes is stopped at its time limit with PG_TIMEOUT', async () => {
    const dir = await tempDir();
    const stuck = join(dir, 'pg_dump');
    // Answers --version like the real one, then hangs (a stuck server or lock looks the same from here);
    // its `sleep` child outlives the kill and holds stderr open, as a real wrapper script would.
    await writeFile(stuck, `#!/bin/sh\n[ "$1" = "--version" ] && exec ${join(PG_BIN, 'pg_dump')} --version\nsleep 30\n`);
    await chmod(stuck, 0o755);
    await withEnv({ LIFEBOAT_PG_TOOL_TIMEOUT: '2' }, async () => {
      await expect(dumpPostgres('app', pg.url('app'), join(dir, 'x.pgdump'), { ...ctx, pgDumpPath: stuck })).rejects.toMatchObject({
        code: 'PG_TIMEOUT',
        message: expect.stringContaining('pg_dump of database "app"'),
      });
    });
  });

  it('a server that accepts connections and never answers is PG_TIMEOUT, not a hang', async () => {
    const silent = await listener();
    try {
      const dir = await tempDir();
      await withEnv({ LIFEBOAT_PG_CONNECT_TIMEOUT: '1' }, async () => {
        await expect(dumpPostgres('app', `postgres://u:p@127.0.0.1:${silent.port}/app`, join(dir, 'x'), ctx)).rejects.toMatchObject({
          code: 'PG_TIMEOUT',
          message: expect.stringContaining(`127.0.0.1:${silent.port}`),
        });
      });
      expect(silent.connections()).toBeGreaterThan(0);
    } finally {
      silent.server.close();
    }
  });
});
