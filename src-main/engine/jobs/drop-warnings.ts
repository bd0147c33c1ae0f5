import type { BackupRecord, BackupSummary, BackupWarning } from '../../../src-shared/domain/backup.js';
import { formatBytes } from '../../../src-shared/domain/format.js';
import type { ScanNote } from '../sources/folder-scan.js';

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

/** Something the read of a folder source met, by file: the stuff of the read warnings. */
export interface ReadNote extends ScanNote {
  readonly source: string;
}

const NOTE_WARNINGS: Readonly<Record<ReadNote['kind'], { code: BackupWarning['code']; what: (n: number) => string }>> = {
  changed: { code: 'CHANGED_FILES', what: (n) => `${n} file${n === 1 ? '' : 's'} changed while being read (stored as read, or left out if replaced)` },
  vanished: { code: 'VANISHED_FILES', what: (n) => `${n} entr${n === 1 ? 'y was' : 'ies were'} deleted while the backup ran (not stored)` },
  sparse: {
    code: 'SPARSE_FILES',
    what: (n) => `${n} sparse file${n === 1 ? ' was' : 's were'} left out (mostly holes; pass --include-sparse or set the profile option includeSparse to read them in full)`,
  },
  name: { code: 'UNKEPT_NAMES', what: (n) => `${n} name${n === 1 ? ' is' : 's are'} not valid UTF-8 and could not be kept byte-exact (left out; rename to back up)` },
  filesystem: {
    code: 'FOLDERS_NOT_ENTERED',
    what: (n) => `${n} folder${n === 1 ? ' is a mount point' : 's are mount points'} of another filesystem, stored empty (pass --cross-filesystems or set crossFilesystems to include)`,
  },
  cycle: { code: 'FOLDERS_NOT_ENTERED', what: (n) => `${n} folder${n === 1 ? ' was' : 's were'} reached a second time (a bind mount or loop) and not entered again` },
};

/** How many paths a warning names; the manifest lists them all. */
const NAMED = 5;

/**
 * One warning per kind of read note, naming the first files (`source/path`, non-UTF-8 bytes as
 * `\xNN`); every note is also in the manifest (skipped / changed lists).
 */
export function readWarnings(notes: readonly ReadNote[]): BackupWarning[] {
  const byKind = new Map<ReadNote['kind'], ReadNote[]>();
  for (const n of notes) {
    const list = byKind.get(n.kind) ?? [];
    list.push(n);
    byKind.set(n.kind, list);
  }
  const out: BackupWarning[] = [];
  for (const [kind, list] of byKind) {
    const named = list.slice(0, NAMED).map((n) => `${n.source}/${n.path}${kind === 'changed' ? ` (${n.reason})` : ''}`);
    const more = list.length > NAMED ? `, and ${list.length - NAMED} more (listed in the manifest)` : '';
    out.push({ code: NOTE_WARNINGS[kind].code, message: `${NOTE_WARNINGS[kind].what(list.length)}: ${named.join(', ')}${more}.` });
  }
  return out;
}
