import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { profileSpecSchema, remoteSpecSchema } from '../../src-shared/domain/profile.js';
import { RemoteCopiesRepo } from '../engine/catalog/remote-copies-repo.js';
import { copyBackupToRemote } from '../engine/remote/remote-copy.js';
import { folder, request, testEngine } from '../../test-support/engine.js';
import { startRcloneWebdav } from '../../test-support/remote-servers.js';
import { makeServices } from '../../test-support/services.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { writeTree } from '../../test-support/tree.js';
import { verifyLatestBackup } from './schedules.js';

const rcloneMissing = await promisify(execFile)('rclone', ['version']).then(
  () => null,
  () => 'rclone is not installed',
);

describe.skipIf(rcloneMissing !== null)(`the scheduled check covers off-site copies${rcloneMissing ? `: ${rcloneMissing}` : ''}`, () => {
  it('a remote copy changed after upload turns FAILED at the next scheduled check, while the local backup still verifies', async () => {
    const server = await startRcloneWebdav();
    const before = process.env.RCLONE_CONFIG;
    process.env.RCLONE_CONFIG = server.config;
    onTestFinished(() => {
      if (before === undefined) delete process.env.RCLONE_CONFIG;
      else process.env.RCLONE_CONFIG = before;
    });
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeTree(src, { 'a.txt': 'alpha', 'b.txt': 'beta '.repeat(1000) });
    const url = `rclone:${server.remote}:offsite`;
    engine.profiles.add('nightly', profileSpecSchema.parse({ sources: [folder(src)], remotes: [{ url }] }), new Date().toISOString());
    const made = await engine.backup(request(out, [folder(src)], { profile: 'nightly' }));
    const record = engine.record(made.id);
    expect(await copyBackupToRemote(engine.env, record, remoteSpecSchema.parse({ url }))).toMatchObject({ state: 'VERIFIED' });

    // Unchanged: the scheduled check passes both.
    const services = makeServices(engine);
    const first = await verifyLatestBackup(services, 'nightly');
    expect(first.local).toBe(true);
    expect(first.remote.map((o) => o.state)).toEqual(['VERIFIED']);

    // Someone (or bit rot) changes the off-site object: same size, other bytes.
    const object = join(server.root, 'offsite', record.fileName);
    const bytes = await readFile(object);
    bytes[200] = (bytes[200] ?? 0) ^ 0xff;
    await writeFile(object, bytes);
    const second = await verifyLatestBackup(services, 'nightly');
    expect(second.local).toBe(true);
    expect(second.remote).toMatchObject([{ state: 'FAILED', errorCode: 'CHECKSUM_MISMATCH' }]);
    expect(new RemoteCopiesRepo(engine.env.catalog.db).list().map((r) => r.state)).toEqual(['FAILED']);
  });
});
