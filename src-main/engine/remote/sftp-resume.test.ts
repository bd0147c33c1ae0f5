import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { remoteSpecSchema, type RemoteSpec } from '../../../src-shared/domain/profile.js';
import { lifeboat } from '../../../test-support/cli.js';
import { catalogRows, runWithFault } from '../../../test-support/crash.js';
import { storedBackup } from '../../../test-support/engine.js';
import { sshdMissingReason, type SshdServer, startCutProxy, startSshd } from '../../../test-support/remote-servers.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { writeTree } from '../../../test-support/tree.js';
import { copyBackupToRemote, syncRemotes } from './remote-copy.js';

const MiB = 1024 * 1024;
const sshdMissing = await sshdMissingReason();

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function spec(s: SshdServer, path: string, port = s.port): RemoteSpec {
  return remoteSpecSchema.parse({ url: `sftp://root@127.0.0.1:${port}${path}`, sshKey: s.clientKey, knownHosts: s.knownHosts });
}

/** Leave what an interrupted upload leaves: the temporary file holding the archive's first `n` bytes (optionally one flipped). */
async function plantPartial(dir: string, fileName: string, archive: Buffer, n: number, flipAt?: number): Promise<string> {
  await mkdir(dir, { recursive: true });
  const part = Buffer.from(archive.subarray(0, n));
  if (flipAt !== undefined) part[flipAt] = (part[flipAt] ?? 0) ^ 0xff;
  const path = join(dir, `.${fileName}.lifeboat-partial`);
  await writeFile(path, part);
  return path;
}

describe.skipIf(sshdMissing !== null)(`SFTP upload resume (throwaway sshd on loopback)${sshdMissing ? `: ${sshdMissing}` : ''}`, () => {
  it('a `lifeboat backup` killed mid-upload (LIFEBOAT_FAULT=remote:uploading@3): `remote sync` keeps the bytes on the server, sends only the rest, and the copy verifies', async () => {
    const s = await startSshd();
    const home = await tempDir('lifeboat-home-');
    const src = await tempDir();
    await writeTree(src, { 'blob.bin': randomBytes(6 * MiB) });
    const store = join(s.dir, 'store');
    const url = `sftp://root@127.0.0.1:${s.port}${store}`;
    const args = ['--home', home, 'backup', '--dir', src, '--level', '0', '--remote', url, '--ssh-key', s.clientKey, '--known-hosts', s.knownHosts, '--json'];
    const killed = await runWithFault(args, 'remote:uploading@3');
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const [b] = catalogRows<{ file_name: string; path: string; size: number }>(home, 'SELECT file_name, path, size FROM backups');
    const partial = join(store, `.${b?.file_name}.lifeboat-partial`);
    const have = (await stat(partial)).size;
    expect(have).toBeGreaterThan(0);
    expect(have).toBeLessThan(b?.size ?? 0);

    const sync = await lifeboat(['--home', home, 'remote', 'sync', '--json']);
    expect(sync.code, sync.stderr).toBe(0);
    const [copy] = sync.json<{ copies: { state: string; howChecked: string; resumedBytes: number }[] }>().copies;
    expect(copy).toMatchObject({ state: 'VERIFIED', howChecked: 'remote-sha256sum', resumedBytes: have });
    expect(sha(await readFile(join(store, b?.file_name ?? '')))).toBe(sha(await readFile(b?.path ?? '')));
    await expect(stat(partial)).rejects.toThrow();
  });

  it('resumes after the prefix is proven with sha256sum on the server, and restarts from zero when the bytes there differ from the local ones', async () => {
    const s = await startSshd();
    const { engine, record } = await storedBackup(3 * MiB);
    const archive = await readFile(record.path);
    const good = join(s.dir, 'good');
    await plantPartial(good, record.fileName, archive, MiB + 12345);
    let firstReported = -1;
    const kept = await copyBackupToRemote(engine.env, record, spec(s, good), { onProgress: (p) => void (firstReported < 0 && (firstReported = p.bytesDone)) });
    expect(kept).toMatchObject({ state: 'VERIFIED', resumedBytes: MiB + 12345 });
    // Progress starts where the server already was.
    expect(firstReported).toBeGreaterThan(MiB + 12345);
    expect(sha(await readFile(join(good, record.fileName)))).toBe(record.sha256);

    const bad = join(s.dir, 'bad');
    await plantPartial(bad, record.fileName, archive, MiB + 12345, 777);
    const restarted = await copyBackupToRemote(engine.env, record, spec(s, bad));
    expect(restarted).toMatchObject({ state: 'VERIFIED', resumedBytes: 0 });
    expect(sha(await readFile(join(bad, record.fileName)))).toBe(record.sha256);

    // Longer than the archive: not a prefix of it, restarted.
    const long = join(s.dir, 'long');
    await mkdir(long);
    await writeFile(join(long, `.${record.fileName}.lifeboat-partial`), Buffer.concat([archive, Buffer.from('tail')]));
    expect(await copyBackupToRemote(engine.env, record, spec(s, long))).toMatchObject({ state: 'VERIFIED', resumedBytes: 0 });
    expect(sha(await readFile(join(long, record.fileName)))).toBe(record.sha256);
  });

  it('on an sftp-only account (no shell for sha256sum) the prefix is read back to prove it, and a differing prefix restarts from zero', async () => {
    const s = await startSshd({ sftpOnly: true });
    const { engine, record } = await storedBackup(2 * MiB);
    const archive = await readFile(record.path);
    const good = join(s.dir, 'good');
    await plantPartial(good, record.fileName, archive, 700_000);
    expect(await copyBackupToRemote(engine.env, record, spec(s, good))).toMatchObject({ state: 'VERIFIED', howChecked: 'read-back', resumedBytes: 700_000 });
    expect(sha(await readFile(join(good, record.fileName)))).toBe(record.sha256);

    const bad = join(s.dir, 'bad');
    await plantPartial(bad, record.fileName, archive, 700_000, 699_999);
    expect(await copyBackupToRemote(engine.env, record, spec(s, bad))).toMatchObject({ state: 'VERIFIED', resumedBytes: 0 });
    expect(sha(await readFile(join(bad, record.fileName)))).toBe(record.sha256);
  });

  it('a connection cut mid-upload: the next sync resumes from what reached the server', async () => {
    const s = await startSshd();
    const proxy = await startCutProxy(s.port);
    await writeFile(s.knownHosts, (await readFile(s.knownHosts, 'utf8')).replace(`:${s.port} `, `:${proxy.port} `));
    const { engine, record } = await storedBackup(4 * MiB);
    const dir = join(s.dir, 'cut');
    let cut = false;
    const first = await copyBackupToRemote(engine.env, record, spec(s, dir, proxy.port), {
      onProgress: (p) => {
        if (!cut && p.bytesDone > 2 * MiB) {
          cut = true;
          proxy.cut(true);
        }
      },
    });
    expect(first).toMatchObject({ state: 'FAILED', errorCode: 'REMOTE_UNREACHABLE' });
    proxy.heal();
    const [again] = await syncRemotes(engine.env, {});
    expect(again?.state).toBe('VERIFIED');
    expect(again?.resumedBytes).toBeGreaterThan(0);
    expect(sha(await readFile(join(dir, record.fileName)))).toBe(record.sha256);
  });

  it('cancelling an upload stops it (FAILED CANCELLED) and the next sync resumes from what reached the server', async () => {
    const s = await startSshd();
    const { engine, record } = await storedBackup(4 * MiB);
    const dir = join(s.dir, 'cancelled');
    const abort = new AbortController();
    // 2 MiB/s: the cancel lands mid-upload.
    const slow = remoteSpecSchema.parse({ ...spec(s, dir), bwlimitKiB: 2048 });
    const first = await copyBackupToRemote(engine.env, record, slow, { signal: abort.signal, onProgress: (p) => p.bytesDone > MiB && abort.abort() });
    expect(first).toMatchObject({ state: 'FAILED', errorCode: 'CANCELLED' });
    await expect(stat(join(dir, record.fileName))).rejects.toThrow();
    const [again] = await syncRemotes(engine.env, {});
    expect(again?.state).toBe('VERIFIED');
    expect(again?.resumedBytes).toBeGreaterThan(0);
    expect(sha(await readFile(join(dir, record.fileName)))).toBe(record.sha256);
  });
});
