import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import S3rver from 's3rver';
import { onTestFinished } from 'vitest';
import { tempDir } from './temp-dir.js';

const run = promisify(execFile);

/** A free loopback TCP port (released just before use). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Resolve once something accepts connections on the port (the server's own readiness). */
async function accepting(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited before listening: ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('close', () => resolve());
    child.kill('SIGKILL');
  });
}

/** A throwaway OpenSSH server on loopback (never the system one), with its own keys. */
export interface SshdServer {
  readonly port: number;
  readonly dir: string;
  /** A private key the server accepts for root. */
  readonly clientKey: string;
  /** A known_hosts file that lists this server's host key. */
  readonly knownHosts: string;
  /** An empty known_hosts (first connection). */
  readonly emptyKnownHosts: string;
  /** The host key's SHA256 fingerprint as ssh-keygen prints it. */
  readonly fingerprint: string;
  readonly stop: () => Promise<void>;
}

/**
 * Start Debian's sshd with `-D -e -f config` on a free loopback port; stopped when the test ends.
 * `sftpOnly`: every session is forced into internal-sftp (no shell, so no remote `sha256sum`).
 */
export async function startSshd(opts: { sftpOnly?: boolean } = {}): Promise<SshdServer> {
  const dir = await tempDir('lifeboat-sshd-');
  const port = await freePort();
  await mkdir('/run/sshd', { recursive: true });
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
  await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client_key.pub')));
  await chmod(join(dir, 'authorized_keys'), 0o600);
  await writeFile(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'Subsystem sftp internal-sftp',
      ...(opts.sftpOnly ? ['ForceCommand internal-sftp'] : []),
      '',
    ].join('\n'),
  );
  const hostPub = (await readFile(join(dir, 'host_key.pub'), 'utf8')).trim().split(/\s+/);
  await writeFile(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostPub[0]} ${hostPub[1]}\n`);
  await writeFile(join(dir, 'empty_known_hosts'), '');
  const fp = (await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'host_key.pub')])).stdout.split(/\s+/)[1] ?? '';
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const stopIt = (): Promise<void> => stop(child);
  onTestFinished(stopIt);
  await accepting(port, child, () => stderr);
  return { port, dir, clientKey: join(dir, 'client_key'), knownHosts: join(dir, 'known_hosts'), emptyKnownHosts: join(dir, 'empty_known_hosts'), fingerprint: fp, stop: stopIt };
}

/** A loopback S3 server (s3rver) with one bucket. */
export interface S3Server {
  readonly endpoint: string;
  readonly bucket: string;
  readonly dir: string;
  readonly stop: () => Promise<void>;
}

/** s3rver's fixed credentials. */
export const S3RVER_ENV = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' } as const;

/** Start s3rver on a loopback port (in this process) with bucket `lifeboat-test`. */
export async function startS3(port = 0, dir?: string): Promise<S3Server> {
  const directory = dir ?? (await tempDir('lifeboat-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port, silent: true, directory, configureBuckets: [{ name: 'lifeboat-test' }] });
  const addr = await server.run();
  let stopped = false;
  const stopIt = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await server.close();
  };
  onTestFinished(stopIt);
  return { endpoint: `http://127.0.0.1:${addr.port}`, bucket: 'lifeboat-test', dir: directory, stop: stopIt };
}

/** `rclone serve webdav` on loopback over a folder, with an rclone config naming it `lbtest`. */
export interface RcloneServer {
  readonly root: string;
  /** RCLONE_CONFIG for child processes. */
  readonly config: string;
  readonly remote: string;
  readonly stop: () => Promise<void>;
}

/** Start `rclone serve webdav ROOT` on a free loopback port. */
export async function startRcloneWebdav(root?: string): Promise<RcloneServer> {
  const dir = await tempDir('lifeboat-rclone-');
  const served = root ?? join(dir, 'served');
  await mkdir(served, { recursive: true });
  const port = await freePort();
  const config = join(dir, 'rclone.conf');
  await writeFile(config, `[lbtest]\ntype = webdav\nurl = http://127.0.0.1:${port}\nvendor = other\n`);
  const child = spawn('rclone', ['serve', 'webdav', served, '--addr', `127.0.0.1:${port}`, '--config', config, '--dir-cache-time', '0s', '--poll-interval', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const stopIt = (): Promise<void> => stop(child);
  onTestFinished(stopIt);
  await accepting(port, child, () => stderr);
  return { root: served, config, remote: 'lbtest', stop: stopIt };
}

/** A loopback TCP proxy to `targetPort` whose connections a test can cut mid-transfer (a network cut). */
export interface CutProxy {
  readonly port: number;
  /** Destroy every open connection, and refuse new ones while `refusing`. */
  cut(refuseAfter?: boolean): void;
  /** Accept connections again. */
  heal(): void;
}

/** Start a CutProxy; closed when the test ends. */
export async function startCutProxy(targetPort: number): Promise<CutProxy> {
  const sockets = new Set<import('node:net').Socket>();
  let refusing = false;
  const server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return {
    port: (server.address() as { port: number }).port,
    cut(refuseAfter = false) {
      refusing = refuseAfter;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    heal() {
      refusing = false;
    },
  };
}

/** Why the throwaway sshd cannot run here (not root, no openssh-server), or null when it can. */
export async function sshdMissingReason(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'the throwaway sshd logs in as root, which needs the tests to run as root';
  return promisify(execFile)('/usr/sbin/sshd', ['-V']).then(
    () => null,
    (e: { code?: string }) => (e.code === 'ENOENT' ? 'openssh-server is not installed (/usr/sbin/sshd)' : null),
  );
}
