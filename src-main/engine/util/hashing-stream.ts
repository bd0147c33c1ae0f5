import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** A pass-through that SHA-256s and counts every byte on its way, so nothing is read twice. */
export class HashingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;

  /** `limit`: the stream fails with `limit.error()` as soon as more than `limit.bytes` pass (a download that must not outgrow what is known of it). */
  constructor(
    private readonly onBytes?: (n: number) => void,
    private readonly limit?: { readonly bytes: number; readonly error: () => Error },
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.limit && this.count + chunk.length > this.limit.bytes) {
      done(this.limit.error());
      return;
    }
    this.hash.update(chunk);
    this.count += chunk.length;
    this.onBytes?.(chunk.length);
    done(null, chunk);
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.count;
  }

  /** The hex digest; call once, after the stream ended. */
  digest(): string {
    return this.hash.digest('hex');
  }
}
