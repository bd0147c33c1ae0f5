import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian's PostgreSQL 15 server binaries live. */
export const PG_BIN = '/usr/lib/postgresql/15/bin';

/** Why PostgreSQL tests cannot run here, or null when they can. */
export function pgUnavailableReason(): string | null {
  if (!existsSync(join(PG_BIN, 'initdb'))) return `PostgreSQL 15 server binaries are not in ${PG_BIN} (apt install postgresql-15)`;
  return null;
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A throwaway cluster: TCP with SCRAM passwords, so authentication failures are real. */
export interface PgCluster {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly url: (db: string, password?: string) => string;
  readonly psql: (db: string, sql: string) => string;
  /** Create a superuser that logs in over TCP with no password (a `trust` line in pg_hba.conf). */
  readonly trustedSuperuser: (role: string) => void;
  /** The folder holding the cluster's Unix socket (`.s.PGSQL.<port>`). */
  readonly socketDir: string;
  /**
   * Create a superuser `role` that logs in over the Unix socket with `method` (a `local` line put
   * first in pg_hba.conf): `peer` admits only an OS user of the same name.
   */
  readonly localRole: (role: string, method: 'peer' | 'trust' | 'scram-sha-256', password?: string) => void;
  /**
   * Turn TLS on with a throwaway CA (openssl) and create `role`, which logs in over TCP only with a
   * client certificate (`hostssl ... cert`). Returns the client's files (key 0600).
   */
  readonly certificateRole: (role: string) => { ca: string; cert: string; key: string };
  readonly stop: () => void;
}

const asRoot = process.getuid?.() === 0;

function runAsServerUser(cmd: string, args: string[]): void {
  if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' });
  else execFileSync(cmd, args, { stdio: 'pipe' });
}

/** Start a fresh cluster on a free port (≈1 s). Stop it in afterAll. */
export async function startPgCluster(): Promise<PgCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-pg-'));
  chmodSync(dir, 0o755);
  const user = 'testadmin';
  const password = 'S3cret-pw!';
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, password);
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    chownSync(pwfile, uid, gid);
  }
  const port = await freePort();
  runAsServerUser(join(PG_BIN, 'initdb'), ['-D', join(dir, 'data'), '-U', user, `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8']);
  runAsServerUser(join(PG_BIN, 'pg_ctl'), ['-D', join(dir, 'data'), '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  const env = { ...process.env, PGPASSWORD: password };
  const psql = (db: string, sql: string): string =>
    // The database travels in PGDATABASE: psql would expand a `-d` value holding `=` into
    // connection parameters, and tests use such names on purpose.
    execFileSync(join(PG_BIN, 'psql'), ['-X', '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql], {
      env: { ...env, PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: user, PGDATABASE: db, PGCONNECT_TIMEOUT: '10' },
      encoding: 'utf8',
    });
  return {
    port,
    user,
    password,
    url: (db, pw = password) => `postgres://${user}:${encodeURIComponent(pw)}@127.0.0.1:${port}/${db}`,
    psql,
    trustedSuperuser: (role) => {
      psql('postgres', `CREATE ROLE ${role} LOGIN SUPERUSER`);
      const hba = join(dir, 'data', 'pg_hba.conf');
      writeFileSync(hba, `host all ${role} 127.0.0.1/32 trust\n${readFileSync(hba, 'utf8')}`);
      psql('postgres', 'SELECT pg_reload_conf()');
    },
    socketDir: dir,
    certificateRole: (role) => {
      const tls = join(dir, 'tls');
      execFileSync('mkdir', ['-p', tls]);
      const ssl = (args: string[]): void => void execFileSync('openssl', args, { stdio: 'pipe', cwd: tls });
      ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=lifeboat-test-ca', '-keyout', 'ca.key', '-out', 'ca.crt']);
      for (const [name, cn] of [['server', '127.0.0.1'], ['client', role]] as const) {
        ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
        ssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', `${name}.crt`]);
      }
      chmodSync(join(tls, 'server.key'), 0o600);
      chmodSync(join(tls, 'client.key'), 0o600);
      chmodSync(tls, 0o755);
      if (asRoot) {
        // The server reads its key as `postgres` and insists the key be its own and private.
        const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
        const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
        for (const f of ['server.key', 'server.crt', 'ca.crt']) chownSync(join(tls, f), uid, gid);
      }
      psql('postgres', `ALTER SYSTEM SET ssl = on`);
      psql('postgres', `ALTER SYSTEM SET ssl_cert_file = '${join(tls, 'server.crt')}'`);
      psql('postgres', `ALTER SYSTEM SET ssl_key_file = '${join(tls, 'server.key')}'`);
      psql('postgres', `ALTER SYSTEM SET ssl_ca_file = '${join(tls, 'ca.crt')}'`);
      psql('postgres', `CREATE ROLE ${role} LOGIN SUPERUSER`);
      const hba = join(dir, 'data', 'pg_hba.conf');
      writeFileSync(hba, `hostssl all ${role} 127.0.0.1/32 cert\nhost all ${role} 127.0.0.1/32 reject\n${readFileSync(hba, 'utf8')}`);
      psql('postgres', 'SELECT pg_reload_conf()');
      return { ca: join(tls, 'ca.crt'), cert: join(tls, 'client.crt'), key: join(tls, 'client.key') };
    },
    localRole: (role, method, pw) => {
      psql('postgres', `CREATE ROLE ${role} LOGIN SUPERUSER${pw ? ` PASSWORD '${pw}'` : ''}`);
      const hba = join(dir, 'data', 'pg_hba.conf');
      writeFileSync(hba, `local all ${role} ${method}\n${readFileSync(hba, 'utf8')}`);
      psql('postgres', 'SELECT pg_reload_conf()');
    },
    stop: () => {
      try {
        runAsServerUser(join(PG_BIN, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * An OS account to run a CLI as (for peer authentication): `nobody`, present on every Debian
 * system, so no account is created. Null when the tests do not run as root (they cannot switch).
 */
export function osUserForPeer(): { name: string; uid: number; gid: number } | null {
  if (!asRoot) return null;
  try {
    const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
    return { name: 'nobody', uid, gid };
  } catch {
    return null;
  }
}
