import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { lifeboat } from '../../test-support/cli.js';
import { catalogRows, runWithFault } from '../../test-support/crash.js';
import { S3RVER_ENV, startRcloneWebdav, startS3, startSshd } from '../../test-support/remote-servers.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { describeTree, writeTree } from '../../test-support/tree.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const missing = [
  process.getuid?.() !== 0 ? 'root (for the throwaway sshd)' : null,
  await run('/usr/sbin/sshd', ['-V']).then(
    () => null,
    (e: { code?: string }) => (e.code === 'ENOENT' ? 'openssh-server' : null),
  ),
  await run('rclone', ['version']).then(
    () => null,
    () => 'rclone',
  ),
].filter(Boolean);

interface RemoteJson {
  remoteId: string;
  state: string;
  howChecked: string | null;
  resumedParts: number;
  reason: string | null;
}

async function data(bytes: number): Promise<string> {
  const dir = await tempDir();
  await writeTree(dir, { 'blob.bin': randomBytes(bytes), 'docs/readme.txt': 'hello' });
  return dir;
}

describe('lifeboat backup --remote / remote sync / restore --from-remote / doctor --rebuild-from', () => {
  it('resumes a multipart S3 upload killed after its 2nd part: `remote sync` sends only part 3 and verifies', async () => {
    const s3 = await startS3();
    const home = await tempDir('lifeboat-home-');
    const src = await data(12 * MiB);
    const env = { ...process.env, ...S3RVER_ENV };
    const url = `s3://${s3.bucket}/resume`;
    const args = ['--home', home, 'backup', '--dir', src, '--level', '0', '--remote', url, '--s3-endpoint', s3.endpoint, '--s3-path-style', '--s3-part-size', '5', '--json'];
    const killed = await runWithFault(args, 'remote:uploading@2', { env });
    expect(killed.signal).toBe('SIGKILL');

    // The local backup was committed before the upload started; the upload's journal has 2 parts.
    const [b] = catalogRows<{ id: string; status: string }>(home, 'SELECT id, status FROM backups');
    expect(b?.status).toBe('COMPLETED');
    const [row] = catalogRows<{ state: string; upload_id: string | null; parts: string }>(home, 'SELECT state, upload_id, parts FROM remote_copies');
    expect(row?.state).toBe('UPLOADING');
    expect(row?.upload_id).toBeTruthy();
    expect((JSON.parse(row?.parts ?? '[]') as { partNumber: number }[]).map((p) => p.partNumber)).toEqual([1, 2]);

    const sync = await lifeboat(['--home', home, 'remote', 'sync', '--json'], { env });
    expect(sync.code).toBe(0);
    const copies = sync.json<{ copies: RemoteJson[] }>().copies;
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatchObject({ remoteId: url, state: 'VERIFIED', resumedParts: 2 });
    const [after] = catalogRows<{ parts: string }>(home, 'SELECT parts FROM remote_copies');
    expect((JSON.parse(after?.parts ?? '[]') as unknown[]).length).toBe(3);
  });

  it.skipIf(missing.length > 0)(`backs up to S3, SFTP and rclone in one run (--json lists each remote VERIFIED), restores from a remote after the local copy is deleted, and rebuilds a new catalog from the bucket${missing.length ? ` (missing: ${missing.join(', ')})` : ''}`, async () => {
    const s3 = await startS3();
    const sshd = await startSshd();
    const rc = await startRcloneWebdav();
    const home = await tempDir('lifeboat-home-');
    const src = await data(11 * MiB);
    const env = { ...process.env, ...S3RVER_ENV, RCLONE_CONFIG: rc.config };
    const s3url = `s3://${s3.bucket}/office`;
    const sftpUrl = `sftp://root@127.0.0.1:${sshd.port}${join(sshd.dir, 'store')}`;
    const rcUrl = `rclone:${rc.remote}:office`;
    const s3flags = ['--s3-endpoint', s3.endpoint, '--s3-path-style', '--s3-part-size', '5'];
    const sshFlags = ['--ssh-key', sshd.clientKey, '--known-hosts', sshd.knownHosts];
    const backup = await lifeboat(['--home', home, 'backup', '--dir', src, '--level', '0', '--remote', s3url, '--remote', sftpUrl, '--remote', rcUrl, ...s3flags, ...sshFlags, '--bwlimit', '100000', '--json'], { env });
    expect(backup.code, backup.stderr).toBe(0);
    const result = backup.json<{ id: string; path: string; sha256: string; size: number; remotes: RemoteJson[] }>();
    expect(result.remotes.map((r) => [r.remoteId.split(':')[0], r.state, r.howChecked])).toEqual([
      ['s3', 'VERIFIED', 'read-back'],
      ['sftp', 'VERIFIED', 'remote-sha256sum'],
      ['rclone', 'VERIFIED', 'read-back'],
    ]);

    // The local copy is gone: restore downloads it from the SFTP server, checks the SHA-256, restores.
    await rm(result.path);
    const to = join(await tempDir(), 'restored');
    const restore = await lifeboat(['--home', home, 'restore', result.id, '--from-remote', sftpUrl, ...sshFlags, '--to-dir', to, '--json'], { env });
    expect(restore.code, restore.stderr).toBe(0);
    expect(await describeTree(join(to))).toEqual(await describeTree(src));

    // A new laptop: rebuild the catalog from the bucket (a foreign file is reported, not imported).
    const laptop = await tempDir('lifeboat-home-');
    const rebuild = await lifeboat(['--home', laptop, 'doctor', '--rebuild-from', s3url, ...s3flags, '--json'], { env });
    expect(rebuild.code, rebuild.stderr).toBe(0);
    const report = rebuild.json<{ entries: { name: string; verdict: string; backupId: string | null }[]; hosts: { host: string; backups: number }[] }>();
    expect(report.entries.filter((e) => e.verdict === 'imported').map((e) => e.backupId)).toEqual([result.id]);
    expect(report.hosts).toHaveLength(1);
    const list = await lifeboat(['--home', laptop, 'list', '--json'], { env });
    expect(JSON.stringify(list.json())).toContain(result.id);
    const to2 = join(await tempDir(), 'restored2');
    const restore2 = await lifeboat(['--home', laptop, 'restore', result.id, '--from-remote', '--to-dir', to2, '--json'], { env });
    expect(restore2.code, restore2.stderr).toBe(0);
    expect(await describeTree(to2)).toEqual(await describeTree(src));

    // `remote verify` re-checks all three copies from the first machine.
    const verify = await lifeboat(['--home', home, 'remote', 'verify', '--json'], { env });
    expect(verify.json<{ copies: RemoteJson[] }>().copies.map((c) => c.state)).toEqual(['VERIFIED', 'VERIFIED', 'VERIFIED']);
    expect(await readdir(join(sshd.dir, 'store'))).toHaveLength(2);
  });

  it('keeps the local backup (exit 0) and reports the remote FAILED with its reason when the bucket is missing', async () => {
    const s3 = await startS3();
    const home = await tempDir('lifeboat-home-');
    const src = await data(1024);
    const r = await lifeboat(['--home', home, 'backup', '--dir', src, '--remote', 's3://no-such-bucket/x', '--s3-endpoint', s3.endpoint, '--s3-path-style', '--json'], { env: { ...process.env, ...S3RVER_ENV } });
    expect(r.code).toBe(0);
    const out = r.json<{ ok: boolean; status: string; remotes: (RemoteJson & { errorCode: string })[] }>();
    expect(out).toMatchObject({ ok: true, status: 'COMPLETED' });
    expect(out.remotes[0]).toMatchObject({ state: 'FAILED', errorCode: 'REMOTE_NOT_FOUND' });
  });

  it('refuses a malformed remote URL as a usage error before backing anything up', async () => {
    const home = await tempDir('lifeboat-home-');
    const r = await lifeboat(['--home', home, 'backup', '--dir', await data(10), '--remote', 'ftp://x/y']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('s3://bucket/prefix');
    expect(catalogRows(home, 'SELECT id FROM backups')).toEqual([]);
  });
});
