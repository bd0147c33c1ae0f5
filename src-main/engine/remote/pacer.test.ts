import { randomBytes, randomUUID } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { remoteSpecSchema } from '../../../src-shared/domain/profile.js';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { startS3 } from '../../../test-support/remote-servers.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { writeTree } from '../../../test-support/tree.js';
import { BandwidthPacer, MAX_PACED_CHUNK, PacedStream, pacedBody, type PacerClock } from './pacer.js';
import { copyBackupToRemote } from './remote-copy.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** A clock that only moves when told to or when the pacer sleeps; records every sleep. */
function fakeClock(): PacerClock & { t: number; sleeps: number[] } {
  const c = {
    t: 0,
    sleeps: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => {
      c.sleeps.push(ms);
      c.t += ms;
    },
  };
  return c;
}

describe('bandwidth pacer arithmetic (fake clock)', () => {
  it('holds the average exactly: 10 × 64 KiB at 64 KiB/s over an instant link take 10 s, one 1 s wait per chunk', async () => {
    const clock = fakeClock();
    const pacer = new BandwidthPacer(64, clock);
    for (let i = 0; i < 10; i += 1) await pacer.sent(64 * KiB);
    expect(clock.t).toBe(10_000);
    expect(clock.sleeps).toEqual(Array.from({ length: 10 }, () => 1000));
  });

  it('idle or slow time is not banked as credit: after a 2 s stall the next chunk still waits its whole slot (no full-speed burst)', async () => {
    const clock = fakeClock();
    const pacer = new BandwidthPacer(100, clock);
    await pacer.sent(50 * KiB); // slot: 500 ms
    expect(clock.sleeps).toEqual([500]);
    clock.t += 2000; // the link stalled
    expect(pacer.book(50 * KiB)).toBe(500);
    expect(pacer.book(50 * KiB)).toBe(1000); // back to back: the second waits behind the first
  });

  it('never lets more bytes out by any moment than the rate allows since the first byte', async () => {
    const clock = fakeClock();
    const pacer = new BandwidthPacer(256, clock);
    let sent = 0;
    const start = clock.t;
    for (const n of [1, 70_000, 3, 65_536, 12_345, 65_536, 65_536, 999]) {
      // Some chunks take longer on the wire than their slot.
      clock.t += n % 2 ? 40 : 0;
      sent += n;
      await pacer.sent(n);
      expect(sent).toBeLessThanOrEqual(((clock.t - start) / 1000) * 256 * KiB + 1e-6);
    }
  });

  it('no limit: no waits, no splitting', async () => {
    const clock = fakeClock();
    const pacer = new BandwidthPacer(null, clock);
    await pacer.sent(100 * MiB);
    expect(clock.sleeps).toEqual([]);
    const seen: number[] = [];
    await pipeline(Readable.from([Buffer.alloc(MiB)]), new PacedStream(null, (n) => seen.push(n)), new Writable({ write: (_c, _e, cb) => cb() }));
    expect(seen).toEqual([MiB]);
  });

  it('PacedStream cuts large chunks to 64 KiB with a wait between each, and the bytes pass unchanged', async () => {
    const clock = fakeClock();
    const data = randomBytes(MiB + 5);
    const seen: number[] = [];
    const out: Buffer[] = [];
    await pipeline(
      Readable.from([data.subarray(0, MiB), data.subarray(MiB)]),
      new PacedStream(new BandwidthPacer(512, clock), (n) => seen.push(n)),
      new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }),
    );
    expect(Buffer.concat(out).equals(data)).toBe(true);
    expect(Math.max(...seen)).toBe(MAX_PACED_CHUNK);
    expect(seen.reduce((a, b) => a + b, 0)).toBe(MiB + 5);
    expect(clock.sleeps).toHaveLength(seen.length);
    expect(clock.t).toBeCloseTo(((MiB + 5) / (512 * KiB)) * 1000, 6);
  });

  it('an S3 part body streams through the pacer in 64 KiB pieces', async () => {
    const clock = fakeClock();
    const part = randomBytes(5 * MiB);
    const seen: number[] = [];
    const out: Buffer[] = [];
    await pipeline(pacedBody(part, new BandwidthPacer(1024, clock), (n) => seen.push(n)), new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }));
    expect(Buffer.concat(out).equals(part)).toBe(true);
    expect(seen.every((n) => n <= MAX_PACED_CHUNK)).toBe(true);
    expect(clock.t).toBeCloseTo(5000, 6);
  });
});

describe('S3 uploads under a bandwidth limit (s3rver on loopback)', () => {
  it('hand the body to the server in ≤64 KiB paced pieces, single-request and multipart alike, and verify', async () => {
    const s3 = await startS3();
    const { engine, out } = await testEngine();
    for (const bytes of [700 * KiB, 11 * MiB]) {
      const src = await tempDir();
      await writeTree(src, { 'blob.bin': randomBytes(bytes) });
      const record = engine.record((await engine.backup(request(out, [folder(src, { name: 'data' })], { compressionLevel: 0 }))).id);
      // A high limit keeps the test quick; the pacing path is the same at any rate.
      const spec = remoteSpecSchema.parse({ url: `s3://${s3.bucket}/bw-${randomUUID().slice(0, 8)}`, s3Endpoint: s3.endpoint, s3Region: 'us-east-1', s3PathStyle: true, s3PartSizeMiB: 5, bwlimitKiB: 1_000_000 });
      let last = 0;
      const steps: number[] = [];
      const outcome = await copyBackupToRemote(engine.env, record, spec, {
        secrets: () => ({ s3AccessKeyId: 'S3RVER', s3SecretAccessKey: 'S3RVER' }),
        onProgress: (p) => {
          steps.push(p.bytesDone - last);
          last = p.bytesDone;
        },
      });
      expect(outcome).toMatchObject({ state: 'VERIFIED' });
      expect(Math.max(...steps)).toBeLessThanOrEqual(MAX_PACED_CHUNK);
      expect(last).toBe(record.size);
    }
  });
});
