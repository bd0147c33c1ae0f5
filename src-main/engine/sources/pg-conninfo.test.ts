import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/temp-dir.js';
import { formatPgConnString, parsePgConnString, resolvePgParams } from './pg-conninfo.js';
import { parsePgUrl, pgEnv, splitPassword, withDatabase } from './postgres-source.js';

const bare = { HOME: '/nonexistent-home', USER: 'osuser' } as NodeJS.ProcessEnv;

describe('PostgreSQL connection strings, every form psql takes', () => {
  it('reads the socket directory from the query string and from a percent-encoded host', () => {
    expect(parsePgUrl('postgresql:///app?host=/var/run/postgresql', bare)).toMatchObject({ host: '/var/run/postgresql', port: 5432, database: 'app', user: userInfo().username });
    expect(parsePgUrl('postgresql://%2Ftmp%2Fpg:5433/app', bare)).toMatchObject({ host: '/tmp/pg', port: 5433, database: 'app' });
  });

  it('keeps several hosts with their own ports, in order', () => {
    const t = parsePgUrl('postgresql://u@db1:5432,db2:5433,[::1]:6000/app?target_session_attrs=read-write', bare);
    expect(t.hosts).toEqual([
      { host: 'db1', port: 5432 },
      { host: 'db2', port: 5433 },
      { host: '::1', port: 6000 },
    ]);
    expect(t.params.target_session_attrs).toBe('read-write');
  });

  it('reads key=value conninfo with quoted values and escapes', () => {
    const t = parsePgUrl(`host=/var/run/postgresql dbname='my app' user=o\\'neil password='p w\\'d' sslmode=verify-full sslcert=/c.crt sslkey=/c.key`, bare);
    expect(t).toMatchObject({ host: '/var/run/postgresql', database: 'my app', user: "o'neil", password: "p w'd", sslmode: 'verify-full' });
    expect(t.params).toMatchObject({ sslcert: '/c.crt', sslkey: '/c.key' });
    expect(t.params).not.toHaveProperty('password');
  });

  it('refuses parameters it could not hand to pg_dump, and strings that are no connection', () => {
    expect(() => parsePgConnString('postgresql://u@h/db?keepalives_idle=3')).toThrow(/keepalives_idle/);
    expect(() => parsePgConnString('mysql://u@h/db')).toThrow(/postgres:\/\//);
    expect(() => parsePgConnString('just-a-name')).toThrow(/neither a URI nor key=value/);
    expect(() => parsePgConnString("host='unclosed")).toThrow(/not closed/);
  });

  it('fills a service from PGSERVICEFILE, the string still winning, and says where it looked when missing', async () => {
    const dir = await tempDir();
    const file = join(dir, 'services.conf');
    await writeFile(file, '# comment\n[other]\nhost=elsewhere\n[prod]\nhost=db.internal\nport=6543\nuser=backup\ndbname=sales\nsslmode=require\n');
    const env = { ...bare, PGSERVICEFILE: file };
    expect(parsePgUrl('service=prod', env)).toMatchObject({ host: 'db.internal', port: 6543, user: 'backup', database: 'sales', sslmode: 'require' });
    expect(parsePgUrl('postgresql:///other_db?service=prod', env)).toMatchObject({ host: 'db.internal', database: 'other_db' });
    expect(() => parsePgUrl('service=nope', env)).toThrow(new RegExp(`service "nope" was not found.*${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('takes the PG* environment as defaults the way libpq does, and the tools get exactly the record', () => {
    const env = { ...bare, PGHOST: '/run/pgsock', PGPORT: '5499', PGUSER: 'envuser', PGSSLMODE: 'disable' };
    const t = parsePgUrl('dbname=app', env);
    expect(t).toMatchObject({ host: '/run/pgsock', port: 5499, user: 'envuser', sslmode: 'disable' });
    const { params } = resolvePgParams(parsePgConnString('host=h dbname=app'), env);
    expect(params).toMatchObject({ host: 'h', port: '5499', user: 'envuser' });
    const toolEnv = pgEnv(parsePgUrl('postgresql://u@a:1,b:2/app?sslmode=require', bare));
    expect(toolEnv).toMatchObject({ PGHOST: 'a,b', PGPORT: '1,2', PGUSER: 'u', PGDATABASE: 'app', PGSSLMODE: 'require' });
    expect(toolEnv.PGSERVICE).toBeUndefined();
  });

  it('re-aims and strips passwords without losing hosts or parameters', () => {
    const s = 'host=/var/run/postgresql port=5444 dbname=app user=u password=secret sslmode=disable';
    const { bare: stored, password } = splitPassword(s);
    expect(password).toBe('secret');
    expect(stored).not.toContain('secret');
    expect(parsePgUrl(withDatabase(stored, 'postgres'), bare)).toMatchObject({ host: '/var/run/postgresql', port: 5444, database: 'postgres', sslmode: 'disable' });
    const round = parsePgConnString(formatPgConnString(parsePgConnString(s), { password: true }));
    expect(round).toEqual(parsePgConnString(s));
  });

  it('a password file with group or world access is ignored, as libpq ignores it', async () => {
    const dir = await tempDir();
    const file = join(dir, 'pgpass');
    await writeFile(file, '*:*:*:*:pw\n');
    await chmod(file, 0o644);
    const { pgPassLookup } = await import('./pg-pass.js');
    expect(await pgPassLookup({ host: '/sock', port: 5432, database: 'd', user: 'u' }, { PGPASSFILE: file })).toBeUndefined();
    await chmod(file, 0o600);
    expect(await pgPassLookup({ host: '/sock', port: 5432, database: 'd', user: 'u' }, { PGPASSFILE: file })).toBe('pw');
  });
});
