import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { join } from 'node:path';
import { remoteSpecSchema } from '../../../src-shared/domain/profile.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { openDestination } from './open-destination.js';

/**
 * A hostile S3 endpoint on loopback: every GET answers 200 with a chunked body (no Content-Length)
 * of `serves` bytes. `served` counts what it actually wrote before the client went away.
 */
async function startChunkedS3(serves: number): Promise<{ endpoint: string; served: () => number }> {
  let served = 0;
  const piece = Buffer.alloc(64 * 1024, 0x7b);
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    let left = serves;
    const pump = (): void => {
      while (left > 0 && !res.destroyed) {
        const n = Math.min(piece.length, left);
        left -= n;
        served += n;
        if (!res.write(piece.subarray(0, n))) return void res.once('drain', pump);
      }
      res.end();
    };
    req.resume();
    res.on('close', () => (left = 0));
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  onTestFinished(() => void server.close());
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, served: () => served };
}

describe('an S3 endpoint that sends a body without a length', () => {
  it('a sidecar read without Content-Length is refused at its limit, not read into memory whole', async () => {
    const s3 = await startChunkedS3(256 * 1024 * 1024);
    const dest = openDestination(remoteSpecSchema.parse({ url: 's3://hostile-bucket/p', s3Endpoint: s3.endpoint, s3PathStyle: true }), { s3AccessKeyId: 'k', s3SecretAccessKey: 's' });
    onTestFinished(() => dest.close());
    await expect(dest.getSmall('x.zip.lifeboat.json', 64 * 1024)).rejects.toMatchObject({ code: 'REMOTE_FAILED' });
    expect(s3.served()).toBeLessThan(64 * 1024 * 1024);
  });

  it('an archive download without Content-Length stops at the catalog size instead of filling the disk', async () => {
    const s3 = await startChunkedS3(256 * 1024 * 1024);
    const dest = openDestination(remoteSpecSchema.parse({ url: 's3://hostile-bucket/p', s3Endpoint: s3.endpoint, s3PathStyle: true }), { s3AccessKeyId: 'k', s3SecretAccessKey: 's' });
    onTestFinished(() => dest.close());
    const local = join(await tempDir(), 'download');
    await expect(dest.get('x.zip', local, undefined, 1024 * 1024)).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect((await stat(local)).size).toBeLessThanOrEqual(1024 * 1024);
    expect(s3.served()).toBeLessThan(64 * 1024 * 1024);
  });

  it('a listing whose continuation tokens go round in a circle is refused, not paged forever', async () => {
    let pages = 0;
    const server = createServer((req, res) => {
      pages += 1;
      req.resume();
      if (pages > 200) {
        res.writeHead(500).end();
        return;
      }
      const token = pages % 2 === 0 ? 'A' : 'B';
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>hostile-bucket</Name><Prefix>p/</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated><NextContinuationToken>${token}</NextContinuationToken><Contents><Key>p/x${pages}.zip</Key><Size>1</Size></Contents></ListBucketResult>`,
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    onTestFinished(() => void server.close());
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dest = openDestination(remoteSpecSchema.parse({ url: 's3://hostile-bucket/p', s3Endpoint: endpoint, s3PathStyle: true }), { s3AccessKeyId: 'k', s3SecretAccessKey: 's' });
    onTestFinished(() => dest.close());
    await expect(dest.list()).rejects.toMatchObject({ code: 'REMOTE_FAILED', message: expect.stringContaining('continuation') });
    expect(pages).toBeLessThanOrEqual(3);
  });
});
