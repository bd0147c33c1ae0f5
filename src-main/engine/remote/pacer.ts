import { Readable, Transform, type TransformCallback } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/** The most bytes sent between two waits: a limit holds within a fraction of a second, not per 16 MiB part. */
export const MAX_PACED_CHUNK = 64 * 1024;

/** Time for a pacer: the real clock, or a fake one in tests (no timed assertions). */
export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const REAL_CLOCK: PacerClock = { now: () => performance.now(), sleep: (ms) => sleep(ms) };

/**
 * A bandwidth limit per remote: every chunk books the next slot of `n / rate` on a timeline and
 * the sender waits until its slot has passed. So the bytes sent by any moment never exceed what
 * the rate allows since the first one (the average holds), and time the link spent idle (a slow
 * server, a stall) is not banked as credit for a later full-speed burst.
 */
export class BandwidthPacer {
  /** When the bytes booked so far are paid for, on the clock's timeline; null before the first chunk. */
  private next: number | null = null;

  constructor(
    private readonly kibPerSecond: number | null,
    private readonly clock: PacerClock = REAL_CLOCK,
  ) {}

  /** Whether there is a limit at all (no limit: no splitting, no waiting). */
  get limited(): boolean {
    return this.kibPerSecond !== null && this.kibPerSecond > 0;
  }

  /** Book `n` bytes just sent; returns how long the sender must wait before sending more. */
  book(n: number): number {
    if (!this.limited || n <= 0) return 0;
    const now = this.clock.now();
    this.next = Math.max(this.next ?? now, now) + (n / ((this.kibPerSecond ?? 1) * 1024)) * 1000;
    return this.next - now;
  }

  /** `n` more bytes went out; resolves when the limit allows the next ones. */
  async sent(n: number): Promise<void> {
    const wait = this.book(n);
    if (wait > 0) await this.clock.sleep(wait);
  }
}

/** Cut a buffer into pieces of at most MAX_PACED_CHUNK (views, no copies). */
function* pieces(chunk: Buffer): Generator<Buffer> {
  for (let at = 0; at < chunk.length; at += MAX_PACED_CHUNK) yield chunk.subarray(at, at + MAX_PACED_CHUNK);
}

/**
 * A pass-through that paces a stream and reports each chunk. Under a limit, chunks are cut to at
 * most 64 KiB and each waits for its slot, so a limit holds smoothly whatever the source's chunks.
 */
export class PacedStream extends Transform {
  private readonly pacer: BandwidthPacer;

  constructor(
    limit: number | null | BandwidthPacer,
    private readonly onChunk: (n: number) => void,
  ) {
    super();
    this.pacer = limit instanceof BandwidthPacer ? limit : new BandwidthPacer(limit);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.pacer.limited) {
      this.onChunk(chunk.length);
      done(null, chunk);
      return;
    }
    void (async () => {
      for (const piece of pieces(chunk)) {
        this.onChunk(piece.length);
        this.push(piece);
        await this.pacer.sent(piece.length);
      }
    })().then(
      () => done(),
      (e: unknown) => done(e as Error),
    );
  }
}

/**
 * A buffer (an S3 part) as a stream paced by `pacer`: at most 64 KiB between waits, each piece
 * reported as it is handed to the HTTP client.
 */
export function pacedBody(body: Buffer, pacer: BandwidthPacer, onChunk: (n: number) => void): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    for (const piece of pieces(body)) {
      yield piece;
      onChunk(piece.length);
      await pacer.sent(piece.length);
    }
  }
  return Readable.from(gen(), { objectMode: false });
}
