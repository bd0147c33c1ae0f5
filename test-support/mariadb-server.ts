import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './pg-cluster.js';

/** Why MariaDB tests cannot run here, or null when they can. */
export function mariadbUnavailableReason(): string | null {
  for (const bin of ['/usr/sbin/mariadbd', '/usr/bin/mariadb-install-db', '/usr/bin/mariadb', '/usr/bin/mariadb-dump']) {
    if (!existsSync(bin)) return `${bin} is missing (apt install mariadb-server mariadb-client)`;
  }
  if (process.getuid?.() !== 0) return 'the throwaway MariaDB server is started as root (it drops to the mysql user)';
  return null;
}

/** A throwaway MariaDB server: its own datadir, socket and port; a password user over TCP. */
export interface MariaDbServer {
  readonly port: number;
  readonly socket: string;
  readonly user: string;
  readonly password: string;
  /** `mysql://user:password@127.0.0.1:port/db` (password omitted when `password` is null). */
  readonly url: (db: string, password?: string | null) => string;
  /** Run SQL as root over the socket; returns the tab-separated rows. */
  readonly sql: (db: string | null, sql: string) => string;
  /** Stop the server and remove its folder. */
  readonly stop: () => Promise<void>;
}

/** Start a server (≈1–2 s). Stop it in afterAll. */
export async function startMariaDb(): Promise<MariaDbServer> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-maria-'));
  chmodSync(dir, 0o755);
  const uid = Number(execFileSync('id', ['-u', 'mysql'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'mysql'], { encoding: 'utf8' }).trim());
  chownSync(dir, uid, gid);
  const port = await freePort();
  const socket = join(dir, 'sock');
  execFileSync('mariadb-install-db', ['--no-defaults', '--user=mysql', `--datadir=${join(dir, 'data')}`, '--auth-root-authentication-method=socket', '--skip-test-db'], { stdio: 'pipe' });
  const server: ChildProcess = spawn(
    '/usr/sbin/mariadbd',
    ['--no-defaults', '--user=mysql', `--datadir=${join(dir, 'data')}`, `--socket=${socket}`, `--port=${port}`, '--bind-address=127.0.0.1', `--pid-file=${join(dir, 'pid')}`, `--log-error=${join(dir, 'err.log')}`, '--skip-log-bin', '--innodb-buffer-pool-size=32M', '--character-set-server=utf8mb4', '--collation-server=utf8mb4_unicode_ci'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const sql = (db: string | null, text: string): string =>
    execFileSync('mariadb', ['--no-defaults', `--socket=${socket}`, '-uroot', '--batch', '--skip-column-names', '--raw', '--default-character-set=utf8mb4', ...(db ? [db] : [])], { input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  const stop = async (): Promise<void> => {
    server.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
    if (server.exitCode === null) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i += 1) {
    try {
      sql(null, 'SELECT 1');
      break;
    } catch (e) {
      if (i > 150 || server.exitCode !== null) {
        await stop();
        throw new Error(`MariaDB did not start: ${(e as Error).message}`, { cause: e });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const user = 'lbtest';
  const password = "Pw'd:with\"quotes#;x";
  sql(null, `CREATE USER '${user}'@'%' IDENTIFIED BY '${password.replace(/'/g, "''")}'; GRANT ALL PRIVILEGES ON *.* TO '${user}'@'%' WITH GRANT OPTION;`);
  return {
    port,
    socket,
    user,
    password,
    url: (db, pw = password) => `mysql://${user}${pw === null ? '' : `:${encodeURIComponent(pw)}`}@127.0.0.1:${port}/${db}`,
    sql,
    stop,
  };
}
