import type { BackupOptions } from '../../../src-shared/domain/profile.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { ManifestSource } from '../../../src-shared/manifest/schema.js';
import type { WrittenFile } from '../archive/archive-sink.js';
import { SourceOpenError } from '../archive/source-file.js';
import type { FolderScan, ScannedEntry } from '../sources/folder-scan.js';
import { errnoCode } from '../util/fs-errors.js';

type FolderRecord = Extract<ManifestSource, { kind: 'folder' }>;

/** How strictly a folder's files are read (the profile's backup options). */
export type ReadPolicy = Pick<BackupOptions, 'skipUnreadable'> & Partial<Pick<BackupOptions, 'onChangedFile'>>;

function changedError(e: ScannedEntry, reason: string): LifeboatError {
  return new LifeboatError('SOURCE_CHANGED', `${e.abs} changed while it was backed up: ${reason}. The backup was stopped (onChangedFile is "fail").`, { path: e.abs });
}

/**
 * A file was stored. If it changed while read (twice), its bytes are still exactly what the
 * manifest hash says, but not one moment's state: recorded (manifest `changed`, a warning) or,
 * under onChangedFile "fail", the backup stops.
 */
export function fileStored(record: FolderRecord, scan: FolderScan, e: ScannedEntry, written: WrittenFile, policy: ReadPolicy): void {
  if (!written.changed) return;
  if (policy.onChangedFile === 'fail') throw changedError(e, written.changed);
  (record.changed ??= []).push({ path: e.rel, reason: written.changed });
  scan.notes.push({ path: e.rel, kind: 'changed', reason: written.changed });
}

/**
 * A file was not stored (nothing of it is in the archive). Deleted since the walk: recorded as
 * vanished, never a failure. Replaced (a symlink, FIFO or other file at its path): a change, so
 * left out with a warning or, under "fail", the backup stops. Unreadable: skipped when allowed.
 * Any other error fails the backup.
 */
export function fileNotStored(record: FolderRecord, scan: FolderScan, e: ScannedEntry, err: unknown, policy: ReadPolicy): void {
  if (!(err instanceof SourceOpenError)) throw err;
  const reason = `${errnoCode(err.original) ?? 'error'}: ${err.original.message}`;
  switch (err.kind) {
    case 'vanished':
      record.skipped.push({ path: e.rel, reason: 'deleted while the backup ran' });
      scan.notes.push({ path: e.rel, kind: 'vanished', reason: 'deleted while the backup ran' });
      return;
    case 'replaced': {
      const why = err.original.code === 'ELOOP' ? 'it was replaced by a symbolic link while the backup ran' : err.original.message;
      if (policy.onChangedFile === 'fail') throw changedError(e, why);
      record.skipped.push({ path: e.rel, reason: `left out: ${why}` });
      scan.notes.push({ path: e.rel, kind: 'changed', reason: `left out: ${why}` });
      return;
    }
    case 'unreadable':
      if (!policy.skipUnreadable) throw new LifeboatError('SOURCE_UNREADABLE', `Cannot read ${e.abs} (${reason}).`, { path: e.abs }, { cause: err.original });
      record.skipped.push({ path: e.rel, reason });
      return;
  }
}
