import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { remoteSpecSchema, type RemoteSpec } from '../../../src-shared/domain/profile.js';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { startS3 } from '../../../test-support/remote-servers.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { describeTree, writeTree } from '../../../test-support/tree.js';
import { RemoteCopiesRepo } from '../catalog/remote-copies-repo.js';
import type { RemoteSecrets } from './destination.js';
import { copyBackupToRemote, verifyRemotes, type RemoteContext } from './remote-copy.js';
import { fetchFromRemote, rebuildFromRemote } from './remote-fetch.js';
import { openDestination } from './open-destination.js';

const MiB = 1024 * 1024;

/** An S3 endpoint to run the suite against: s3rver on loopback, or the one in LIFEBOAT_TEST_S3_*. */
interface S3Target {
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  readonly secrets: RemoteSecrets;
}

const envTarget: S3Target | null = process.env.LIFEBOAT_TEST_S3_ENDPOINT
  ? {
      endpoint: process.env.LIFEBOAT_TEST_S3_ENDPOINT,
      bucket: process.env.LIFEBOAT_TEST_S3_BUCKET ?? 'lifeboat-test',
      region: process.env.LIFEBOAT_TEST_S3_REGION ?? 'us-east-1',
      secrets: { s3AccessKeyId: process.env.LIFEBOAT_TEST_S3_ACCESS_KEY_ID ?? '', s3SecretAccessKey: process.env.LIFEBOAT_TEST_S3_SECRET_ACCESS_KEY ?? '' },
    }
  : null;

async function s3rverTarget(): Promise<S3Target> {
  const s = await startS3();
  return { endpoint: s.endpoint, bucket: s.bucket, region: 'us-east-1', secrets: { s3AccessKeyId: 'S3RVER', s3SecretAccessKey: 'S3RVER' } };
}

function spec(t: S3Target, prefix: string, extra: Partial<RemoteSpec> = {}): RemoteSpec {
  return remoteSpecSchema.parse({ url: `s3://${t.bucket}/${prefix}`, s3Endpoint: t.endpoint, s3Region: t.region, s3PathStyle: true, s3PartSizeMiB: 5, ...extra });
}

/** A backup of a folder holding `bytes` of random (incompressible) data. */
async function bigBackup(bytes: number) {
  const t = await testEngine();
  const src = await tempDir();
  await writeTree(src, { 'blob.bin': randomBytes(bytes), 'notes.txt': 'hello' });
  const made = await t.engine.backup(request(t.out, [folder(src, { name: 'data' })], { compressionLevel: 0 }));
  return { ...t, src, made, record: t.engine.record(made.id) };
}

function s3Suite(name: string, target: () => Promise<S3Target>): void {
  describe(name, () => {
    it('uploads a >10 MiB archive in 5 MiB parts, checks size and SHA-256 on the remote, and records VERIFIED with the sidecar beside it', async () => {
      const t = await target();
      const { engine, record } = await bigBackup(12 * MiB);
      const ctx: RemoteContext = { secrets: () => t.secrets };
      const s = spec(t, `run-${randomUUID().slice(0, 8)}`);
      const out = await copyBackupToRemote(engine.env, record, s, ctx);
      expect(out).toMatchObject({ state: 'VERIFIED', errorCode: null });
      expect(['server-checksum', 'read-back']).toContain(out.howChecked);
      const row = new RemoteCopiesRepo(engine.env.catalog.db).get(record.id, out.remoteId);
      expect(row?.parts.map((p) => p.partNumber)).toEqual([1, 2, 3]);
      const names = (await openDestination(s, t.secrets).list()).map((o) => o.name).sort();
      expect(names).toEqual([record.fileName, `${record.fileName}.lifeboat.json`]);
    });

    it('flags a remote object changed after upload as FAILED on the next verify (same size, other bytes)', async () => {
      const t = await target();
      const { engine, record } = await bigBackup(1 * MiB);
      const ctx: RemoteContext = { secrets: () => t.secrets };
      const prefix = `tamper-${randomUUID().slice(0, 8)}`;
      const first = await copyBackupToRemote(engine.env, record, spec(t, prefix), ctx);
      expect(first.state).toBe('VERIFIED');
      const client = new S3Client({ endpoint: t.endpoint, region: t.region, forcePathStyle: true, credentials: { accessKeyId: t.secrets.s3AccessKeyId ?? '', secretAccessKey: t.secrets.s3SecretAccessKey ?? '' } });
      await client.send(new PutObjectCommand({ Bucket: t.bucket, Key: `${prefix}/${record.fileName}`, Body: randomBytes(record.size ?? 0) }));
      client.destroy();
      const [checked] = await verifyRemotes(engine.env, {}, ctx);
      expect(checked).toMatchObject({ state: 'FAILED', errorCode: 'CHECKSUM_MISMATCH' });
      expect(checked?.reason).toContain('changed after upload');
    });

    it('a cancelled verify stops without touching any copy: a VERIFIED copy stays VERIFIED, nothing is marked FAILED CANCELLED', async () => {
      const t = await target();
      const { engine, record } = await bigBackup(64 * 1024);
      const ctx: RemoteContext = { secrets: () => t.secrets };
      const first = await copyBackupToRemote(engine.env, record, spec(t, `cancel-${randomUUID().slice(0, 8)}`), ctx);
      expect(first.state).toBe('VERIFIED');
      const abort = new AbortController();
      abort.abort();
      expect(await verifyRemotes(engine.env, {}, { ...ctx, signal: abort.signal })).toEqual([]);
      expect(new RemoteCopiesRepo(engine.env.catalog.db).get(record.id, first.remoteId)).toMatchObject({ state: 'VERIFIED', errorCode: null });
    });

    it('records wrong credentials as FAILED REMOTE_AUTH_FAILED and keeps the local backup', async () => {
      const t = await target();
      const { engine, record } = await bigBackup(64 * 1024);
      const out = await copyBackupToRemote(engine.env, record, spec(t, 'auth'), { secrets: () => ({ s3AccessKeyId: 'WRONG', s3SecretAccessKey: 'WRONG' }) });
      expect(out).toMatchObject({ state: 'FAILED', errorCode: 'REMOTE_AUTH_FAILED' });
      expect(engine.record(record.id).status).toBe('COMPLETED');
    });

    it('records a missing bucket as FAILED REMOTE_NOT_FOUND naming the bucket', async () => {
      const t = await target();
      const { engine, record } = await bigBackup(64 * 1024);
      const out = await copyBackupToRemote(engine.env, record, remoteSpecSchema.parse({ ...spec(t, 'x'), url: 's3://no-such-bucket-lifeboat/x' }), { secrets: () => t.secrets });
      expect(out).toMatchObject({ state: 'FAILED', errorCode: 'REMOTE_NOT_FOUND' });
      expect(out.reason).toContain('NoSuchBucket');
    });

    it('rebuilds a new catalog from the bucket (foreign files reported, not imported) and restores from the remote after the local copy is gone', async () => {
      const t = await target();
      const { engine, record, src } = await bigBackup(6 * MiB);
      const s = spec(t, `rebuild-${randomUUID().slice(0, 8)}`);
      const ctx: RemoteContext = { secrets: () => t.secrets };
      expect((await copyBackupToRemote(engine.env, record, s, ctx)).state).toBe('VERIFIED');
      const dest = openDestination(s, t.secrets);
      await dest.putSmall('holiday.jpg', Buffer.from('not ours'));
      await dest.putSmall('other.zip', Buffer.from('PK no sidecar'));
      await dest.putSmall('evil.zip.lifeboat.json', Buffer.from(JSON.stringify({ kind: 'lifeboat-remote-copy', fileName: '../../etc/passwd' })));
      await dest.close();

      const laptop = await testEngine();
      const report = await rebuildFromRemote(laptop.engine.env, s, { dryRun: false }, ctx);
      const verdicts = Object.fromEntries(report.entries.map((e) => [e.name, e.verdict]));
      expect(verdicts).toEqual({ [record.fileName]: 'imported', 'holiday.jpg': 'foreign', 'other.zip': 'foreign', 'evil.zip.lifeboat.json': 'problem' });
      expect(report.hosts).toEqual([{ host: record.host, backups: 1 }]);
      const rebuilt = laptop.engine.record(record.id);
      expect(rebuilt).toMatchObject({ sha256: record.sha256, size: record.size, status: 'COMPLETED', host: record.host });
      expect(laptop.engine.history({}).total).toBe(1);

      // The laptop has no local archive: restore downloads it, checks the SHA-256, then restores.
      const fetched = await fetchFromRemote(laptop.engine.env, rebuilt, undefined, ctx);
      expect(fetched.sha256).toBe(record.sha256);
      const to = join(await tempDir(), 'restored');
      await laptop.engine.restore(await laptop.engine.resolve(record.id), { toDir: to });
      expect(await describeTree(to)).toEqual(await describeTree(src));

      // Same on the first machine after its local copy was deleted.
      await rm(record.path);
      await fetchFromRemote(engine.env, record, undefined, ctx);
      const to2 = join(await tempDir(), 'restored2');
      await engine.restore(await engine.resolve(record.id), { toDir: to2 });
      expect(await describeTree(to2)).toEqual(await describeTree(src));
    });
  });
}

s3Suite('S3 remote (s3rver on loopback)', s3rverTarget);
if (envTarget) s3Suite(`S3 remote (${envTarget.endpoint} from LIFEBOAT_TEST_S3_*)`, async () => envTarget);
else describe.skip('S3 remote (LIFEBOAT_TEST_S3_ENDPOINT not set: no external S3 endpoint to run the same suite against)', () => it('skipped', () => undefined));
