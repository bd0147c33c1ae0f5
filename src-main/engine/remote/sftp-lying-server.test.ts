import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ssh2 from 'ssh2';
import { describe, expect, it, onTestFinished } from 'vitest';
import { remoteSpecSchema } from '../../../src-shared/domain/profile.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { openDestination } from './open-destination.js';
import { checkRemoteObject } from './remote-copy.js';

const run = promisify(execFile);
const { Server, utils } = ssh2;
const { STATUS_CODE } = utils.sftp;
const keygenMissing = await run('ssh-keygen', ['-?']).then(
  () => null,
  (e: { code?: string }) => (e.code === 'ENOENT' ? 'ssh-keygen is not installed' : null),
);

/**
 * A hostile SFTP server (ssh2's own server, on loopback): every file stats as `claimed` bytes, and
 * reading it yields `serves` bytes. `served` counts what it actually sent.
 */
async function startLyingSftp(claimed: number, serves: number, opts: { hangExec?: boolean; hangReads?: boolean } = {}): Promise<{ port: number; knownHosts: string; key: string; served: () => number }> {
  const dir = await tempDir();
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
  let served = 0;
  const attrs = { mode: 0o100644, size: claimed, uid: 0, gid: 0, atime: 0, mtime: 0 };
  const server = new Server({ hostKeys: [await readFile(join(dir, 'host_key'))] }, (client) => {
    client.on('authentication', (ctx) => ctx.accept());
    client.on('error', () => undefined);
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        // A shell whose `sha256sum` never answers: the channel opens, nothing ever comes back.
        session.on('exec', (accept, reject) => (opts.hangExec ? void accept() : reject()));
        session.on('sftp', (acceptSftp) => {
          const sftp = acceptSftp();
          const attrsOf = (path: string) => (path === '/store' ? { ...attrs, mode: 0o40755 } : attrs);
          sftp.on('STAT', (id, path) => sftp.attrs(id, attrsOf(path)));
          sftp.on('LSTAT', (id, path) => sftp.attrs(id, attrsOf(path)));
          sftp.on('FSTAT', (id) => sftp.attrs(id, attrs));
          sftp.on('REALPATH', (id, p) => sftp.name(id, [{ filename: p, longname: p, attrs }]));
          sftp.on('OPEN', (id) => sftp.handle(id, Buffer.from([1])));
          sftp.on('CLOSE', (id) => sftp.status(id, STATUS_CODE.OK));
          sftp.on('READ', (id, _h, offset, length) => {
            if (opts.hangReads) return; // a read-back that never answers either
            if (offset >= serves) return sftp.status(id, STATUS_CODE.EOF);
            const n = Math.min(length, serves - offset);
            served += n;
            return sftp.data(id, Buffer.alloc(n, 0x7b));
          });
        });
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  onTestFinished(() => void server.close());
  const port = (server.address() as AddressInfo).port;
  const pub = (await readFile(join(dir, 'host_key.pub'), 'utf8')).trim().split(/\s+/);
  const knownHosts = join(dir, 'known_hosts');
  await writeFile(knownHosts, `[127.0.0.1]:${port} ${pub[0]} ${pub[1]}\n`);
  return { port, knownHosts, key: join(dir, 'client_key'), served: () => served };
}

describe.skipIf(keygenMissing !== null)(`an SFTP server that lies about sizes${keygenMissing ? `: ${keygenMissing}` : ''}`, () => {
  it('a sidecar that stats small but reads without end is refused at its limit, not read into memory whole', async () => {
    const s = await startLyingSftp(100, 64 * 1024 * 1024);
    const dest = openDestination(remoteSpecSchema.parse({ url: `sftp://root@127.0.0.1:${s.port}/store`, sshKey: s.key, knownHosts: s.knownHosts }), {});
    onTestFinished(() => dest.close());
    await expect(dest.getSmall('x.zip.lifeboat.json', 64 * 1024)).rejects.toMatchObject({ code: 'REMOTE_FAILED' });
    expect(s.served()).toBeLessThan(1024 * 1024);
  });

  it('a check waiting on a server whose sha256sum and reads never answer ends at the cancel, as CANCELLED, instead of holding the job forever', async () => {
    const s = await startLyingSftp(1000, 1000, { hangExec: true, hangReads: true });
    const dest = openDestination(remoteSpecSchema.parse({ url: `sftp://root@127.0.0.1:${s.port}/store`, sshKey: s.key, knownHosts: s.knownHosts }), {});
    onTestFinished(() => dest.close());
    const abort = new AbortController();
    const row = { objectName: 'x.zip', size: 1000, sha256: 'a'.repeat(64), parts: [] };
    const checking = checkRemoteObject(dest, row, 'later', abort.signal).then(
      () => null,
      (e: unknown) => e,
    );
    // Let the check reach the server and wait there, then cancel.
    await new Promise((r) => setTimeout(r, 1500));
    abort.abort();
    expect(await checking).toMatchObject({ code: 'CANCELLED' });
  });
});
