import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import { gzip } from 'node:zlib';
import { addTime } from '../../util/phase-times.js';

/** Bytes of input per gzip member: large enough that the lost cross-block history costs ~1%. */
export const MEMBER_BYTES = 1024 * 1024;

function gzipMember(data: Buffer, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) => gzip(data, { level }, (e, out) => (e ? reject(e) : resolve(out))));
}

/**
 * gzip on every core, the pigz way: the input is cut into MEMBER_BYTES blocks, each compressed
 * as an independent gzip member on libuv's thread pool, and the members are written in order.
 * RFC 1952 allows a file of several members and every gzip reader (gzip -d, tar -xzf, Node's
 * gunzip, node-tar) reads them as one stream. At most `inFlight` blocks are compressed at once:
 * memory stays at about 2 × inFlight × MEMBER_BYTES whatever the archive's size.
 */
export class ParallelGzip {
  private block: Buffer[] = [];
  private blockBytes = 0;
  /** Members in input order: each resolves once written to `out`. */
  private readonly queue: Promise<void>[] = [];
  private written: Promise<void> = Promise.resolve();
  private members = 0;

  constructor(
    private readonly out: Writable,
    private readonly level: number,
    private readonly inFlight = Math.max(2, availableParallelism() + 1),
  ) {}

  /** Take `chunk`; resolves when it may be reused and the pipeline has room for more. */
  async write(chunk: Buffer): Promise<void> {
    let rest = chunk;
    while (rest.length > 0) {
      const take = Math.min(rest.length, MEMBER_BYTES - this.blockBytes);
      // Copied: callers reuse their buffers once write resolves.
      this.block.push(Buffer.from(rest.subarray(0, take)));
      this.blockBytes += take;
      rest = rest.subarray(take);
      if (this.blockBytes >= MEMBER_BYTES) await this.cut();
    }
  }

  /** Compress the current block as one member (in parallel with the others), written in its turn. */
  private async cut(): Promise<void> {
    // An empty input is still a gzip file: one empty member.
    if (this.blockBytes === 0 && this.members > 0) return;
    this.members += 1;
    const data = this.block.length === 1 && this.block[0] ? this.block[0] : Buffer.concat(this.block, this.blockBytes);
    this.block = [];
    this.blockBytes = 0;
    const t = performance.now();
    const member = gzipMember(data, this.level).then((m) => {
      addTime('compress', performance.now() - t);
      return m;
    });
    member.catch(() => undefined); // surfaced through `written`
    const written = this.written.then(async () => this.put(await member));
    written.catch(() => undefined); // surfaced by the next wait or by end()
    this.written = written;
    this.queue.push(written);
    if (this.queue.length >= this.inFlight) await this.queue.shift();
  }

  private async put(member: Buffer): Promise<void> {
    if (this.out.write(member)) return;
    await new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        this.out.off('error', onError);
        resolve();
      };
      const onError = (e: Error): void => {
        this.out.off('drain', onDrain);
        reject(e);
      };
      this.out.once('drain', onDrain);
      this.out.once('error', onError);
    });
  }

  /** Compress what is left, write every member, then end `out`. */
  async end(): Promise<void> {
    await this.cut();
    await this.written;
    this.out.end();
  }
}
