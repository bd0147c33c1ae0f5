import { chmod, chown, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifeboat, type CliRun } from '../../../test-support/cli.js';
import { PG_BIN, osUserForPeer, pgUnavailableReason, startPgCluster, type PgCluster } from '../../../test-support/pg-cluster.js';
import { tempDir } from '../../../test-support/temp-dir.js';

const reason = pgUnavailableReason();
const digest = `SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY id)) FROM items t`;

/** The CLI's environment: tools pinned, and no password or connection inherited from the test run. */
function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LIFEBOAT_PG_DUMP: join(PG_BIN, 'pg_dump'), LIFEBOAT_PG_RESTORE: join(PG_BIN, 'pg_restore'), ...extra };
  for (const k of ['PGPASSWORD', 'PGPASSFILE', 'PGHOST', 'PGPORT', 'PGUSER', 'PGDATABASE', 'PGSERVICE', 'PGSERVICEFILE']) if (!(k in extra)) delete env[k];
  return env;
}

describe.skipIf(reason !== null)(`backup and restore through every way libpq connects${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let pg: PgCluster;
  beforeAll(async () => {
    pg = await startPgCluster();
  });
  afterAll(() => pg?.stop());

  function seed(db: string): string {
    pg.psql('postgres', `CREATE DATABASE ${db}`);
    pg.psql(db, `CREATE TABLE items (id int PRIMARY KEY, label text, doc jsonb); INSERT INTO items SELECT i, 'é ' || i, jsonb_build_object('i', i) FROM generate_series(1, 400) i;`);
    return pg.psql(db, digest);
  }

  /** Back up `from` and restore into `to` with the CLI; both strings are given as the user would type them. */
  async function roundTrip(home: string, from: string, to: string, env: NodeJS.ProcessEnv, as?: { uid: number; gid: number }): Promise<{ backup: CliRun; restore: CliRun }> {
    const backup = await lifeboat(['--home', home, 'backup', '--postgres', from, '--json'], { env, ...(as ?? {}) });
    expect(backup.code, backup.stderr + backup.stdout).toBe(0);
    const id = backup.json<{ id: string }>().id;
    const restore = await lifeboat(['--home', home, 'restore', id, '--to-postgres', to, '--yes', '--json'], { env, ...(as ?? {}) });
    expect(restore.code, restore.stderr + restore.stdout).toBe(0);
    return { backup, restore };
  }

  const peer = osUserForPeer();
  it.skipIf(peer === null)('peer authentication over the local socket: the CLI run as an OS user whose name is a role needs no password', async () => {
    const u = peer ?? { name: '', uid: 0, gid: 0 };
    pg.localRole(u.name, 'peer');
    const original = seed('peerdb');
    const root = await tempDir();
    await chmod(root, 0o755);
    const home = join(root, 'home');
    await mkdir(home);
    await chown(home, u.uid, u.gid);
    const env = cliEnv({ HOME: home });
    const from = `postgresql:///peerdb?host=${encodeURIComponent(pg.socketDir)}&port=${pg.port}`;
    await roundTrip(home, from, `postgresql:///peerdb_copy?host=${pg.socketDir}&port=${pg.port}`, env, u);
    expect(pg.psql('peerdb_copy', digest)).toBe(original);
    // The same string from another OS user is refused by the server: peer really was the check.
    const other = await lifeboat(['--home', home, 'backup', '--postgres', from, '--json'], { env });
    expect(other.code).toBe(1);
    expect(other.json<{ error: { code: string } }>().error.code).toBe('PG_AUTH_FAILED');
  }, 120_000);

  it('a password from ~/.pgpass (PGPASSFILE), none in the URL or the environment', async () => {
    const original = seed('passdb');
    const home = await tempDir();
    const passfile = join(home, 'pgpass');
    await writeFile(passfile, `127.0.0.1:${pg.port}:*:${pg.user}:${pg.password.replace(/[:\\]/g, '\\$&')}\n`, { mode: 0o600 });
    const env = cliEnv({ PGPASSFILE: passfile });
    await roundTrip(home, `postgres://${pg.user}@127.0.0.1:${pg.port}/passdb`, `postgresql://${pg.user}@127.0.0.1:${pg.port}/passdb_copy`, env);
    expect(pg.psql('passdb_copy', digest)).toBe(original);
  }, 120_000);

  it('a missing password is PG_AUTH_FAILED naming every place Lifeboat looked', async () => {
    seed('nopassdb');
    const home = await tempDir();
    const env = cliEnv({ PGPASSFILE: join(home, 'absent-pgpass') });
    const r = await lifeboat(['--home', home, 'backup', '--postgres', `host=127.0.0.1 port=${pg.port} user=${pg.user} dbname=nopassdb`, '--json'], { env });
    expect(r.code).toBe(1);
    const err = r.json<{ error: { code: string; message: string } }>().error;
    expect(err.code).toBe('PG_AUTH_FAILED');
    expect(err.message).toContain('PGPASSWORD');
    expect(err.message).toContain(join(home, 'absent-pgpass'));
  }, 60_000);

  it('a pg_service.conf service (PGSERVICEFILE) for the backup and, with another dbname, for the restore', async () => {
    const original = seed('svcdb');
    const home = await tempDir();
    const services = join(home, 'pg_service.conf');
    await writeFile(services, `[lifeboat-test]\nhost=127.0.0.1\nport=${pg.port}\nuser=${pg.user}\ndbname=svcdb\n`);
    const passfile = join(home, 'pgpass');
    await writeFile(passfile, `*:*:*:${pg.user}:${pg.password}\n`, { mode: 0o600 });
    const env = cliEnv({ PGSERVICEFILE: services, PGPASSFILE: passfile });
    const { backup } = await roundTrip(home, 'service=lifeboat-test', 'service=lifeboat-test dbname=svcdb_copy', env);
    expect(pg.psql('svcdb_copy', digest)).toBe(original);
    expect(backup.stdout).not.toContain(pg.password);
  }, 120_000);

  it('a key=value conninfo string over the socket (trust), restored in place', async () => {
    const original = seed('kvdb');
    const home = await tempDir();
    const env = cliEnv({});
    const conn = `host=${pg.socketDir} port=${pg.port} user=${pg.user} dbname=kvdb`;
    const backup = await lifeboat(['--home', home, 'backup', '--postgres', conn, '--json'], { env });
    expect(backup.code, backup.stderr + backup.stdout).toBe(0);
    pg.psql('kvdb', 'DELETE FROM items WHERE id > 3');
    const restore = await lifeboat(['--home', home, 'restore', backup.json<{ id: string }>().id, '--to-postgres', conn, '--yes', '--json'], { env });
    expect(restore.code, restore.stderr + restore.stdout).toBe(0);
    expect(pg.psql('kvdb', digest)).toBe(original);
  }, 120_000);

  it('several hosts: the first that answers is used, by the row counts and pg_dump alike', async () => {
    const original = seed('multidb');
    const home = await tempDir();
    const env = cliEnv({ PGPASSWORD: pg.password });
    // Port 1 refuses at once; libpq and Lifeboat both go on to the next host.
    await roundTrip(home, `postgresql://${pg.user}@127.0.0.1:1,127.0.0.1:${pg.port}/multidb`, `postgresql://${pg.user}@127.0.0.1:1,127.0.0.1:${pg.port}/multidb_copy`, env);
    expect(pg.psql('multidb_copy', digest)).toBe(original);
  }, 120_000);

  it('a password inside a key=value string reaches no catalog, journal, manifest, output or argv', async () => {
    const original = seed('kvsecret');
    const home = await tempDir();
    const env = cliEnv({});
    const conn = (db: string): string => `host=127.0.0.1 port=${pg.port} user=${pg.user} password='${pg.password.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}' dbname=${db}`;
    const { backup, restore } = await roundTrip(home, conn('kvsecret'), conn('kvsecret_copy'), env);
    expect(pg.psql('kvsecret_copy', digest)).toBe(original);
    const inPlace = await lifeboat(['--home', home, 'restore', backup.json<{ id: string }>().id, '--to-postgres', conn('kvsecret'), '--yes', '--json'], { env });
    expect(inPlace.code, inPlace.stdout + inPlace.stderr).toBe(0);
    const places: { path: string; data: Buffer }[] = [{ path: 'output', data: Buffer.from(backup.stdout + backup.stderr + restore.stdout + restore.stderr + inPlace.stdout + inPlace.stderr) }];
    for (const name of await readdir(home, { recursive: true })) {
      const path = join(home, name);
      if ((await stat(path)).isFile()) places.push({ path, data: await readFile(path) });
    }
    expect(places.length).toBeGreaterThan(3);
    for (const p of places) expect(p.data.includes(Buffer.from(pg.password)), `password in ${p.path}`).toBe(false);
  }, 120_000);

  it('a client certificate (sslmode=verify-ca, sslcert, sslkey, sslrootcert in the URI) for the row counts and the tools alike', async () => {
    const files = pg.certificateRole('certuser');
    const original = seed('certdb');
    const home = await tempDir();
    const env = cliEnv({ HOME: home });
    const uri = (db: string): string =>
      `postgresql://certuser@127.0.0.1:${pg.port}/${db}?sslmode=verify-ca&sslrootcert=${encodeURIComponent(files.ca)}&sslcert=${encodeURIComponent(files.cert)}&sslkey=${encodeURIComponent(files.key)}`;
    await roundTrip(home, uri('certdb'), uri('certdb_copy'), env);
    expect(pg.psql('certdb_copy', digest)).toBe(original);
    // Without the certificate the same user is refused: the certificate was the credential.
    const refused = await lifeboat(['--home', home, 'backup', '--postgres', `postgresql://certuser@127.0.0.1:${pg.port}/certdb?sslmode=require`, '--json'], { env });
    expect(refused.code).toBe(1);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe('PG_AUTH_FAILED');
  }, 120_000);
});
