import type { BackupRecord, BackupSummary, BackupWarning } from '../../../src-shared/domain/backup.js';
import { formatBytes } from '../../../src-shared/domain/format.js';

/** A drop to below this fraction of the previous good backup is flagged. */
export const DROP_RATIO = 0.5;

/**
 * Compare a new backup with the profile's last good one. A sharp drop in size, file count or a
 * table's row count usually means a source went missing (an unmounted disk, a wiped table).
 */
export function dropWarnings(current: BackupSummary, size: number, previous: BackupRecord | undefined): BackupWarning[] {
  if (!previous?.summary || previous.size === null) return [];
  const out: BackupWarning[] = [];
  const prev = previous.summary;
  if (size < previous.size * DROP_RATIO) {
    out.push({
      code: 'SIZE_DROP',
      message: `Archive is ${formatBytes(size)}, down from ${formatBytes(previous.size)} in the last good backup (${previous.id.slice(0, 8)}).`,
    });
  }
  if (prev.files > 0 && current.files < prev.files * DROP_RATIO) {
    out.push({ code: 'FILE_COUNT_DROP', message: `${current.files} files, down from ${prev.files} in the last good backup (${previous.id.slice(0, 8)}).` });
  }
  for (const s of current.sources) {
    const before = prev.sources.find((p) => p.name === s.name && p.kind === s.kind);
    if (before?.rows && s.rows !== null && s.rows < before.rows * DROP_RATIO) {
      out.push({ code: 'ROW_COUNT_DROP', message: `Source "${s.name}" has ${s.rows} rows, down from ${before.rows} in the last good backup (${previous.id.slice(0, 8)}).` });
    }
  }
  return out;
}
