import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { remoteSpecSchema, type RemoteSpec } from '../../../src-shared/domain/profile.js';
import { storedBackup, testEngine } from '../../../test-support/engine.js';
import { sshdMissingReason, type SshdServer, startCutProxy, startSshd } from '../../../test-support/remote-servers.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { describeTree } from '../../../test-support/tree.js';
import { RemoteCopiesRepo } from '../catalog/remote-copies-repo.js';
import { copyBackupToRemote, syncRemotes, verifyRemotes } from './remote-copy.js';
import { fetchFromRemote, rebuildFromRemote } from './remote-fetch.js';
import { openDestination } from './open-destination.js';
import { checkHostKey, trustHostKey } from './known-hosts.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const sshdMissing = await sshdMissingReason();

function spec(s: SshdServer, path: string, extra: Partial<RemoteSpec> = {}, port = s.port): RemoteSpec {
  return remoteSpecSchema.parse({ url: `sftp://root@127.0.0.1:${port}${path}`, sshKey: s.clientKey, knownHosts: s.knownHosts, ...extra });
}

describe.skipIf(sshdMissing !== null)(`SFTP remote (throwaway sshd on loopback)${sshdMissing ? `: ${sshdMissing}` : ''}`, () => {
  it('uploads to a temp name, renames, verifies with sha256sum on the server, and restores from it after the local copy is deleted', async () => {
    const s = await startSshd();
    const { engine, record, src } = await storedBackup(3 * MiB, { 'a.txt': 'a' });
    const remoteDir = join(s.dir, 'backups');
    const out = await copyBackupToRemote(engine.env, record, spec(s, remoteDir));
    expect(out).toMatchObject({ state: 'VERIFIED', howChecked: 'remote-sha256sum' });
    expect((await readdir(remoteDir)).sort()).toEqual([record.fileName, `${record.fileName}.lifeboat.json`]);
    const sidecar = JSON.parse(await readFile(join(remoteDir, `${record.fileName}.lifeboat.json`), 'utf8')) as { sha256: string; backupId: string };
    expect(sidecar).toMatchObject({ sha256: record.sha256, backupId: record.id });

    await rm(record.path);
    await fetchFromRemote(engine.env, record, undefined);
    const to = join(await tempDir(), 'restored');
    await engine.restore(await engine.resolve(record.id), { toDir: to });
    expect(await describeTree(to)).toEqual(await describeTree(src));
  });

  it('refuses an unknown host with REMOTE_HOST_UNKNOWN carrying the SHA256 fingerprint ssh-keygen shows (trusting exactly that key lets the upload through), and a changed key with REMOTE_HOST_CHANGED', async () => {
    const s = await startSshd();
    const { engine, record } = await storedBackup(64 * 1024, { 'a.txt': 'a' });
    const unknown = await copyBackupToRemote(engine.env, record, spec(s, join(s.dir, 'b'), { knownHosts: s.emptyKnownHosts }));
    expect(unknown).toMatchObject({ state: 'FAILED', errorCode: 'REMOTE_HOST_UNKNOWN' });
    expect(unknown.reason).toContain(s.fingerprint);
    const dest = openDestination(spec(s, join(s.dir, 'b'), { knownHosts: s.emptyKnownHosts }));
    const err = await dest.list().catch((e: unknown) => e as { code: string; details: { fingerprint: string; knownHostsLine: string } });
    expect(err).toMatchObject({ code: 'REMOTE_HOST_UNKNOWN', details: { fingerprint: s.fingerprint } });
    const details = (err as { details: { knownHostsLine: string } }).details;
    // The first-connection prompt: another fingerprint is refused; the one shown is trusted, and the upload then works.
    await expect(trustHostKey(s.emptyKnownHosts, details.knownHostsLine, '127.0.0.1', s.port, 'SHA256:somethingelse')).rejects.toThrow(/nothing was trusted/);
    await trustHostKey(s.emptyKnownHosts, details.knownHostsLine, '127.0.0.1', s.port, s.fingerprint);
    expect((await copyBackupToRemote(engine.env, record, spec(s, join(s.dir, 'trusted'), { knownHosts: s.emptyKnownHosts }))).state).toBe('VERIFIED');

    const other = join(s.dir, 'other_known_hosts');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(s.dir, 'impostor')]);
    const imp = (await readFile(join(s.dir, 'impostor.pub'), 'utf8')).split(/\s+/);
    await writeFile(other, `[127.0.0.1]:${s.port} ${imp[0]} ${imp[1]}\n`);
    const changed = await copyBackupToRemote(engine.env, record, spec(s, join(s.dir, 'b'), { knownHosts: other }));
    expect(changed).toMatchObject({ state: 'FAILED', errorCode: 'REMOTE_HOST_CHANGED' });
    expect(await readdir(s.dir)).not.toContain('b');
  });

  it('matches hashed known_hosts entries (HashKnownHosts yes)', async () => {
    const s = await startSshd();
    const hashed = join(s.dir, 'hashed_known_hosts');
    await writeFile(hashed, await readFile(s.knownHosts));
    await run('ssh-keygen', ['-H', '-f', hashed]);
    expect(await readFile(hashed, 'utf8')).toMatch(/^\|1\|/);
    const pub = (await readFile(join(s.dir, 'host_key.pub'), 'utf8')).split(/\s+/)[1] ?? '';
    expect(checkHostKey(await readFile(hashed, 'utf8'), '127.0.0.1', s.port, Buffer.from(pub, 'base64'))).toBe('known');
    expect(checkHostKey(await readFile(hashed, 'utf8'), '127.0.0.1', s.port + 1, Buffer.from(pub, 'base64'))).toBe('unknown');
  });

  it('records a connection cut mid-upload as FAILED REMOTE_UNREACHABLE, leaves no archive under its final name, and `sync` uploads it cleanly afterwards', async () => {
    const s = await startSshd();
    const proxy = await startCutProxy(s.port);
    // The same host key answers on the proxy's port.
    const line = (await readFile(s.knownHosts, 'utf8')).replace(`:${s.port} `, `:${proxy.port} `);
    await writeFile(s.knownHosts, line);
    const { engine, record } = await storedBackup(4 * MiB, { 'a.txt': 'a' });
    const remoteDir = join(s.dir, 'cut');
    let cut = false;
    const out = await copyBackupToRemote(engine.env, record, spec(s, remoteDir, {}, proxy.port), {
      onProgress: (p) => {
        if (!cut && p.bytesDone > MiB) {
          cut = true;
          proxy.cut(true);
        }
      },
    });
    expect(out).toMatchObject({ state: 'FAILED', errorCode: 'REMOTE_UNREACHABLE' });
    expect(await readdir(remoteDir).catch(() => [])).not.toContain(record.fileName);

    proxy.heal();
    const [again] = await syncRemotes(engine.env, {});
    expect(again).toMatchObject({ state: 'VERIFIED' });
    expect((await readdir(remoteDir)).sort()).toEqual([record.fileName, `${record.fileName}.lifeboat.json`]);
  });

  it('reports a full disk on the server as REMOTE_FULL and leaves nothing under the final name (SFTP to a 1 MiB tmpfs)', async (ctx) => {
    const s = await startSshd();
    const small = join(s.dir, 'small');
    await mkdir(small);
    const mounted = await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small]).then(
      () => true,
      () => false,
    );
    if (!mounted) ctx.skip(true, 'cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)');
    onTestFinished(async () => {
      await run('umount', [small]).catch(() => undefined);
    });
    const { engine, record } = await storedBackup(3 * MiB, { 'a.txt': 'a' });
    const out = await copyBackupToRemote(engine.env, record, spec(s, small));
    expect(out).toMatchObject({ state: 'FAILED', errorCode: 'REMOTE_FULL' });
    expect(out.reason).toMatch(/bytes free/);
    // Nothing short was renamed into place (the client reported the failed writes as success).
    expect(await readdir(small)).toEqual([]);
    expect(engine.record(record.id).status).toBe('COMPLETED');
  });

  it('flags a copy changed on the server after upload, and rebuilds a catalog from the folder reporting a foreign file', async () => {
    const s = await startSshd();
    const { engine, record } = await storedBackup(256 * 1024, { 'a.txt': 'a' });
    const remoteDir = join(s.dir, 'store');
    expect((await copyBackupToRemote(engine.env, record, spec(s, remoteDir))).state).toBe('VERIFIED');
    await writeFile(join(remoteDir, 'README.md'), 'someone else was here');

    const laptop = await testEngine();
    const report = await rebuildFromRemote(laptop.engine.env, spec(s, remoteDir), { dryRun: false });
    expect(Object.fromEntries(report.entries.map((e) => [e.name, e.verdict]))).toEqual({ [record.fileName]: 'imported', 'README.md': 'foreign' });
    expect(new RemoteCopiesRepo(laptop.engine.env.catalog.db).ofBackup(record.id)[0]?.state).toBe('VERIFIED');

    const f = join(remoteDir, record.fileName);
    const bytes = await readFile(f);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
    await writeFile(f, bytes);
    const [checked] = await verifyRemotes(engine.env, {});
    expect(checked).toMatchObject({ state: 'FAILED', errorCode: 'CHECKSUM_MISMATCH' });
  });
});
