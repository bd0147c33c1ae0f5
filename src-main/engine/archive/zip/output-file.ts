import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { addTime } from '../../util/phase-times.js';

const FLUSH_AT = 4 * 1024 * 1024;
/** Writes queued behind the disk before `write` callers are asked to wait. */
const MAX_QUEUED = 4;

/** writev may write less than asked (a filling disk); write the rest until done or an error (ENOSPC). */
async function writeAll(fh: FileHandle, bufs: Buffer[]): Promise<void> {
  let rest = bufs;
  for (;;) {
    const total = rest.reduce((n, b) => n + b.length, 0);
    const { bytesWritten } = await fh.writev(rest);
    if (bytesWritten >= total) return;
    let skip = bytesWritten;
    const next: Buffer[] = [];
    for (const b of rest) {
      if (skip >= b.length) skip -= b.length;
      else {
        next.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
    }
    rest = next;
  }
}

/**
 * An append-only file that gathers small pieces into large writes and SHA-256s every byte in
 * the order written, so the whole-archive checksum costs no second read.
 */
export class OutputFile {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private queued = 0;
  private writing: Promise<void> = Promise.resolve();
  private readonly hash = createHash('sha256');
  offset = 0;

  private constructor(private readonly fh: FileHandle) {}

  /** Create `path` (never overwriting an existing file). */
  static async create(path: string): Promise<OutputFile> {
    return new OutputFile(await open(path, 'wx'));
  }

  write(buf: Buffer): void {
    if (buf.length === 0) return;
    const t = performance.now();
    this.hash.update(buf);
    addTime('archive-hash', performance.now() - t);
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    this.offset += buf.length;
    if (this.pendingBytes >= FLUSH_AT) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const bufs = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.queued += 1;
    this.writing = this.writing.then(async () => {
      const t = performance.now();
      try {
        await writeAll(this.fh, bufs);
      } finally {
        addTime('write', performance.now() - t);
        this.queued -= 1;
      }
    });
    // The error is reported by ready()/finish(); this only marks the chain as observed.
    this.writing.catch(() => undefined);
  }

  /** Resolves when the disk has caught up enough; rejects with the first write error. */
  async ready(): Promise<void> {
    if (this.queued >= MAX_QUEUED) await this.writing;
  }

  /** Flush, fsync and close; returns the size and SHA-256 of everything written. */
  async finish(): Promise<{ size: number; sha256: string }> {
    this.flush();
    await this.writing;
    const t = performance.now();
    await this.fh.sync();
    addTime('write', performance.now() - t);
    await this.fh.close();
    return { size: this.offset, sha256: this.hash.digest('hex') };
  }

  async abort(): Promise<void> {
    await this.writing.catch(() => undefined);
    await this.fh.close().catch(() => undefined);
  }
}
