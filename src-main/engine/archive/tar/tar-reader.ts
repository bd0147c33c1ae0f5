import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { BLOCK, isZeroBlock, parseHeader, parsePax, tarTime, TYPE } from './tar-format.js';

/** One entry as its headers (pax and GNU long names applied) describe it. */
export interface TarEntry {
  readonly path: string;
  /** The type flag: '0' file, '5' directory, '2' symlink, '1' hardlink, ... */
  readonly type: string;
  readonly size: number;
  readonly mode: number;
  readonly mtime: Date;
  readonly linkpath: string;
}

/** Pax and GNU long-name headers are small; bigger ones are refused rather than buffered. */
const MAX_META_BYTES = 1024 * 1024;

/** A tar that cannot be read as one; the caller words it as ARCHIVE_INVALID. */
export class TarFormatError extends Error {}

/** Pulls exact byte counts out of an async stream of chunks. */
class PullReader {
  private buffered: Buffer[] = [];
  private length = 0;
  private ended = false;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  private async more(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.source.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    if (next.value.length > 0) {
      this.buffered.push(next.value);
      this.length += next.value.length;
    }
    return true;
  }

  /** Exactly `n` bytes, or fewer only at the end of the stream. */
  async take(n: number): Promise<Buffer> {
    while (this.length < n && (await this.more()));
    const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
    const out = all.subarray(0, Math.min(n, all.length));
    const rest = all.subarray(out.length);
    this.buffered = rest.length > 0 ? [rest] : [];
    this.length = rest.length;
    return out;
  }

  /** `n` bytes as they arrive, in chunks; throws if the stream ends first. */
  async *chunks(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.length === 0 && !(await this.more())) throw new TarFormatError(`the archive ends ${left} bytes before an entry's declared end (truncated)`);
      if (this.length === 0) continue;
      const head = this.buffered[0]!;
      const part = head.length <= left ? head : head.subarray(0, left);
      if (part === head) this.buffered.shift();
      else this.buffered[0] = head.subarray(left);
      this.length -= part.length;
      left -= part.length;
      yield part;
    }
  }

  async skip(n: number): Promise<void> {
    for await (const chunk of this.chunks(n)) void chunk;
  }
}

/**
 * Read a tar.gz front to back and visit each entry with a stream of exactly its declared bytes
 * (`null` for entries without data, or when `withData` is false). An entry's data is framed by
 * its header's size, so no entry can inflate past what it declares; the gzip layer has no ratio
 * limit, so honest, highly compressible data reads like any other. Unread data is skipped.
 */
export async function walkTarGz(path: string, withData: boolean, visit: (entry: TarEntry, data: AsyncIterable<Buffer> | null) => Promise<void>): Promise<void> {
  const gunzip = createReadStream(path, { highWaterMark: 1024 * 1024 }).pipe(createGunzip({ chunkSize: 256 * 1024 }));
  const reader = new PullReader(gunzip[Symbol.asyncIterator]() as AsyncIterator<Buffer>);
  let pax = new Map<string, string>();
  let longName: Buffer | undefined;
  let longLink: Buffer | undefined;
  try {
    for (;;) {
      const block = await reader.take(BLOCK);
      if (block.length === 0) break; // no end marker: accepted, as GNU tar does (with a warning there)
      if (block.length < BLOCK) throw new TarFormatError('the archive ends inside a header (truncated)');
      if (isZeroBlock(block)) break; // the end marker; anything after it is not read
      const h = parseHeader(block);
      if (typeof h === 'string') throw new TarFormatError(h);
      const padded = h.size + ((BLOCK - (h.size % BLOCK)) % BLOCK);
      if (h.type === TYPE.pax || h.type === TYPE.paxGlobal || h.type === TYPE.gnuLongName || h.type === TYPE.gnuLongLink) {
        if (h.size > MAX_META_BYTES) throw new TarFormatError(`a metadata header declares ${h.size} bytes, more than the ${MAX_META_BYTES} accepted`);
        const body = await reader.take(padded);
        if (body.length < padded) throw new TarFormatError('the archive ends inside a metadata header (truncated)');
        const data = body.subarray(0, h.size);
        if (h.type === TYPE.pax) {
          const parsed = parsePax(data);
          if (typeof parsed === 'string') throw new TarFormatError(parsed);
          pax = parsed;
        } else if (h.type === TYPE.gnuLongName) longName = trimNul(data);
        else if (h.type === TYPE.gnuLongLink) longLink = trimNul(data);
        // Global pax headers hold defaults (charset, comments) that change nothing Lifeboat reads.
        continue;
      }
      const paxSize = pax.get('size');
      const size = paxSize !== undefined ? Number(paxSize) : h.size;
      if (!Number.isSafeInteger(size) || size < 0) throw new TarFormatError(`a pax size record says "${paxSize}"`);
      const entry: TarEntry = {
        path: pax.get('path') ?? (longName ?? h.name).toString('utf8'),
        type: h.type,
        size,
        mode: h.mode,
        mtime: paxTime(pax.get('mtime')) ?? h.mtime,
        linkpath: pax.get('linkpath') ?? (longLink ?? h.linkname).toString('utf8'),
      };
      pax = new Map();
      longName = undefined;
      longLink = undefined;
      const dataBytes = entry.type === '1' || entry.type === '2' || entry.type === '5' ? 0 : size;
      let left = dataBytes;
      const stream = (async function* () {
        for await (const chunk of reader.chunks(dataBytes)) {
          left -= chunk.length;
          yield chunk;
        }
      })();
      await visit(entry, withData && entry.type !== '5' && entry.type !== '2' ? stream : null);
      await reader.skip(left + ((BLOCK - (dataBytes % BLOCK)) % BLOCK));
    }
  } finally {
    gunzip.destroy();
  }
}

/** A pax `mtime` ("1700000000.123456789", possibly negative), or undefined when absent or not a number. */
function paxTime(value: string | undefined): Date | undefined {
  if (value === undefined || !/^-?\d+(\.\d+)?$/.test(value)) return undefined;
  return tarTime(Number(value));
}

function trimNul(b: Buffer): Buffer {
  const end = b.indexOf(0);
  return end < 0 ? b : b.subarray(0, end);
}
