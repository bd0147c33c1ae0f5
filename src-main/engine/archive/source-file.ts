import * as fs from 'node:fs';
import { open as openHandle, type FileHandle } from 'node:fs/promises';
import { readAt } from '../util/read-at.js';

/** The device and inode the walk saw (lstat): the file that is opened must be this one. */
export interface SourceIdentity {
  readonly dev: number;
  readonly ino: number;
  /** The file's real path as the walk reached it (the root resolved, no links below it). */
  readonly real?: string;
}

/**
 * A file to archive: where it is, the size the scan saw (it may have changed since) and, for files
 * found by a walk, their identity. Lifeboat's own dump files carry no identity.
 */
export interface SourceFile {
  readonly path: string;
  readonly size: number;
  readonly identity?: SourceIdentity;
}

/**
 * Why a file went into the archive as nothing: `unreadable` (permissions, I/O), `vanished`
 * (deleted after the walk), `replaced` (a symlink, FIFO or another file now sits at its path).
 */
export type SourceSkipKind = 'unreadable' | 'vanished' | 'replaced';

/**
 * The file could not be opened (or was not the file the walk saw), so nothing of it went into the
 * archive and the archive is still good; the caller decides whether that fails the backup or is
 * recorded as skipped.
 */
export class SourceOpenError extends Error {
  readonly kind: SourceSkipKind;
  constructor(
    readonly path: string,
    readonly original: NodeJS.ErrnoException,
    kind?: SourceSkipKind,
  ) {
    super(original.message, { cause: original });
    this.kind = kind ?? skipKindOf(original.code);
  }
}

/** Open failures by errno: ENOENT means deleted since the walk, ELOOP a symlink put in its place. */
export function skipKindOf(code: string | undefined): SourceSkipKind {
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'vanished';
  if (code === 'ELOOP' || code === 'EMLINK' || code === 'ESTALE') return 'replaced';
  return 'unreadable';
}

/** The fstat facts compared before and after a read. */
export interface ReadStamp {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

// skipKindOf above and the functions below are the same code on the main thread and in the pack
// workers (pack-worker.ts imports this module).

/** Is the opened descriptor (its fstat) the regular file the walk saw? A reason when it is not. */
export function openedProblem(st: fs.Stats, expected: SourceIdentity | undefined): string | null {
  if (!st.isFile()) return 'it was replaced by something that is not a regular file while the backup ran';
  if (expected && (st.dev !== expected.dev || st.ino !== expected.ino)) return 'it was replaced by another file while the backup ran';
  return null;
}

/**
 * O_NOFOLLOW guards only the last name of a path: a folder on the way swapped for a link still
 * leads somewhere else. On Linux the descriptor's own path (/proc/self/fd) must be the path the walk
 * reached; elsewhere this check is skipped. The pack workers run it too.
 */
export function openedPathProblem(nodeFs: typeof fs, fd: number, expected: SourceIdentity | undefined): string | null {
  if (!expected || expected.real === undefined || process.platform !== 'linux') return null;
  let at: string;
  try {
    at = nodeFs.readlinkSync('/proc/self/fd/' + String(fd));
  } catch {
    return null;
  }
  return at === expected.real ? null : 'a folder on its path was replaced (by a link or another folder) while the backup ran';
}

/** Did the file change while it was read (size, mtime or ctime of the open descriptor, or a short read)? */
export function stampChange(before: ReadStamp, after: ReadStamp, bytesRead: number): string | null {
  if (after.size !== before.size || bytesRead !== before.size) {
    return `it changed size while it was read (${before.size} bytes at open, ${after.size} after, ${bytesRead} read)`;
  }
  if (after.mtimeMs !== before.mtimeMs || after.ctimeMs !== before.ctimeMs) return 'it was modified while it was read';
  return null;
}

/** What the synchronous read of one small file gave. */
export type SyncReadResult =
  | { readonly ok: true; readonly data: Buffer; readonly changed: string | null }
  | { readonly ok: false; readonly kind: SourceSkipKind | 'grown'; readonly stage: 'open' | 'read'; readonly error: NodeJS.ErrnoException; readonly size?: number };

/**
 * Read a small file whole, the checked way (pack workers): open without following links and
 * without blocking (a FIFO swapped in cannot hang the thread), fstat the descriptor against the
 * walk's identity, read at most the size seen at open plus one byte, and fstat again. A file that
 * changed is read once more; if it changes again, the bytes read are returned with the reason.
 * A file that grew past `limit` since the walk is left to the caller (`grown`) to stream.
 * `afterChunk` is a test hook run after every read call.
 */
export function readSourceSync(
  nodeFs: typeof fs,
  file: { readonly path: string; readonly identity?: SourceIdentity; readonly limit: number },
  afterChunk?: (position: number) => void,
): SyncReadResult {
  const flags = nodeFs.constants.O_RDONLY | nodeFs.constants.O_NOFOLLOW | nodeFs.constants.O_NONBLOCK;
  const errorOf = (message: string, code: string): NodeJS.ErrnoException => Object.assign(new Error(message), { code });
  let changed: string | null = null;
  for (let attempt = 1; attempt <= 2; attempt += 1) {
    let fd: number;
    try {
      fd = nodeFs.openSync(file.path, flags);
    } catch (e) {
      const error = e as NodeJS.ErrnoException;
      if (skipKindOf(error.code) === 'replaced' && attempt === 1) continue;
      return { ok: false, kind: skipKindOf(error.code), stage: 'open', error };
    }
    try {
      const before = nodeFs.fstatSync(fd);
      const problem = openedProblem(before, file.identity) ?? openedPathProblem(nodeFs, fd, file.identity);
      if (problem) {
        if (attempt === 1) continue;
        return { ok: false, kind: 'replaced', stage: 'open', error: errorOf(problem, 'ESTALE') };
      }
      if (before.size > file.limit) return { ok: false, kind: 'grown', stage: 'open', error: errorOf('grew past the small-file limit', 'EFBIG'), size: before.size };
      // One byte more than the size at open: enough to see growth, never more memory than that.
      const buf = Buffer.allocUnsafe(before.size + 1);
      let filled = 0;
      while (filled < buf.length) {
        const n = nodeFs.readSync(fd, buf, filled, buf.length - filled, filled);
        if (n === 0) break;
        filled += n;
        afterChunk?.(filled);
      }
      const after = nodeFs.fstatSync(fd);
      const data = buf.subarray(0, Math.min(filled, before.size));
      changed = stampChange(before, after, filled);
      if (changed === null || attempt === 2) return { ok: true, data, changed };
    } catch (e) {
      return { ok: false, kind: 'unreadable', stage: 'read', error: e as NodeJS.ErrnoException };
    } finally {
      nodeFs.closeSync(fd);
    }
  }
  return { ok: false, kind: 'replaced', stage: 'open', error: errorOf(changed ?? 'it was replaced while the backup ran', 'ESTALE') };
}

/** Test hooks (Kopia's testHooks idea): run between chunk reads of the streamed (big file) path. */
export const sourceTestHooks: { afterChunk?: (path: string, position: number) => Promise<void> | void } = {};

/**
 * A source file opened the checked way for chunked reading (big files, tar.gz): the descriptor is
 * the regular file the walk saw, and `finish()` says whether it changed while it was read.
 */
export class OpenedSource {
  private constructor(
    readonly path: string,
    readonly handle: FileHandle,
    readonly before: ReadStamp,
  ) {}

  /**
   * Open without following links or blocking, and check the descriptor; a file replaced since
   * the walk is retried once (a swap may be undone). Failures are SourceOpenError.
   */
  static async open(file: SourceFile): Promise<OpenedSource> {
    const flags = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;
    let last: SourceOpenError | undefined;
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      let handle: FileHandle;
      try {
        handle = await openHandle(file.path, flags);
      } catch (e) {
        last = new SourceOpenError(file.path, e as NodeJS.ErrnoException);
        if (last.kind === 'replaced') continue;
        throw last;
      }
      try {
        const st = await handle.stat();
        const problem = openedProblem(st, file.identity) ?? openedPathProblem(fs, handle.fd, file.identity);
        if (problem === null) return new OpenedSource(file.path, handle, { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs });
        last = new SourceOpenError(file.path, Object.assign(new Error(problem), { code: 'ESTALE' }), 'replaced');
      } catch (e) {
        last = new SourceOpenError(file.path, e as NodeJS.ErrnoException);
      }
      await handle.close();
      if (last.kind !== 'replaced') throw last;
    }
    throw last ?? new Error('internal: no open attempt');
  }

  /**
   * Read `length` bytes at `position`, never past the size seen at open: a file appended to
   * faster than it is read would otherwise never end (growth shows in `finish()`).
   */
  async read(position: number, length: number): Promise<Buffer> {
    const want = Math.min(length, Math.max(0, this.before.size - position));
    if (want === 0) return Buffer.alloc(0);
    const chunk = await readAt(this.handle, position, want);
    await sourceTestHooks.afterChunk?.(this.path, position + chunk.length);
    return chunk;
  }

  /** The chunks from the start to the end of the file, for a stream. */
  async *chunks(chunkBytes = 256 * 1024): AsyncGenerator<Buffer> {
    for (let position = 0; ; ) {
      const chunk = await this.read(position, chunkBytes);
      if (chunk.length === 0) return;
      position += chunk.length;
      yield chunk;
    }
  }

  /** After reading `bytesRead` bytes: why the file changed meanwhile, or null. */
  async finish(bytesRead: number): Promise<string | null> {
    const st = await this.handle.stat();
    return stampChange(this.before, st, bytesRead);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
