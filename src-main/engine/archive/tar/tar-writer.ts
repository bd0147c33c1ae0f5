import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HashingStream } from '../../util/hashing-stream.js';
import type { ArchiveSink, EntryAttrs, WrittenArchive, WrittenFile } from '../archive-sink.js';
import { OpenedSource, SourceOpenError, type SourceFile } from '../source-file.js';
import { ParallelGzip } from './parallel-gzip.js';
import { padding, TAR_END, tarHeader, TYPE } from './tar-format.js';

const CHUNK = 256 * 1024;

/**
 * Streams entries into a tar.gz at `path`, one entry at a time (memory stays flat, at most one
 * source file is open), hashing each entry and the whole archive in the same pass. Names are
 * stored exactly as given (pax records where ustar cannot hold them): no library in between
 * rewrites backslashes or collapses slashes. Calls made while an entry is in flight wait their
 * turn. The gzip is compressed on every core (ParallelGzip: one gzip member per MiB). The file is
 * flushed to disk before `finish()` resolves; the caller owns renaming it.
 */
export class TarGzWriter implements ArchiveSink {
  private readonly gzip: ParallelGzip;
  private readonly head = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
  private readonly archiveHash = new HashingStream();
  private readonly out: WriteStream;
  private readonly done: Promise<void>;
  private failure: Error | undefined;
  private turn: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  constructor(
    readonly path: string,
    level: number,
  ) {
    this.gzip = new ParallelGzip(this.head, level);
    // wx: never overwrite; flush: fsync before close, so a finished archive survives a power cut.
    this.out = createWriteStream(path, { flags: 'wx', flush: true });
    this.done = pipeline(this.head, this.archiveHash, this.out);
    this.done.catch((e: unknown) => {
      this.failure ??= e instanceof Error ? e : new Error(String(e));
    });
  }

  /** Run `step` after every earlier call has finished. */
  private inTurn<T>(step: () => Promise<T>): Promise<T> {
    this.waiting += 1;
    const run = this.turn
      .then(() => {
        if (this.failure) throw this.failure;
        return step();
      })
      .catch((e: unknown) => {
        // A file that could not be opened left nothing behind; any other failure mid-entry
        // leaves a broken archive, so every later call fails too.
        if (!(e instanceof SourceOpenError)) this.failure ??= e instanceof Error ? e : new Error(String(e));
        throw e;
      })
      .finally(() => {
        this.waiting -= 1;
      });
    this.turn = run.catch(() => undefined);
    return run;
  }

  /** Write into the gzip stream, waiting while it is full (or until the output fails). */
  private async put(chunk: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    if (chunk.length === 0) return;
    await Promise.race([this.gzip.write(chunk), this.done.then(() => undefined)]);
    const failure = this.failure as Error | undefined; // set by stream callbacks while waiting
    if (failure) throw failure;
  }

  async ready(): Promise<void> {
    if (this.waiting > 16) await this.turn;
    if (this.failure) throw this.failure;
  }

  addBuffer(name: string, content: Buffer, attrs: EntryAttrs): Promise<WrittenFile> {
    return this.inTurn(async () => {
      await this.put(tarHeader({ name, type: TYPE.file, size: content.length, mode: attrs.mode, mtime: attrs.mtime }));
      await this.put(content);
      await this.put(padding(content.length));
      return { size: content.length, sha256: createHash('sha256').update(content).digest('hex') };
    });
  }

  /**
   * The header needs the size before the data: it is the size of the opened file, and exactly
   * that many bytes are stored. A file that shrinks while read fails the backup (its entry would
   * otherwise be padded with bytes it never held).
   */
  addFile(name: string, file: SourceFile, attrs: EntryAttrs, onBytes?: (n: number) => void): Promise<WrittenFile> {
    return this.inTurn(async () => {
      // The checked open: no links followed, the descriptor is the file the walk saw.
      const src = await OpenedSource.open(file);
      try {
        // A tar header states the size before the data: the size at open binds, reads never go past it.
        const size = src.before.size;
        const hash = createHash('sha256');
        await this.put(tarHeader({ name, type: TYPE.file, size, mode: attrs.mode, mtime: attrs.mtime }));
        let done = 0;
        let shrank: string | null = null;
        while (done < size) {
          let chunk = await src.read(done, Math.min(CHUNK, size - done));
          if (chunk.length === 0) {
            // It shrank while read: the entry is completed with zeros (hashed as stored) and reported as changed.
            shrank = `it shrank from ${size} to ${done} bytes while it was read`;
            chunk = Buffer.alloc(size - done);
          }
          hash.update(chunk);
          done += chunk.length;
          onBytes?.(chunk.length);
          await this.put(chunk);
        }
        await this.put(padding(size));
        return { size, sha256: hash.digest('hex'), changed: shrank ?? (await src.finish(done)) };
      } finally {
        await src.close();
      }
    });
  }

  addDirectory(name: string, attrs: EntryAttrs): Promise<void> {
    return this.inTurn(() => this.put(tarHeader({ name: name.endsWith('/') ? name : `${name}/`, type: TYPE.directory, size: 0, mode: attrs.mode, mtime: attrs.mtime })));
  }

  addSymlink(name: string, target: string, attrs: EntryAttrs): Promise<void> {
    return this.inTurn(() => this.put(tarHeader({ name, type: TYPE.symlink, size: 0, mode: attrs.mode, mtime: attrs.mtime, linkname: target })));
  }

  /** Write the end marker, wait until every byte is flushed and fsynced, and return size and hash. */
  async finish(): Promise<WrittenArchive> {
    await this.turn;
    if (this.failure) throw this.failure;
    await this.put(TAR_END);
    await this.gzip.end();
    await this.done;
    const failure = this.failure as Error | undefined; // set by stream callbacks while awaiting
    if (failure) throw failure;
    return { size: this.archiveHash.bytes, sha256: this.archiveHash.digest() };
  }

  /** Stop writing; the caller deletes the file. */
  async abort(): Promise<void> {
    this.failure ??= new Error('the archive was aborted');
    this.head.destroy();
    this.out.destroy();
    await this.done.catch(() => undefined);
  }
}
