import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { PackPool, type PackRequest, type PackResult } from '../../workers/pack-pool.js';
import type { ArchiveSink, EntryAttrs, WrittenArchive, WrittenFile } from '../archive-sink.js';
import { deflateWhole, DICTIONARY_BYTES, FINAL_BLOCK, isPrecompressed, sampleCompresses } from '../compress.js';
import { OpenedSource, SourceOpenError, type SourceFile } from '../source-file.js';
import { OutputFile } from './output-file.js';
import { dataDescriptor, endRecords, FLAG_DESCRIPTOR, FLAG_UTF8, localHeader, MAX32, METHOD_DEFLATE, METHOD_STORE, S_IFDIR, S_IFLNK, S_IFREG } from './zip-format.js';
import { CentralBytes } from './central-bytes.js';

/** Tuning; the defaults keep memory near 64 MiB on any core count. */
export interface ZipWriterOptions {
  readonly level: number;
  /** Files up to this size are read whole, in batches, by the worker pool. */
  readonly smallFileMax?: number;
  /** A batch is sent when it holds this many files or bytes. */
  readonly batchFiles?: number;
  readonly batchBytes?: number;
  /** Bytes read ahead of the archive's write position (bounds memory). */
  readonly readAheadBytes?: number;
  /** Chunk size for big files; each chunk is compressed as its own parallel job. */
  readonly chunkBytes?: number;
  /** Chunks of one big file in flight at once. */
  readonly chunkJobs?: number;
  /** Sizes and offsets from this value on use ZIP64 fields (tests lower it to exercise them). */
  readonly zip64Threshold?: number;
}

/** An entry whose bytes are ready to be written. */
interface ReadyEntry {
  readonly name: string;
  readonly method: number;
  readonly crc: number;
  readonly size: number;
  readonly data: Buffer;
  readonly unixMode: number;
  readonly mtime: Date;
}

interface BatchItem {
  readonly name: string;
  readonly attrs: EntryAttrs;
  readonly request: PackRequest;
  readonly onBytes: ((n: number) => void) | undefined;
  readonly resolve: (w: WrittenFile) => void;
  readonly reject: (e: unknown) => void;
}

interface Batch {
  readonly items: BatchItem[];
  bytes: number;
  sent: boolean;
  readonly results: Promise<PackResult[]>;
  readonly send: () => void;
}

/**
 * A streaming ZIP writer built for throughput. Entries land in the order they were added, but
 * small files are read, hashed and compressed ahead of the write position by a pool of worker
 * threads (in batches), big files are compressed chunk by chunk on every core, already-compressed
 * data is stored, and output leaves in 4 MiB writes hashed on the way. The result is a standard
 * ZIP (ZIP64 where needed) that `unzip`, Windows and macOS read.
 */
export class ZipWriter implements ArchiveSink {
  private readonly central: CentralBytes;
  private chain: Promise<void> = Promise.resolve();
  private aheadBytes = 0;
  private failure: Error | undefined;
  private readonly waiters: (() => void)[] = [];
  private readonly o: Required<ZipWriterOptions>;
  private readonly pool = new PackPool();
  private open: Batch | undefined;

  private constructor(
    private readonly out: OutputFile,
    options: ZipWriterOptions,
  ) {
    this.o = { smallFileMax: 4 * 1024 * 1024, batchFiles: 64, batchBytes: 4 * 1024 * 1024, readAheadBytes: 32 * 1024 * 1024, chunkBytes: 1024 * 1024, chunkJobs: 4, zip64Threshold: MAX32, ...options };
    this.central = new CentralBytes(this.o.zip64Threshold);
  }

  static async create(path: string, options: ZipWriterOptions): Promise<ZipWriter> {
    return new ZipWriter(await OutputFile.create(path), options);
  }

  /** Resolves when the read-ahead has room for another entry. */
  async ready(): Promise<void> {
    while (!this.failure && this.aheadBytes >= this.o.readAheadBytes) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.failure) throw this.failure;
  }

  private reserve(bytes: number): void {
    this.aheadBytes += bytes;
  }

  private release(bytes: number): void {
    this.aheadBytes -= bytes;
    for (const w of this.waiters.splice(0)) w();
  }

  private fail(e: unknown): Error {
    this.failure ??= e instanceof Error ? e : new Error(String(e));
    for (const w of this.waiters.splice(0)) w();
    return this.failure;
  }

  /** Run `write` after everything added before it; any error fails the archive. */
  private inOrder<T>(write: () => Promise<T> | T): Promise<T> {
    const done = this.chain.then(async () => {
      if (this.failure) throw this.failure;
      try {
        const value = await write();
        await this.out.ready();
        return value;
      } catch (e) {
        // A big file that could not be opened left no bytes behind: only that entry is lost.
        if (e instanceof SourceOpenError) throw e;
        throw this.fail(e);
      }
    });
    this.chain = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  }

  private writeReady(e: ReadyEntry): void {
    const name = Buffer.from(e.name, 'utf8');
    const offset = this.out.offset;
    this.out.write(localHeader({ name, method: e.method, crc: e.crc, compressedSize: e.data.length, size: e.size, mtime: e.mtime, descriptor: false, zip64: e.size >= this.o.zip64Threshold }));
    this.out.write(e.data);
    this.central.add({ name, method: e.method, flags: FLAG_UTF8, crc: e.crc, compressedSize: e.data.length, size: e.size, offset, unixMode: e.unixMode, mtime: e.mtime });
  }

  async addBuffer(name: string, content: Buffer, attrs: EntryAttrs): Promise<WrittenFile> {
    if (this.failure) throw this.failure;
    this.sendOpenBatch();
    const sha256 = createHash('sha256').update(content).digest('hex');
    const deflated = this.o.level > 0 && content.length > 0 ? deflateWhole(content, this.o.level) : Promise.resolve(content);
    deflated.catch(() => undefined); // awaited in order below
    await this.inOrder(async () => {
      const d = await deflated;
      const stored = d.length >= content.length;
      this.writeReady({ name, method: stored ? METHOD_STORE : METHOD_DEFLATE, crc: crc32(content), size: content.length, data: stored ? content : d, unixMode: S_IFREG | attrs.mode, mtime: attrs.mtime });
    });
    return { size: content.length, sha256 };
  }

  /**
   * Add a file by path. Small files join a batch read and compressed ahead by the pool; big ones
   * are streamed when their turn comes. Rejects with SourceOpenError (archive unaffected) when
   * the file cannot be opened.
   */
  addFile(name: string, file: SourceFile, attrs: EntryAttrs, onBytes?: (n: number) => void): Promise<WrittenFile> {
    if (this.failure) return Promise.reject(this.failure);
    if (file.size > this.o.smallFileMax) {
      this.sendOpenBatch();
      return this.inOrder(() => this.streamFile(name, file, attrs, onBytes));
    }
    const batch = this.open ?? this.startBatch();
    const request: PackRequest = {
      path: file.path,
      size: file.size,
      compress: this.o.level > 0 && !isPrecompressed(name),
      limit: this.o.smallFileMax,
      ...(file.identity ? { identity: file.identity } : {}),
    };
    const written = new Promise<WrittenFile>((resolve, reject) => batch.items.push({ name, attrs, request, onBytes, resolve, reject }));
    batch.bytes += file.size;
    this.reserve(file.size);
    if (batch.items.length >= this.o.batchFiles || batch.bytes >= this.o.batchBytes) batch.send();
    return written;
  }

  /**
   * Open a batch: it takes its place in the write order now, and is sent to the pool when full,
   * when another kind of entry comes, or once the current turn of the event loop is over.
   */
  private startBatch(): Batch {
    let deliver: (r: Promise<PackResult[]>) => void = () => undefined;
    const batch: Batch = {
      items: [],
      bytes: 0,
      sent: false,
      results: new Promise<PackResult[]>((resolve) => (deliver = resolve)),
      send: () => {
        if (this.open === batch) this.open = undefined;
        if (batch.sent) return;
        batch.sent = true;
        const packed = this.pool.pack(
          batch.items.map((i) => i.request),
          this.o.level,
        );
        packed.catch(() => undefined); // awaited by the batch's turn, which an abort may skip
        deliver(packed);
      },
    };
    batch.results.catch(() => undefined); // awaited by the batch's turn, which an abort may skip
    this.open = batch;
    setImmediate(batch.send);
    this.inOrder(async () => {
      let results: PackResult[];
      try {
        results = await batch.results;
      } finally {
        this.release(batch.bytes);
      }
      for (const [i, item] of batch.items.entries()) {
        const r = results[i];
        if (!r) throw new Error('internal: missing result');
        if (r.ok) {
          this.writeReady({ name: item.name, method: r.deflated ? METHOD_DEFLATE : METHOD_STORE, crc: r.crc, size: r.size, data: r.data, unixMode: S_IFREG | item.attrs.mode, mtime: item.attrs.mtime });
          item.onBytes?.(r.size);
          item.resolve({ size: r.size, sha256: r.sha256, changed: r.changed });
        } else if (r.kind === 'grown') {
          // It grew past the small-file size since the walk: streamed here, in its place.
          const file = { path: item.request.path, size: item.request.limit + 1, ...(item.request.identity ? { identity: item.request.identity } : {}) };
          await this.streamFile(item.name, file, item.attrs, item.onBytes).then(item.resolve, (e: unknown) => {
            if (!(e instanceof SourceOpenError)) throw e;
            item.reject(e);
          });
        } else {
          // Nothing of it was written: only this entry is lost.
          item.reject(new SourceOpenError(item.request.path, r.error, r.kind));
        }
      }
    }).catch((e: unknown) => {
      for (const item of batch.items) item.reject(e);
    });
    return batch;
  }

  private sendOpenBatch(): void {
    this.open?.send();
  }

  async addDirectory(name: string, attrs: EntryAttrs): Promise<void> {
    if (this.failure) throw this.failure;
    this.sendOpenBatch();
    const dirName = name.endsWith('/') ? name : `${name}/`;
    await this.inOrder(() => this.writeReady({ name: dirName, method: METHOD_STORE, crc: 0, size: 0, data: Buffer.alloc(0), unixMode: S_IFDIR | attrs.mode, mtime: attrs.mtime }));
  }

  /** A symlink is stored as an entry whose data is the link target (the Info-ZIP convention). */
  async addSymlink(name: string, target: string, attrs: EntryAttrs): Promise<void> {
    if (this.failure) throw this.failure;
    this.sendOpenBatch();
    const data = Buffer.from(target, 'utf8');
    await this.inOrder(() => this.writeReady({ name, method: METHOD_STORE, crc: crc32(data), size: data.length, data, unixMode: S_IFLNK | (attrs.mode & 0o7777), mtime: attrs.mtime }));
  }

  /**
   * Stream a big file: reads run one chunk ahead, every chunk is hashed in order on this thread
   * and (unless stored) compressed by the pool, several at once; sizes go in a data descriptor.
   */
  private async streamFile(name: string, file: SourceFile, attrs: EntryAttrs, onBytes?: (n: number) => void): Promise<WrittenFile> {
    const src = await OpenedSource.open(file);
    try {
      const { chunkBytes, chunkJobs, level } = this.o;
      const sha = createHash('sha256');
      let crc = 0;
      let size = 0;
      let compressedSize = 0;
      const nameBuf = Buffer.from(name, 'utf8');
      const offset = this.out.offset;
      const zip64 = file.size >= this.o.zip64Threshold - 64 * 1024 * 1024;
      let position = 0;
      const readAhead = (): Promise<Buffer> => {
        const at = position;
        position += chunkBytes;
        return src.read(at, chunkBytes);
      };
      let next = readAhead();
      let chunk = await next;
      next = readAhead();
      next.catch(() => undefined); // awaited below
      const deflate = level > 0 && !isPrecompressed(name) && sampleCompresses(chunk);
      const method = deflate ? METHOD_DEFLATE : METHOD_STORE;
      this.out.write(localHeader({ name: nameBuf, method, crc: 0, compressedSize: 0, size: 0, mtime: attrs.mtime, descriptor: true, zip64 }));
      const emit = (b: Buffer): void => {
        compressedSize += b.length;
        this.out.write(b);
      };
      const jobs: Promise<Buffer>[] = [];
      let previous: Buffer | undefined;
      while (chunk.length > 0) {
        sha.update(chunk);
        crc = crc32(chunk, crc);
        size += chunk.length;
        onBytes?.(chunk.length);
        if (deflate) {
          const job = this.pool.deflateChunk(chunk, level, previous?.subarray(-DICTIONARY_BYTES));
          job.catch(() => undefined); // awaited in order below
          jobs.push(job);
          previous = chunk;
          while (jobs.length >= chunkJobs) emit(await jobs.shift()!);
        } else {
          emit(chunk);
        }
        await this.out.ready();
        if (this.failure) throw this.failure;
        chunk = await next;
        if (chunk.length > 0) {
          next = readAhead();
          next.catch(() => undefined);
        }
      }
      for (const job of jobs.splice(0)) emit(await job);
      if (deflate) emit(FINAL_BLOCK);
      if (!zip64 && (size >= MAX32 || compressedSize >= MAX32)) {
        throw new Error(`${file.path} grew past 4 GiB while it was being read; run the backup again.`);
      }
      this.out.write(dataDescriptor(crc, compressedSize, size, zip64));
      this.central.add({ name: nameBuf, method, flags: FLAG_UTF8 | FLAG_DESCRIPTOR, crc, compressedSize, size, offset, unixMode: S_IFREG | attrs.mode, mtime: attrs.mtime });
      // Its bytes are already in the archive (hash and CRC of exactly those): a change is reported,
      // not retried, since re-reading would mean holding the whole file.
      return { size, sha256: sha.digest('hex'), changed: await src.finish(size) };
    } finally {
      await src.close();
    }
  }

  /** Write the central directory and end records, fsync, and return size and hash. */
  async finish(): Promise<WrittenArchive> {
    this.sendOpenBatch();
    await this.chain;
    if (this.failure) throw this.failure;
    const cdOffset = this.out.offset;
    const count = this.central.count;
    await this.central.drain(async (bytes) => {
      this.out.write(bytes);
      await this.out.ready();
    });
    const cdSize = this.out.offset - cdOffset;
    this.out.write(endRecords(count, cdOffset, cdSize, this.o.zip64Threshold));
    await this.pool.close();
    return this.out.finish();
  }

  async abort(): Promise<void> {
    this.fail(new Error('The archive was aborted.'));
    this.open = undefined;
    await this.pool.close();
    await this.chain;
    await this.out.abort();
  }
}
