import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { remoteSpecSchema, type RemoteSpec } from '../../../src-shared/domain/profile.js';
import { storedBackup } from '../../../test-support/engine.js';
import { sshdMissingReason, type SshdServer, startSshd } from '../../../test-support/remote-servers.js';
import { copyBackupToRemote } from './remote-copy.js';
import { fetchFromRemote } from './remote-fetch.js';

const MiB = 1024 * 1024;
const sshdMissing = await sshdMissingReason();

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function spec(s: SshdServer, path: string): RemoteSpec {
  return remoteSpecSchema.parse({ url: `sftp://root@127.0.0.1:${s.port}${path}`, sshKey: s.clientKey, knownHosts: s.knownHosts });
}

describe.skipIf(sshdMissing !== null)(`SFTP upload against a hostile server folder${sshdMissing ? `: ${sshdMissing}` : ''}`, () => {
  it('a symlink planted at the temporary upload name is replaced, never written through: the file it points at keeps its bytes and the copy is a regular file', async () => {
    const s = await startSshd();
    const { engine, record } = await storedBackup(MiB);
    const store = join(s.dir, 'store');
    await mkdir(store);
    // Another file on the server (someone else's archive) the link points at: bigger, then smaller than the upload.
    for (const size of [2 * MiB, 1000]) {
      const precious = join(s.dir, `precious-${size}`);
      const bytes = randomBytes(size);
      await writeFile(precious, bytes);
      const dir = join(store, String(size));
      await mkdir(dir);
      await symlink(precious, join(dir, `.${record.fileName}.lifeboat-partial`));
      // The sidecar's temporary name too.
      await symlink(precious, join(dir, `.${record.fileName}.lifeboat.json.lifeboat-partial`));
      const out = await copyBackupToRemote(engine.env, record, spec(s, dir));
      expect(out).toMatchObject({ state: 'VERIFIED' });
      expect(sha(await readFile(precious))).toBe(sha(bytes));
      expect((await lstat(join(dir, record.fileName))).isFile()).toBe(true);
      expect(sha(await readFile(join(dir, record.fileName)))).toBe(record.sha256);
    }
  });

  it('a remote object longer than the catalog records is not downloaded past that size (a hostile or replaced copy cannot fill the local disk before the hash check)', async () => {
    const s = await startSshd();
    const { engine, record } = await storedBackup(200 * 1024);
    const dir = join(s.dir, 'store');
    expect(await copyBackupToRemote(engine.env, record, spec(s, dir))).toMatchObject({ state: 'VERIFIED' });
    // The server now serves 16 MiB under the archive's name.
    await writeFile(join(dir, record.fileName), randomBytes(16 * MiB));
    await rm(record.path);
    let most = 0;
    const fetched = fetchFromRemote(engine.env, record, spec(s, dir), { onProgress: (p) => void (most = Math.max(most, p.bytesDone)) });
    await expect(fetched).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect(most).toBeLessThanOrEqual(record.size ?? 0);
    await expect(stat(record.path)).rejects.toThrow();
  });

  it('a remote folder whose name is shell syntax (quotes, $(...), ;, newline) is quoted for the server shell: the resumed prefix is proven and nothing in the name runs', async () => {
    const s = await startSshd();
    const { engine, record } = await storedBackup(MiB);
    const archive = await readFile(record.path);
    const marker = join(s.dir, 'ran');
    const odd = join(s.dir, `it's $(touch ${marker}); \`touch ${marker}\` \nx`);
    await mkdir(odd, { recursive: true });
    await writeFile(join(odd, `.${record.fileName}.lifeboat-partial`), archive.subarray(0, 300_000));
    const url = `sftp://root@127.0.0.1:${s.port}${odd.split('/').map(encodeURIComponent).join('/')}`;
    const out = await copyBackupToRemote(engine.env, record, remoteSpecSchema.parse({ url, sshKey: s.clientKey, knownHosts: s.knownHosts }));
    // (sha256sum escapes a name holding a newline or backslash in its output, so the whole-file check falls back to a read-back.)
    expect(out).toMatchObject({ state: 'VERIFIED', resumedBytes: 300_000 });
    expect(sha(await readFile(join(odd, record.fileName)))).toBe(record.sha256);
    await expect(stat(marker)).rejects.toThrow();
  });
});
