import { open, statfs, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';

/** The errno code of a Node fs error, if any. */
export function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** Classify a failed write to the destination as DISK_FULL / DESTINATION_UNWRITABLE, naming the path. */
export function destinationError(error: unknown, path: string): LifeboatError {
  if (error instanceof LifeboatError) return error;
  const code = errnoCode(error);
  const why = error instanceof Error ? error.message : String(error);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new LifeboatError('DISK_FULL', `The destination disk is full while writing ${path}.`, { path, errno: code }, { cause: error });
  }
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM' || code === 'ENOTDIR' || code === 'EEXIST') {
    return new LifeboatError('DESTINATION_UNWRITABLE', `Cannot write ${path}: ${why}`, { path, errno: code }, { cause: error });
  }
  return new LifeboatError('INTERNAL', `Writing ${path} failed: ${why}`, { path, errno: code }, { cause: error });
}

/** Below this much free space, an I/O error on the disk is taken to be the disk being full. */
const NEARLY_FULL_BYTES = 4 * 1024 * 1024;

/**
 * Classify a failure of a SQLite database kept by Lifeboat (the catalog). SQLite reports a full
 * disk as SQLITE_FULL, or as a generic "disk I/O error" (SQLITE_IOERR_*) when it is the shared
 * memory or journal file that cannot grow; the free space of the disk tells the two apart.
 * Returns undefined when the error is not a full disk.
 */
export async function sqliteDiskFull(error: unknown, file: string): Promise<LifeboatError | undefined> {
  if (error instanceof LifeboatError) return undefined;
  const code = errnoCode(error) ?? '';
  if (code !== 'SQLITE_FULL' && !code.startsWith('SQLITE_IOERR') && code !== 'ENOSPC' && code !== 'EDQUOT') return undefined;
  const free = await statfs(dirname(file)).then(
    (s) => s.bavail * s.bsize,
    () => undefined,
  );
  if (code !== 'SQLITE_FULL' && code !== 'ENOSPC' && code !== 'EDQUOT' && (free === undefined || free >= NEARLY_FULL_BYTES)) return undefined;
  const why = error instanceof Error ? error.message : String(error);
  return new LifeboatError(
    'DISK_FULL',
    `The disk holding the Lifeboat catalog ${file} is full (${why}${free !== undefined ? `; ${free} bytes free` : ''}). Free space on that disk, then run the command again.`,
    { path: file, errno: code, freeBytes: free ?? null },
    { cause: error },
  );
}

/**
 * An archive that cannot be opened, said in words (what happened to the file, what to do) instead
 * of the OS's "ENOENT: no such file or directory, open …". The code stays NOT_FOUND, which is what
 * the restore wizard reads to offer an off-site copy.
 */
export function archiveOpenError(error: unknown, path: string): LifeboatError {
  const code = errnoCode(error);
  const said =
    code === 'ENOENT' || code === 'ENOTDIR'
      ? `The archive ${path} does not exist: it was deleted or moved. Restore from an off-site copy if the backup has one, or import the file from where it is now.`
      : code === 'EACCES' || code === 'EPERM'
        ? `Lifeboat is not allowed to read the archive ${path} (permission denied). Give the user running Lifeboat read access to it, or copy it somewhere readable and import it.`
        : code === 'EISDIR'
          ? `${path} is a folder, not an archive. Choose the .zip or .tar.gz file inside it.`
          : `Cannot open the archive ${path}: ${error instanceof Error ? error.message : String(error)}. Check the disk it is on; \`lifeboat list\` shows the backups in the catalog.`;
  return new LifeboatError('NOT_FOUND', said, { path, errno: code ?? null }, { cause: error });
}

/** Open an archive for reading; a missing file, a folder or a refused read is an archiveOpenError. */
export async function openArchiveFile(path: string): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw archiveOpenError(e, path);
  }
  const isDir = await fh.stat().then((st) => st.isDirectory(), () => false);
  if (isDir) {
    await fh.close();
    throw archiveOpenError(Object.assign(new Error('is a directory'), { code: 'EISDIR' }), path);
  }
  return fh;
}
