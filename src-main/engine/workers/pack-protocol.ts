import type { SourceIdentity, SourceSkipKind } from '../archive/source-file.js';
import type { EntryFault } from '../archive/zip/entry-codec.js';

/**
 * The messages between PackPool (main thread) and pack-worker.ts: one typed protocol, so both
 * sides are checked against the same shapes. Every request carries an `id` its reply repeats.
 */

/** A small file to read, hash and (maybe) compress off the main thread. */
export interface PackRequest {
  readonly path: string;
  readonly size: number;
  readonly compress: boolean;
  /** The identity the walk saw; the opened file must be it. */
  readonly identity?: SourceIdentity;
  /** A file that grew past this since the walk is not read here (`grown`): the caller streams it. */
  readonly limit: number;
}

/** One small ZIP entry to decode in a worker; `dest` also writes it there (a new file only). */
export interface UnpackItem {
  readonly method: number;
  readonly size: number;
  readonly crc: number;
  readonly dest: { readonly path: string; readonly mode: number; readonly mtime: number } | null;
}

/** The entry's SHA-256 and size, or what was wrong with it (a decode fault, or the write failed). */
export type UnpackResult =
  | { readonly sha256: string; readonly size: number; readonly error?: undefined }
  | { readonly error: EntryFault['fault']; readonly message: string }
  | { readonly error: 'write'; readonly message: string; readonly code?: string };

/**
 * What lstat found for one name (symlinks with their target; `blocks` in 512-byte units, for
 * sparse files), or why not; `badname` is a name that is not valid UTF-8, shown with `\xNN` escapes.
 */
export type NameStat =
  | {
      readonly type: 'file' | 'directory' | 'symlink' | 'other';
      readonly size: number;
      readonly mode: number;
      readonly mtimeMs: number;
      readonly uid: number;
      readonly gid: number;
      readonly dev: number;
      readonly ino: number;
      readonly blocks: number;
      readonly target?: string;
    }
  | { readonly type: 'error'; readonly error: NodeJS.ErrnoException }
  | { readonly type: 'badname' };

/** What `inspect` found at a path. */
export interface PathFacts {
  readonly type: 'file' | 'directory' | 'symlink' | 'other' | 'missing' | 'error';
  readonly size: number;
  readonly sha256?: string;
  readonly target?: string;
  readonly error?: { message: string; code?: string };
}

/** An error as it crosses threads (structured clone keeps only these fields of an Error). */
export interface WireError {
  readonly message: string;
  readonly code?: string;
  readonly errno?: number;
  readonly syscall?: string;
}

/** One packed file in a batch: its bytes are `buffer[start, end)` of the reply. */
export type WirePacked =
  | { readonly ok: true; readonly changed: string | null; readonly size: number; readonly sha256: string; readonly crc: number; readonly deflated: boolean; readonly start: number; readonly end: number }
  | { readonly ok: false; readonly stage: 'open' | 'read'; readonly kind: SourceSkipKind | 'grown'; readonly error: WireError };

/** A directory listing, or why it could not be read. */
export type WireListing = { readonly names: string[]; readonly stats: (NameStat | { readonly type: 'error'; readonly error: WireError })[] } | { readonly error: WireError };

/** A big ZIP entry to decode from the archive file itself (its stored bytes at `offset`), hashed and maybe written. */
export interface ExtractItem extends UnpackItem {
  readonly archive: string;
  readonly offset: number;
  readonly compressedSize: number;
}

/** A small ZIP entry whose stored bytes the worker reads itself: `length` bytes at `offset` of the archive. */
export interface StoredAt extends UnpackItem {
  readonly offset: number;
  readonly length: number;
}

/** Requests, by `op`. */
export type PackMessage =
  | { readonly op: 'pack'; readonly id: number; readonly files: readonly PackRequest[]; readonly level: number }
  | { readonly op: 'deflate'; readonly id: number; readonly data: Uint8Array; readonly dictionary: Uint8Array | undefined; readonly level: number }
  | { readonly op: 'inspect'; readonly id: number; readonly items: readonly { path: string; hash: boolean }[] }
  | { readonly op: 'list'; readonly id: number; readonly dir: string }
  | { readonly op: 'extract'; readonly id: number; readonly item: ExtractItem }
  | { readonly op: 'unpackAt'; readonly id: number; readonly archive: string; readonly items: readonly StoredAt[] };

/** Milliseconds the worker spent, by kind of work (read, deflate, hash, inflate, write...), for phase-times.ts. */
export type WorkerTimes = Readonly<Record<string, number>>;

/** Replies: the request's id, per-op results, a transferred buffer of bytes, and where the time went. */
export type PackReply = { readonly times: WorkerTimes } & (
  | { readonly op: 'pack'; readonly id: number; readonly results: WirePacked[]; readonly buffer: ArrayBuffer }
  | { readonly op: 'deflate'; readonly id: number; readonly buffer: ArrayBuffer }
  | { readonly op: 'inspect'; readonly id: number; readonly results: PathFacts[] }
  | { readonly op: 'list'; readonly id: number; readonly listing: WireListing }
  | { readonly op: 'extract'; readonly id: number; readonly results: UnpackResult[] }
  | { readonly op: 'unpackAt'; readonly id: number; readonly results: UnpackResult[] }
);
