import { randomBytes } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { profileSpecSchema, remoteSpecSchema } from '../../../src-shared/domain/profile.js';
import { folder, request } from '../../../test-support/engine.js';
import { startS3 } from '../../../test-support/remote-servers.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { writeTree } from '../../../test-support/tree.js';
import { LifeboatEngine } from '../lifeboat-engine.js';
import { RemoteCopiesRepo } from '../catalog/remote-copies-repo.js';
import { openDestination } from './open-destination.js';
import { syncRemotes, type RemoteContext } from './remote-copy.js';
import { pruneRemotes } from './remote-retention.js';

const DAY = 86_400_000;

describe('remote retention and sync', () => {
  it('keepDays per remote: the dry run lists what the remote would delete and deletes nothing; the run deletes the old copy and its sidecar but never the newest verified one', async () => {
    const s3 = await startS3();
    const home = await tempDir('lifeboat-home-');
    let now = Date.parse('2026-11-01T10:00:00Z');
    const engine = await LifeboatEngine.open({ home, now: () => new Date(now) });
    onTestFinished(() => engine.close());
    const src = await tempDir();
    await writeTree(src, { 'a.bin': randomBytes(4096) });
    const url = `s3://${s3.bucket}/keep`;
    const remote = { url, s3Endpoint: s3.endpoint, s3PathStyle: true, keepDays: 3 };
    engine.profiles.add('office', profileSpecSchema.parse({ sources: [folder(src, { name: 'data' })], remotes: [remote] }), new Date(now).toISOString());
    const ctx: RemoteContext = { secrets: () => ({ s3AccessKeyId: 'S3RVER', s3SecretAccessKey: 'S3RVER' }) };

    // Two backups 5 days apart, each uploaded by `remote sync` (it picks up the profile's backups without a copy).
    const first = await engine.backup(request(`${home}/backups`, [folder(src, { name: 'data' })], { profile: 'office' }));
    expect((await syncRemotes(engine.env, { profile: 'office' }, ctx)).map((o) => [o.backupId, o.state])).toEqual([[first.id, 'VERIFIED']]);
    now += 5 * DAY;
    const second = await engine.backup(request(`${home}/backups`, [folder(src, { name: 'data' })], { profile: 'office' }));
    expect((await syncRemotes(engine.env, { profile: 'office' }, ctx)).map((o) => [o.backupId, o.state])).toEqual([[second.id, 'VERIFIED']]);

    now += 5 * DAY;
    const dry = await pruneRemotes(engine.env, { dryRun: true }, ctx);
    expect(dry.map((d) => [d.backupId, d.keep, d.reason])).toEqual([
      [second.id, true, 'newest verified copy on this remote'],
      [first.id, false, 'older than 3 days'],
    ]);
    const dest = openDestination(remoteSpecSchema.parse(remote), { s3AccessKeyId: 'S3RVER', s3SecretAccessKey: 'S3RVER' });
    onTestFinished(() => dest.close());
    expect((await dest.list()).length).toBe(4);

    const real = await pruneRemotes(engine.env, { dryRun: false }, ctx);
    expect(real.filter((d) => !d.keep).map((d) => [d.backupId, d.error])).toEqual([[first.id, null]]);
    expect((await dest.list()).map((o) => o.name).sort()).toEqual([second.fileName, `${second.fileName}.lifeboat.json`].sort());
    const repo = new RemoteCopiesRepo(engine.env.catalog.db);
    expect(repo.list().map((r) => r.backupId)).toEqual([second.id]);
    // The local backup is the local rules' business: still there.
    expect(engine.record(first.id).status).toBe('COMPLETED');

    // A pruned copy is not uploaded again by the next sync (it is older than the remote keeps).
    expect(await syncRemotes(engine.env, {}, ctx)).toEqual([]);
  });
});
