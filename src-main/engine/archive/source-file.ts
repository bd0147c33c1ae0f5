import { open as openHandle, type FileHandle } from 'node:fs/promises';

/** A file to archive: where it is and the size the scan saw (it may have changed since). */
export interface SourceFile {
  readonly path: string;
  readonly size: number;
}

/**
 * The file could not be opened, so nothing of it went into the archive and the archive is still
 * good; the caller decides whether that fails the backup or is recorded as skipped.
 */
export class SourceOpenError extends Error {
  constructor(
    readonly path: string,
    readonly original: NodeJS.ErrnoException,
  ) {
    super(original.message, { cause: original });
  }
}

/** Open a big file for chunked reading; an open failure is a SourceOpenError. */
export async function openSourceFile(file: SourceFile): Promise<FileHandle> {
  try {
    return await openHandle(file.path, 'r');
  } catch (e) {
    throw new SourceOpenError(file.path, e as NodeJS.ErrnoException);
  }
}
