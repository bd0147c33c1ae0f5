import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { remoteSpecSchema } from '../../../src-shared/domain/profile.js';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { startRcloneWebdav } from '../../../test-support/remote-servers.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { describeTree, writeTree } from '../../../test-support/tree.js';
import { copyBackupToRemote, verifyRemotes } from './remote-copy.js';
import { fetchFromRemote, rebuildFromRemote } from './remote-fetch.js';

const run = promisify(execFile);
const rcloneMissing = await run('rclone', ['version']).then(
  () => null,
  () => 'rclone is not installed',
);

/** rclone reads RCLONE_CONFIG from the environment; point it at the test server's config. */
function useConfig(config: string): void {
  const before = process.env.RCLONE_CONFIG;
  process.env.RCLONE_CONFIG = config;
  onTestFinished(() => {
    if (before === undefined) delete process.env.RCLONE_CONFIG;
    else process.env.RCLONE_CONFIG = before;
  });
}

describe.skipIf(rcloneMissing !== null)(`rclone remote (rclone serve webdav on loopback)${rcloneMissing ? `: ${rcloneMissing}` : ''}`, () => {
  it('uploads through rcat to a temp name, moves it into place, verifies by read-back (WebDAV keeps no SHA-256), rebuilds and restores from it', async () => {
    const server = await startRcloneWebdav();
    useConfig(server.config);
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeTree(src, { 'blob.bin': randomBytes(2 * 1024 * 1024), 'x.txt': 'x' });
    const made = await engine.backup(request(out, [folder(src, { name: 'data' })], { compressionLevel: 0 }));
    const record = engine.record(made.id);
    const spec = remoteSpecSchema.parse({ url: `rclone:${server.remote}:lifeboat/host1`, bwlimitKiB: 100_000 });

    const copy = await copyBackupToRemote(engine.env, record, spec);
    expect(copy).toMatchObject({ state: 'VERIFIED', howChecked: 'read-back' });
    const dir = join(server.root, 'lifeboat', 'host1');
    expect((await readdir(dir)).sort()).toEqual([record.fileName, `${record.fileName}.lifeboat.json`]);

    await writeFile(join(dir, 'notes.txt'), 'foreign');
    const laptop = await testEngine();
    const report = await rebuildFromRemote(laptop.engine.env, spec, { dryRun: false });
    expect(Object.fromEntries(report.entries.map((e) => [e.name, e.verdict]))).toEqual({ [record.fileName]: 'imported', 'notes.txt': 'foreign' });

    await rm(record.path);
    await fetchFromRemote(engine.env, record, undefined);
    const to = join(await tempDir(), 'restored');
    await engine.restore(await engine.resolve(record.id), { toDir: to });
    expect(await describeTree(to)).toEqual(await describeTree(src));

    const bytes = await readFile(join(dir, record.fileName));
    bytes[100] = (bytes[100] ?? 0) ^ 1;
    await writeFile(join(dir, record.fileName), bytes);
    const [checked] = await verifyRemotes(engine.env, {});
    expect(checked).toMatchObject({ state: 'FAILED', errorCode: 'CHECKSUM_MISMATCH' });
  });

  it('records an unknown rclone remote name as FAILED REMOTE_NOT_FOUND', async () => {
    const server = await startRcloneWebdav();
    useConfig(server.config);
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeTree(src, { 'a.txt': 'a' });
    const made = await engine.backup(request(out, [folder(src)]));
    const copy = await copyBackupToRemote(engine.env, engine.record(made.id), remoteSpecSchema.parse({ url: 'rclone:nosuchremote:x' }));
    expect(copy).toMatchObject({ state: 'FAILED', errorCode: 'REMOTE_NOT_FOUND' });
  });

  it('records a server killed mid-upload as FAILED with nothing under the final name', async () => {
    const server = await startRcloneWebdav();
    useConfig(server.config);
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeTree(src, { 'blob.bin': randomBytes(4 * 1024 * 1024) });
    const made = await engine.backup(request(out, [folder(src)], { compressionLevel: 0 }));
    const record = engine.record(made.id);
    let killed = false;
    const copy = await copyBackupToRemote(engine.env, record, remoteSpecSchema.parse({ url: `rclone:${server.remote}:cut` }), {
      onProgress: (p) => {
        if (!killed && p.bytesDone > 1024 * 1024) {
          killed = true;
          void server.stop();
        }
      },
    });
    expect(copy.state).toBe('FAILED');
    expect(await readdir(join(server.root, 'cut')).catch(() => [])).not.toContain(record.fileName);
  });
});
