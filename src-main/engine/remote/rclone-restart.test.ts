import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { remoteSpecSchema } from '../../../src-shared/domain/profile.js';
import { lifeboat } from '../../../test-support/cli.js';
import { catalogRows, runWithFault } from '../../../test-support/crash.js';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { startRcloneWebdav } from '../../../test-support/remote-servers.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { writeTree } from '../../../test-support/tree.js';
import { copyBackupToRemote } from './remote-copy.js';
import { mkdir } from 'node:fs/promises';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const rcloneMissing = await run('rclone', ['version']).then(
  () => null,
  () => 'rclone is not installed',
);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe.skipIf(rcloneMissing !== null)(`rclone upload restart (rclone serve webdav on loopback)${rcloneMissing ? `: ${rcloneMissing}` : ''}`, () => {
  it('an upload killed mid-way (LIFEBOAT_FAULT=remote:uploading@2) restarts from zero on `remote sync` (rcat cannot append) and leaves only the archive and its sidecar', async () => {
    const server = await startRcloneWebdav();
    const env = { ...process.env, RCLONE_CONFIG: server.config };
    const home = await tempDir('lifeboat-home-');
    const src = await tempDir();
    await writeTree(src, { 'blob.bin': randomBytes(4 * MiB) });
    const args = ['--home', home, 'backup', '--dir', src, '--level', '0', '--remote', `rclone:${server.remote}:store`, '--json'];
    const killed = await runWithFault(args, 'remote:uploading@2', { env });
    expect(killed.signal, `${killed.code} ${killed.stderr}`).toBe('SIGKILL');
    const [b] = catalogRows<{ file_name: string; path: string }>(home, 'SELECT file_name, path FROM backups');
    // Whatever the killed attempt left under the temporary name, make it unmistakably stale.
    await mkdir(join(server.root, 'store'), { recursive: true });
    await writeFile(join(server.root, 'store', `.${b?.file_name}.lifeboat-partial`), randomBytes(5 * MiB));

    const sync = await lifeboat(['--home', home, 'remote', 'sync', '--json'], { env });
    expect(sync.code, `${sync.stderr} ${sync.stdout}`).toBe(0);
    expect(sync.json<{ copies: { state: string; resumedBytes: number }[] }>().copies).toMatchObject([{ state: 'VERIFIED', resumedBytes: 0 }]);
    expect((await readdir(join(server.root, 'store'))).sort()).toEqual([b?.file_name, `${b?.file_name}.lifeboat.json`]);
    expect(sha(await readFile(join(server.root, 'store', b?.file_name ?? '')))).toBe(sha(await readFile(b?.path ?? '')));
  });

  it('a restarted upload that is cancelled mid-way deletes the stale temporary object and its own: nothing partial stays on the remote', async () => {
    const server = await startRcloneWebdav();
    const before = process.env.RCLONE_CONFIG;
    process.env.RCLONE_CONFIG = server.config;
    try {
      const { engine, out } = await testEngine();
      const src = await tempDir();
      await writeTree(src, { 'blob.bin': randomBytes(6 * MiB) });
      const record = engine.record((await engine.backup(request(out, [folder(src, { name: 'data' })], { compressionLevel: 0 }))).id);
      const dir = join(server.root, 'lifeboat');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, `.${record.fileName}.lifeboat-partial`), randomBytes(MiB));
      const abort = new AbortController();
      // Slow enough (2 MiB/s) that the cancel lands while rcat is still sending.
      const spec = remoteSpecSchema.parse({ url: `rclone:${server.remote}:lifeboat`, bwlimitKiB: 2048 });
      const outcome = await copyBackupToRemote(engine.env, record, spec, { signal: abort.signal, onProgress: (p) => p.bytesDone >= MiB && abort.abort() });
      expect(outcome).toMatchObject({ state: 'FAILED', errorCode: 'CANCELLED' });
      expect(await readdir(dir)).toEqual([]);
    } finally {
      if (before === undefined) delete process.env.RCLONE_CONFIG;
      else process.env.RCLONE_CONFIG = before;
    }
  });
});
