import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { remoteSpecSchema } from '../../../src-shared/domain/profile.js';
import type { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { startS3 } from '../../../test-support/remote-servers.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { defaultBackupDir } from '../home.js';
import { sha256File } from '../verify/verify-archive.js';
import type { RemoteContext } from './remote-copy.js';
import { fetchFromRemote, rebuildFromRemote } from './remote-fetch.js';
import { openDestination } from './open-destination.js';
import { makeSidecar } from './sidecar.js';

describe('hostile remote listings (adversary review)', () => {
  it('a remote archive named like a local backup never replaces that backup\'s file (rebuild-from, then fetch)', async () => {
    const s3 = await startS3();
    const secrets = { s3AccessKeyId: 'S3RVER', s3SecretAccessKey: 'S3RVER' };
    const spec = remoteSpecSchema.parse({ url: `s3://${s3.bucket}/hostile-${randomUUID().slice(0, 8)}`, s3Endpoint: s3.endpoint, s3Region: 'us-east-1', s3PathStyle: true });
    const ctx: RemoteContext = { secrets: () => secrets };

    // Another host's backup, and the laptop's own backup in its default backup folder.
    const other = await testEngine();
    const src = await tempDir();
    await writeFile(join(src, 'a.txt'), 'the other host');
    const theirs = other.engine.record((await other.engine.backup(request(other.out, [folder(src, { name: 'data' })]))).id);
    const laptop = await testEngine();
    const mineSrc = await tempDir();
    await writeFile(join(mineSrc, 'b.txt'), 'the laptop');
    const mine = laptop.engine.record((await laptop.engine.backup(request(defaultBackupDir(laptop.engine.env.home), [folder(mineSrc, { name: 'data' })]))).id);
    const mineBytes = await readFile(mine.path);

    // The remote holds the other host's archive under the laptop backup's file name, with a sidecar that says so.
    const manifest = await other.engine.manifestOf({ path: theirs.path, record: theirs });
    const dest = openDestination(spec, secrets);
    await dest.putSmall(mine.fileName, await readFile(theirs.path));
    await dest.putSmall(`${mine.fileName}.lifeboat.json`, Buffer.from(JSON.stringify(makeSidecar({ ...theirs, fileName: mine.fileName }, manifest, new Date().toISOString()))));
    await dest.close();

    const report = await rebuildFromRemote(laptop.engine.env, spec, { dryRun: false }, ctx);
    expect(report.entries.map((e) => e.verdict)).toEqual(['imported']);
    const rebuilt = laptop.engine.record(theirs.id);
    await fetchFromRemote(laptop.engine.env, rebuilt, undefined, ctx).catch(() => null);
    expect(await readFile(mine.path)).toEqual(mineBytes);
    expect(await sha256File(mine.path)).toBe(mine.sha256);
    // The other host's backup is still usable: its file is somewhere else, with its own bytes.
    const after = laptop.engine.record(theirs.id);
    expect(after.path).not.toBe(mine.path);
    expect(await sha256File(after.path)).toBe(theirs.sha256);

    // A row that already names the laptop backup's file (a catalog rebuilt before this check): the download refuses.
    laptop.engine.env.catalog.db.prepare('UPDATE backups SET path = ? WHERE id = ?').run(mine.path, theirs.id);
    const e = await fetchFromRemote(laptop.engine.env, laptop.engine.record(theirs.id), undefined, ctx).then(() => null, (x: unknown) => x as LifeboatError);
    expect(e?.code).toBe('DESTINATION_UNWRITABLE');
    expect(await sha256File(mine.path)).toBe(mine.sha256);
  });
});
