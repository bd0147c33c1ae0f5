import type { FileHandle } from 'node:fs/promises';
import { readAt } from '../../util/read-at.js';

const BLOCK = 4 * 1024 * 1024;

/**
 * Reads a file front to back in 4 MiB blocks with one block read ahead, handing out exact byte
 * ranges. Reading an archive this way costs one system call per 4 MiB instead of one per entry.
 */
export class SeqReader {
  private block: Buffer = Buffer.alloc(0);
  private blockStart = 0;
  private ahead: Promise<Buffer> | undefined;
  private aheadAt = 0;

  constructor(
    private readonly fh: FileHandle,
    private readonly end: number,
    /** Absolute offset of the next byte `take` returns. */
    public position = 0,
  ) {}

  private readAt(at: number): Promise<Buffer> {
    const length = Math.min(BLOCK, this.end - at);
    if (length <= 0) return Promise.resolve(Buffer.alloc(0));
    return readAt(this.fh, at, length);
  }

  /** Make the byte at `position` available in `block`. */
  private async fill(): Promise<void> {
    const at = this.position;
    if (this.ahead && this.aheadAt === at) {
      this.block = await this.ahead;
    } else {
      this.ahead?.catch(() => undefined);
      this.block = await this.readAt(at);
    }
    this.blockStart = at;
    this.aheadAt = at + this.block.length;
    this.ahead = this.aheadAt < this.end ? this.readAt(this.aheadAt) : undefined;
    this.ahead?.catch(() => undefined); // awaited by the next fill
    if (this.block.length === 0) throw new Error(`unexpected end of file at byte ${at}`);
  }

  private inBlock(): number {
    const rel = this.position - this.blockStart;
    return rel >= 0 && rel < this.block.length ? this.block.length - rel : 0;
  }

  /** Up to `max` bytes from the current position (at least one), without copying when possible. */
  async some(max: number): Promise<Buffer> {
    if (this.inBlock() === 0) await this.fill();
    const rel = this.position - this.blockStart;
    const n = Math.min(max, this.block.length - rel);
    this.position += n;
    return this.block.subarray(rel, rel + n);
  }

  /** Exactly `n` bytes (a view into the block when they fit, else a copy). */
  async take(n: number): Promise<Buffer> {
    if (n === 0) return Buffer.alloc(0);
    const first = await this.some(n);
    if (first.length === n) return first;
    const out = Buffer.allocUnsafe(n);
    first.copy(out, 0);
    let filled = first.length;
    while (filled < n) {
      const part = await this.some(n - filled);
      part.copy(out, filled);
      filled += part.length;
    }
    return out;
  }

  /** Move forward to `offset` (gaps between entries hold data descriptors or nothing). */
  async seek(offset: number): Promise<void> {
    if (offset < this.position) throw new Error(`cannot read backwards from ${this.position} to ${offset}`);
    this.position = offset;
  }
}
