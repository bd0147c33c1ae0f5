import { Transform, type TransformCallback } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A bandwidth limit kept on average: after each chunk is sent, wait until the bytes so far fit the
 * rate. Coarse (per part or per chunk) but needs nothing from the client library.
 */
export class BandwidthPacer {
  private readonly start = Date.now();
  private bytes = 0;

  constructor(private readonly kibPerSecond: number | null) {}

  /** `n` more bytes went out; resolves when the average is back under the limit. */
  async sent(n: number): Promise<void> {
    this.bytes += n;
    if (!this.kibPerSecond) return;
    const due = (this.bytes / (this.kibPerSecond * 1024)) * 1000;
    const wait = due - (Date.now() - this.start);
    if (wait > 0) await sleep(wait);
  }
}

/** A pass-through that paces a stream with a BandwidthPacer and reports each chunk. */
export class PacedStream extends Transform {
  private readonly pacer: BandwidthPacer;

  constructor(
    kibPerSecond: number | null,
    private readonly onChunk: (n: number) => void,
  ) {
    super();
    this.pacer = new BandwidthPacer(kibPerSecond);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.onChunk(chunk.length);
    this.pacer.sent(chunk.length).then(
      () => done(null, chunk),
      (e: unknown) => done(e as Error),
    );
  }
}
