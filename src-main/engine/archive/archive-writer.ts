import { TarArchive, ZipArchive, type Archiver } from 'archiver';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { ArchiveFormat } from '../../../src-shared/domain/enums.js';
import { assertNever } from '../../../src-shared/domain/enums.js';
import { HashingStream } from '../util/hashing-stream.js';

/** Attributes stored with an entry. */
export interface EntryAttrs {
  readonly mode: number;
  readonly mtime: Date;
}

/** What was stored for one file entry. */
export interface WrittenFile {
  readonly size: number;
  readonly sha256: string;
}

/** The finished archive. */
export interface WrittenArchive {
  readonly size: number;
  readonly sha256: string;
}

function createArchiver(format: ArchiveFormat, level: number): Archiver {
  switch (format) {
    case 'zip':
      return new ZipArchive({ zlib: { level } });
    case 'tar.gz':
      return new TarArchive({ gzip: true, gzipOptions: { level } });
    default:
      return assertNever(format);
  }
}

/**
 * Streams entries into a ZIP or tar.gz at `path`, one entry at a time (so memory stays flat and
 * at most one source file is open), hashing each entry and the whole archive in the same pass.
 * The file is flushed to disk before `finish()` resolves; the caller owns renaming it.
 */
export class ArchiveWriter {
  private readonly archive: Archiver;
  private readonly archiveHash: HashingStream;
  private readonly out: WriteStream;
  private readonly done: Promise<void>;
  private failure: Error | undefined;
  private pendingEntry: { resolve: () => void; reject: (e: Error) => void } | undefined;

  constructor(
    readonly path: string,
    format: ArchiveFormat,
    level = 6,
  ) {
    this.archive = createArchiver(format, level);
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

  private appendAndWait(source: NodeJS.ReadableStream | Buffer | null, data: Parameters<Archiver['append']>[1], symlinkTarget?: string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.pendingEntry = { resolve, reject };
      if (symlinkTarget !== undefined && data) this.archive.symlink(data.name, symlinkTarget, data.mode);
      else this.archive.append(source as Buffer, data);
    });
  }

  /** Store a buffer (README, manifest) and return its size and SHA-256. */
  async addBuffer(name: string, content: Buffer, attrs: EntryAttrs): Promise<WrittenFile> {
    const h = new HashingStream();
    h.end(content);
    await this.appendAndWait(h, { name, mode: attrs.mode, date: attrs.mtime });
    return { size: h.bytes, sha256: h.digest() };
  }

  /** Stream an already-opened file into the archive; the handle is closed when done. */
  async addFile(name: string, handle: FileHandle, attrs: EntryAttrs, onBytes?: (n: number) => void): Promise<WrittenFile> {
    const h = new HashingStream(onBytes);
    const input = handle.createReadStream({ highWaterMark: 256 * 1024 });
    input.on('error', (e) => h.destroy(e));
    input.pipe(h);
    h.on('error', (e) => this.fail(new Error(`Reading ${name} failed: ${e.message}`, { cause: e })));
    await this.appendAndWait(h, { name, mode: attrs.mode, date: attrs.mtime });
    return { size: h.bytes, sha256: h.digest() };
  }

  async addDirectory(name: string, attrs: EntryAttrs): Promise<void> {
    await this.appendAndWait(null, { name: name.endsWith('/') ? name : `${name}/`, type: 'directory', mode: attrs.mode, date: attrs.mtime });
  }

  async addSymlink(name: string, target: string, attrs: EntryAttrs): Promise<void> {
    await this.appendAndWait(null, { name, mode: attrs.mode, date: attrs.mtime }, target);
  }

  /** Write the trailer, wait until every byte is flushed and fsynced, and return size and hash. */
  async finish(): Promise<WrittenArchive> {
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
