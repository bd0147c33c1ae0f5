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
