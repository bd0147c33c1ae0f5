import type { Archiver } from 'archiver';
import { createWriteStream, type WriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArchiveFormat } from '../../../src-shared/domain/enums.js';
import { assertNever } from '../../../src-shared/domain/enums.js';
import { HashingStream } from '../util/hashing-stream.js';
import type { ArchiveSink, EntryAttrs, WrittenArchive, WrittenFile } from './archive-sink.js';
import { OpenedSource, type SourceFile } from './source-file.js';
import { ZipWriter } from './zip/zip-writer.js';

export type { ArchiveSink, EntryAttrs, WrittenArchive, WrittenFile } from './archive-sink.js';

/** The writer for a format: Lifeboat's parallel ZIP writer, or archiver's tar.gz. */
export async function createArchiveWriter(path: string, format: ArchiveFormat, level = 6): Promise<ArchiveSink> {
  switch (format) {
    case 'zip':
      return ZipWriter.create(path, { level });
    case 'tar.gz': {
      // archiver is loaded only for tar.gz (ZIP has its own writer): it costs ~20 MB of memory.
      const { TarArchive } = await import('archiver');
      return new TarGzWriter(path, new TarArchive({ gzip: true, gzipOptions: { level } }));
    }
    default:
      return assertNever(format);
  }
}

/**
 * Streams entries into a tar.gz at `path` through archiver, one entry at a time (so memory stays
 * flat and at most one source file is open), hashing each entry and the whole archive in the same
 * pass. Calls made while an entry is in flight wait their turn. The file is flushed to disk before
 * `finish()` resolves; the caller owns renaming it.
 */
class TarGzWriter implements ArchiveSink {
  private readonly archive: Archiver;
  private readonly archiveHash: HashingStream;
  private readonly out: WriteStream;
  private readonly done: Promise<void>;
  private failure: Error | undefined;
  private pendingEntry: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private turn: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  constructor(
    readonly path: string,
    archive: Archiver,
  ) {
    this.archive = archive;
    this.archiveHash = new HashingStream();
    // wx: never overwrite; flush: fsync before close, so a finished archive survives a power cut.
    this.out = createWriteStream(path, { flags: 'wx', flush: true });
    this.archive.on('entry', () => {
      const p = this.pendingEntry;
      this.pendingEntry = undefined;
      p?.resolve();
    });
    this.archive.on('warning', (e: Error) => this.fail(e));
    this.done = pipeline(this.archive, this.archiveHash, this.out);
    this.done.catch((e: unknown) => this.fail(e instanceof Error ? e : new Error(String(e))));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const p = this.pendingEntry;
    this.pendingEntry = undefined;
    p?.reject(e);
  }

  /** Run `step` after every earlier call has finished. */
  private inTurn<T>(step: () => Promise<T>): Promise<T> {
    this.waiting += 1;
    const run = this.turn.then(step).finally(() => {
      this.waiting -= 1;
    });
    this.turn = run.catch(() => undefined);
    return run;
  }

  async ready(): Promise<void> {
    if (this.waiting > 16) await this.turn;
    if (this.failure) throw this.failure;
  }

  private appendAndWait(source: NodeJS.ReadableStream | Buffer | null, data: Parameters<Archiver['append']>[1], symlinkTarget?: string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.pendingEntry = { resolve, reject };
      if (symlinkTarget !== undefined && data) this.archive.symlink(data.name, symlinkTarget, data.mode);
      else this.archive.append(source as Buffer, data);
    });
  }

  /** Store a buffer (README, manifest) and return its size and SHA-256. */
  addBuffer(name: string, content: Buffer, attrs: EntryAttrs): Promise<WrittenFile> {
    return this.inTurn(async () => {
      const h = new HashingStream();
      h.end(content);
      await this.appendAndWait(h, { name, mode: attrs.mode, date: attrs.mtime });
      return { size: h.bytes, sha256: h.digest() };
    });
  }

  addFile(name: string, file: SourceFile, attrs: EntryAttrs, onBytes?: (n: number) => void): Promise<WrittenFile> {
    return this.inTurn(async () => {
      const src = await OpenedSource.open(file);
      try {
        const h = new HashingStream(onBytes);
        const input = Readable.from(src.chunks());
        input.on('error', (e) => h.destroy(e));
        input.pipe(h);
        h.on('error', (e) => this.fail(new Error(`Reading ${name} failed: ${e.message}`, { cause: e })));
        await this.appendAndWait(h, { name, mode: attrs.mode, date: attrs.mtime });
        // Streamed into the archive already: a change is reported with the bytes stored, not retried.
        return { size: h.bytes, sha256: h.digest(), changed: await src.finish(h.bytes) };
      } finally {
        await src.close();
      }
    });
  }

  addDirectory(name: string, attrs: EntryAttrs): Promise<void> {
    return this.inTurn(() => this.appendAndWait(null, { name: name.endsWith('/') ? name : `${name}/`, type: 'directory', mode: attrs.mode, date: attrs.mtime }));
  }

  addSymlink(name: string, target: string, attrs: EntryAttrs): Promise<void> {
    return this.inTurn(() => this.appendAndWait(null, { name, mode: attrs.mode, date: attrs.mtime }, target));
  }

  /** Write the trailer, wait until every byte is flushed and fsynced, and return size and hash. */
  async finish(): Promise<WrittenArchive> {
    await this.turn;
    if (this.failure) throw this.failure;
    await this.archive.finalize();
    await this.done;
    const failure = this.failure as Error | undefined; // set by stream callbacks while awaiting
    if (failure) throw failure;
    return { size: this.archiveHash.bytes, sha256: this.archiveHash.digest() };
  }

  /** Stop writing; the caller deletes the file. */
  async abort(): Promise<void> {
    this.archive.abort();
    this.out.destroy();
    await this.done.catch(() => undefined);
  }
}
