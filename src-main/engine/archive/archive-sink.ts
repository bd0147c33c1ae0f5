import type { SourceFile } from './source-file.js';

/** Attributes stored with an entry. */
export interface EntryAttrs {
  readonly mode: number;
  readonly mtime: Date;
}

/**
 * What was stored for one file entry. `changed` (source files only) says why the stored bytes
 * may not be the file at one moment: it changed while it was read (they still match `sha256`).
 */
export interface WrittenFile {
  readonly size: number;
  readonly sha256: string;
  readonly changed?: string | null;
}

/** The finished archive. */
export interface WrittenArchive {
  readonly size: number;
  readonly sha256: string;
}

/**
 * Where a backup's entries go. Entries land in the order the calls were made; a caller may keep
 * several calls in flight (awaiting `ready()` before each, which bounds memory) so a writer can
 * read and compress ahead. `addFile` rejects with SourceOpenError when the file cannot be opened:
 * that entry is left out and the archive stays good. Any other failure fails every later call.
 */
export interface ArchiveSink {
  ready(): Promise<void>;
  addBuffer(name: string, content: Buffer, attrs: EntryAttrs): Promise<WrittenFile>;
  addFile(name: string, file: SourceFile, attrs: EntryAttrs, onBytes?: (n: number) => void): Promise<WrittenFile>;
  addDirectory(name: string, attrs: EntryAttrs): Promise<void>;
  addSymlink(name: string, target: string, attrs: EntryAttrs): Promise<void>;
  /** Write the trailer, flush and fsync; size and SHA-256 of the whole file. */
  finish(): Promise<WrittenArchive>;
  /** Stop writing; the caller deletes the file. */
  abort(): Promise<void>;
}
