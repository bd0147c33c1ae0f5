import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type ObjectLockMode,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RemoteSpec } from '../../../src-shared/domain/profile.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { ErrorCode } from '../../../src-shared/errors/codes.js';
import type { UploadedPart } from '../catalog/remote-copies-repo.js';
import { faultPoint } from '../util/fault.js';
import { downloadLimit, type PutOptions, type RemoteDestination, type RemoteHash, type RemoteObject, type RemoteSecrets } from './destination.js';
import { BandwidthPacer, pacedBody } from './pacer.js';
import { HashingStream } from '../util/hashing-stream.js';

const MiB = 1024 * 1024;

const CODES: Readonly<Record<string, ErrorCode>> = {
  NoSuchBucket: 'REMOTE_NOT_FOUND',
  NoSuchKey: 'REMOTE_NOT_FOUND',
  NotFound: 'REMOTE_NOT_FOUND',
  InvalidAccessKeyId: 'REMOTE_AUTH_FAILED',
  SignatureDoesNotMatch: 'REMOTE_AUTH_FAILED',
  AccessDenied: 'REMOTE_AUTH_FAILED',
  CredentialsProviderError: 'REMOTE_AUTH_FAILED',
  ExpiredToken: 'REMOTE_AUTH_FAILED',
  EntityTooLarge: 'REMOTE_FULL',
  QuotaExceeded: 'REMOTE_FULL',
  XMinioStorageFull: 'REMOTE_FULL',
  BadDigest: 'CHECKSUM_MISMATCH',
  InvalidDigest: 'CHECKSUM_MISMATCH',
  XAmzContentSHA256Mismatch: 'CHECKSUM_MISMATCH',
  InvalidBucketName: 'REMOTE_NOT_FOUND',
};
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'TimeoutError', 'NetworkingError']);

/** Classify an AWS SDK error at its source. */
export function s3Error(e: unknown, id: string, doing: string): LifeboatError {
  if (e instanceof LifeboatError) return e;
  const err = e as { name?: string; Code?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = err.Code ?? err.name ?? '';
  const code: ErrorCode = CODES[name] ?? (NETWORK.has(err.code ?? '') || NETWORK.has(name) ? 'REMOTE_UNREACHABLE' : err.$metadata?.httpStatusCode === 404 ? 'REMOTE_NOT_FOUND' : 'REMOTE_FAILED');
  return new LifeboatError(code, `S3 ${doing} at ${id} failed: ${name ? `${name}: ` : ''}${err.message ?? String(e)}`, { remote: id, s3Code: name }, { cause: e });
}

function b64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

/** S3's checksum of a multipart object: SHA-256 over the parts' raw digests, then `-N`. */
export function compositeSha256(parts: readonly UploadedPart[]): string {
  const h = createHash('sha256');
  for (const p of [...parts].sort((a, b) => a.partNumber - b.partNumber)) h.update(Buffer.from(p.sha256, 'base64'));
  return `${h.digest('base64')}-${parts.length}`;
}

/** An S3-compatible bucket (AWS, MinIO, Ceph, R2, B2...) through the AWS SDK v3. */
export class S3Destination implements RemoteDestination {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly partSize: number;

  constructor(
    readonly id: string,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly spec: RemoteSpec,
    secrets: RemoteSecrets = {},
  ) {
    this.partSize = spec.s3PartSizeMiB * MiB;
    const explicit = secrets.s3AccessKeyId && secrets.s3SecretAccessKey;
    this.client = new S3Client({
      region: spec.s3Region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      ...(spec.s3Endpoint ? { endpoint: spec.s3Endpoint } : {}),
      forcePathStyle: spec.s3PathStyle,
      // Checksums are computed here and sent explicitly (x-amz-checksum-sha256 per part); the SDK's
      // own default (CRC32 over aws-chunked bodies) is refused by some S3-compatible servers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      ...(explicit
        ? { credentials: { accessKeyId: secrets.s3AccessKeyId ?? '', secretAccessKey: secrets.s3SecretAccessKey ?? '', ...(secrets.s3SessionToken ? { sessionToken: secrets.s3SessionToken } : {}) } }
        : {}),
    });
  }

  private key(name: string): string {
    return this.prefix ? `${this.prefix}/${name}` : name;
  }

  private lock(): { ObjectLockMode?: ObjectLockMode; ObjectLockRetainUntilDate?: Date } {
    if (!this.spec.s3ObjectLockDays) return {};
    return { ObjectLockMode: this.spec.s3ObjectLockMode, ObjectLockRetainUntilDate: new Date(Date.now() + this.spec.s3ObjectLockDays * 86_400_000) };
  }

  async put(localPath: string, name: string, opts: PutOptions): Promise<void> {
    const pacer = new BandwidthPacer(this.spec.bwlimitKiB);
    const fh = await open(localPath, 'r');
    try {
      if (opts.size <= this.partSize) {
        const body = Buffer.alloc(opts.size);
        await fh.read(body, 0, opts.size, 0);
        // Under a limit the body streams through the pacer in 64 KiB pieces (it is reported as it
        // goes); without one it is sent whole, which also lets the SDK retry it.
        const paced = pacer.limited ? pacedBody(body, pacer, (n) => opts.onBytes?.(n)) : body;
        await this.client
          .send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(name), Body: paced, ContentLength: opts.size, ChecksumSHA256: b64(opts.sha256), ...this.lock() }), { abortSignal: opts.signal })
          .catch((e: unknown) => {
            throw s3Error(e, this.id, `upload of ${name}`);
          });
        opts.journal?.started(null);
        if (!pacer.limited) opts.onBytes?.(opts.size);
        faultPoint('remote:uploading');
        return;
      }
      try {
        await this.multipart(fh, name, opts, pacer);
      } catch (e) {
        // The server forgot the upload we were resuming (expired, aborted by a lifecycle rule):
        // restart it cleanly from part 1.
        if ((e as { name?: string }).name !== 'NoSuchUpload' || !opts.journal?.uploadId) throw s3Error(e, this.id, `upload of ${name}`);
        await this.abort(name, opts.journal.uploadId);
        await this.multipart(fh, name, { ...opts, journal: { ...opts.journal, uploadId: null, parts: [], started: opts.journal.started.bind(opts.journal), partDone: opts.journal.partDone.bind(opts.journal) } }, pacer).catch((e2: unknown) => {
          throw s3Error(e2, this.id, `upload of ${name}`);
        });
      }
    } finally {
      await fh.close();
    }
  }

  private async multipart(fh: import('node:fs/promises').FileHandle, name: string, opts: PutOptions, pacer: BandwidthPacer): Promise<void> {
    const count = Math.ceil(opts.size / this.partSize);
    const done = new Map<number, UploadedPart>();
    // A resumed upload keeps the parts the catalog recorded, if they fit this file's part layout.
    const consistent = (opts.journal?.parts ?? []).every((p) => p.partNumber <= count && p.size === Math.min(this.partSize, opts.size - (p.partNumber - 1) * this.partSize));
    let uploadId = consistent ? (opts.journal?.uploadId ?? null) : null;
    if (uploadId) for (const p of opts.journal?.parts ?? []) done.set(p.partNumber, p);
    else {
      if (opts.journal?.uploadId) await this.abort(name, opts.journal.uploadId);
      const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key(name), ChecksumAlgorithm: 'SHA256', ...this.lock() }), { abortSignal: opts.signal });
      uploadId = created.UploadId ?? null;
      if (!uploadId) throw new LifeboatError('REMOTE_FAILED', `S3 at ${this.id} returned no upload id for ${name}.`, { remote: this.id });
      opts.journal?.started(uploadId);
    }
    for (const p of done.values()) opts.onBytes?.(p.size);
    const buf = Buffer.alloc(Math.min(this.partSize, opts.size));
    for (let n = 1; n <= count; n += 1) {
      if (done.has(n)) continue;
      opts.signal?.throwIfAborted();
      const offset = (n - 1) * this.partSize;
      const len = Math.min(this.partSize, opts.size - offset);
      const body = buf.subarray(0, len);
      await fh.read(body, 0, len, offset);
      const sha256 = createHash('sha256').update(body).digest('base64');
      // Paced within the part (64 KiB between waits), not after it: a 16 MiB part would otherwise
      // leave at full speed and the limit hold only as a long-run average.
      const r = await this.client.send(
        new UploadPartCommand({ Bucket: this.bucket, Key: this.key(name), UploadId: uploadId, PartNumber: n, Body: pacer.limited ? pacedBody(body, pacer, (b) => opts.onBytes?.(b)) : body, ContentLength: len, ChecksumSHA256: sha256 }),
        { abortSignal: opts.signal },
      );
      const part = { partNumber: n, etag: r.ETag ?? '', sha256, size: len };
      done.set(n, part);
      opts.journal?.partDone(part);
      if (!pacer.limited) opts.onBytes?.(len);
      faultPoint('remote:uploading');
    }
    const parts = [...done.values()].sort((a, b) => a.partNumber - b.partNumber);
    await this.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: this.key(name),
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag, ChecksumSHA256: p.sha256 })) },
      }),
      { abortSignal: opts.signal },
    );
  }

  /** Abort a stale multipart upload; servers without the call (or that forgot it) are fine. */
  private async abort(name: string, uploadId: string): Promise<void> {
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key(name), UploadId: uploadId })).catch(() => undefined);
  }

  async putSmall(name: string, body: Buffer): Promise<void> {
    const sha = createHash('sha256').update(body).digest('base64');
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(name), Body: body, ContentLength: body.length, ChecksumSHA256: sha, ContentType: 'application/json' })).catch((e: unknown) => {
      throw s3Error(e, this.id, `upload of ${name}`);
    });
  }

  async stat(name: string): Promise<{ size: number } | null> {
    try {
      const h = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
      return { size: h.ContentLength ?? 0 };
    } catch (e) {
      const err = s3Error(e, this.id, `stat of ${name}`);
      // HEAD has no body: a missing key and a missing bucket both come back as a bare 404.
      if (err.code === 'REMOTE_NOT_FOUND' && (e as { name?: string }).name !== 'NoSuchBucket') {
        await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, MaxKeys: 1 })).catch((e2: unknown) => {
          throw s3Error(e2, this.id, 'listing');
        });
        return null;
      }
      throw err;
    }
  }

  async hash(name: string, expect?: { sha256: string; parts: readonly UploadedPart[] }): Promise<RemoteHash> {
    const h = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(name), ChecksumMode: 'ENABLED' })).catch((e: unknown) => {
      throw s3Error(e, this.id, `checksum of ${name}`);
    });
    const server = h.ChecksumSHA256;
    if (server && expect) {
      // A whole-object checksum is the file's SHA-256; a multipart one is over the parts' digests.
      if (!server.includes('-')) return { sha256: Buffer.from(server, 'base64').toString('hex'), how: 'server-checksum' };
      if (expect.parts.length > 0 && server === compositeSha256(expect.parts)) return { sha256: expect.sha256, how: 'server-checksum' };
      if (expect.parts.length > 0) return { sha256: `composite:${server}`, how: 'server-checksum' };
    }
    // The server keeps no SHA-256 (s3rver, older MinIO) or we cannot compare: read it back.
    const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(name) })).catch((e: unknown) => {
      throw s3Error(e, this.id, `read-back of ${name}`);
    });
    const hs = new HashingStream();
    await pipeline(got.Body as Readable, hs, new Writable({ write: (_c, _e, cb) => cb() }));
    return { sha256: hs.digest(), how: 'read-back' };
  }

  async list(): Promise<RemoteObject[]> {
    const out: RemoteObject[] = [];
    const prefix = this.prefix ? `${this.prefix}/` : '';
    let token: string | undefined;
    // A continuation token seen before would page in a circle forever (a broken or hostile endpoint).
    const tokens = new Set<string>();
    do {
      const r = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token })).catch((e: unknown) => {
        throw s3Error(e, this.id, 'listing');
      });
      for (const o of r.Contents ?? []) if (o.Key && o.Key !== prefix) out.push({ name: o.Key.slice(prefix.length), size: o.Size ?? 0 });
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
      if (token !== undefined) {
        if (tokens.has(token)) throw new LifeboatError('REMOTE_FAILED', `S3 listing at ${this.id} failed: the server repeated a continuation token after ${out.length} objects, so its listing never ends. Check the endpoint.`, { remote: this.id });
        tokens.add(token);
      }
    } while (token);
    return out;
  }

  async get(name: string, localPath: string, onBytes?: (n: number) => void, maxBytes?: number): Promise<void> {
    const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(name) })).catch((e: unknown) => {
      throw s3Error(e, this.id, `download of ${name}`);
    });
    await pipeline(got.Body as Readable, new HashingStream(onBytes, downloadLimit(name, this.id, maxBytes)), createWriteStream(localPath, { flags: 'wx' }));
  }

  async getSmall(name: string, maxBytes: number): Promise<Buffer> {
    const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(name) })).catch((e: unknown) => {
      throw s3Error(e, this.id, `download of ${name}`);
    });
    const tooLarge = (): LifeboatError => new LifeboatError('REMOTE_FAILED', `${name} at ${this.id} is larger than ${maxBytes} bytes; it is not a Lifeboat sidecar.`, { remote: this.id });
    if ((got.ContentLength ?? 0) > maxBytes) {
      (got.Body as Readable).destroy();
      throw tooLarge();
    }
    // A body without Content-Length (chunked) is bounded as it arrives, never collected whole first.
    const chunks: Buffer[] = [];
    let n = 0;
    await pipeline(
      got.Body as Readable,
      new Writable({
        write: (chunk: Buffer, _e, cb) => {
          n += chunk.length;
          if (n > maxBytes) return cb(tooLarge());
          chunks.push(chunk);
          return cb();
        },
      }),
    ).catch((e: unknown) => {
      throw e instanceof LifeboatError ? e : s3Error(e, this.id, `download of ${name}`);
    });
    return Buffer.concat(chunks);
  }

  async delete(name: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(name) })).catch((e: unknown) => {
      throw s3Error(e, this.id, `delete of ${name}`);
    });
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
