import { createHash, randomUUID } from 'node:crypto';
import { writeRawZip, type RawZipEntry } from './raw-zip.js';

/** An entry of a generated Lifeboat-shaped archive; defaults to a regular file of folder source "docs". */
export interface FakeEntry extends RawZipEntry {
  /** Leave the entry out of the manifest. */
  readonly unlisted?: boolean;
  readonly target?: string;
}

function kindOf(e: FakeEntry): 'file' | 'directory' | 'symlink' {
  const type = (e.mode ?? 0) & 0o170000;
  if (e.name.endsWith('/') || type === 0o040000) return 'directory';
  if (type === 0o120000) return 'symlink';
  return 'file';
}

/**
 * Build a ZIP that looks like a Lifeboat backup of one folder source "docs" (README, manifest
 * listing every entry with its real SHA-256), around whatever entries a test needs: hostile
 * names, special modes, lies. `patch` edits the manifest before it is written.
 */
export async function writeFakeBackup(path: string, entries: readonly FakeEntry[], patch: (m: Record<string, unknown>) => void = () => undefined): Promise<void> {
  const now = new Date('2026-11-01T00:00:00.000Z').toISOString();
  const listed = entries.filter((e) => !e.unlisted);
  const manifestEntries = [
    { path: 'files/docs', kind: 'directory', source: 'docs', size: 0, mode: 0o755, mtime: now },
    ...listed.map((e) => {
      const kind = kindOf(e);
      const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data ?? '');
      return {
        path: e.name.replace(/\/$/, ''),
        kind,
        source: 'docs',
        size: kind === 'file' ? (e.declaredSize ?? data.length) : 0,
        ...(kind === 'file' ? { sha256: createHash('sha256').update(data).digest('hex') } : {}),
        ...(kind === 'symlink' ? { target: e.target ?? data.toString() } : {}),
        mode: (e.mode ?? 0o644) & 0o7777,
        mtime: now,
      };
    }),
  ];
  const files = manifestEntries.filter((e) => e.kind === 'file');
  const bytes = files.reduce((n, e) => n + e.size, 0);
  const manifest: Record<string, unknown> = {
    formatVersion: 1,
    app: { name: 'lifeboat', version: '0.1.0' },
    backupId: randomUUID(),
    createdAt: now,
    host: 'elsewhere',
    user: 'someone',
    type: 'files',
    format: 'zip',
    trigger: 'MANUAL',
    profile: null,
    description: 'generated fixture',
    tools: {},
    sources: [{ kind: 'folder', name: 'docs', path: '/srv/docs', prefix: 'files/docs/', include: [], exclude: [], gitignore: false, files: files.length, directories: 1, symlinks: 0, bytes, skipped: [] }],
    entries: manifestEntries,
    totals: { files: files.length, directories: manifestEntries.length - files.length, symlinks: 0, bytes, rows: 0 },
    fileTypes: [],
  };
  patch(manifest);
  await writeRawZip(path, [
    { name: 'README.txt', data: 'generated fixture' },
    { name: 'files/docs/', mode: 0o040755 },
    ...entries,
    { name: 'manifest.json', data: JSON.stringify(manifest) },
  ]);
}
