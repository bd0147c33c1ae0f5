import type { BackupSummary } from '../../../src-shared/domain/backup.js';
import type { Manifest, ManifestEntry } from '../../../src-shared/manifest/schema.js';
import { extensionOf } from '../../../src-shared/manifest/schema.js';

/** File-type breakdown by extension: count and bytes, largest first. */
export function buildFileTypes(entries: readonly ManifestEntry[]): { ext: string; count: number; bytes: number }[] {
  const byExt = new Map<string, { ext: string; count: number; bytes: number }>();
  for (const e of entries) {
    if (e.kind !== 'file') continue;
    const ext = extensionOf(e.path);
    const t = byExt.get(ext) ?? { ext, count: 0, bytes: 0 };
    t.count += 1;
    t.bytes += e.size;
    byExt.set(ext, t);
  }
  return [...byExt.values()].sort((a, b) => b.bytes - a.bytes || a.ext.localeCompare(b.ext));
}

/** The catalog's compact summary of a manifest. */
export function summarize(m: Manifest): BackupSummary {
  return {
    sources: m.sources.map((s) => {
      switch (s.kind) {
        case 'folder':
          return { name: s.name, kind: s.kind, rows: null, files: s.files, bytes: s.bytes };
        case 'sqlite':
        case 'postgres':
        case 'mysql': {
          const entry = m.entries.find((e) => e.path === s.entry);
          return { name: s.name, kind: s.kind, rows: s.totalRows, files: null, bytes: entry?.size ?? 0 };
        }
      }
    }),
    files: m.totals.files,
    bytes: m.totals.bytes,
    rows: m.totals.rows,
    entries: m.entries.length,
  };
}
