import { createHash, randomUUID } from 'node:crypto';
import { writeRawTarGz, type RawTarEntry } from './raw-tar.js';
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

/** How a fake backup is laid out beyond its entries. */
export interface FakeOptions {
  /** The folder source's root entry (`files/docs`); a folder by default. Give a symlink to forge one. */
  readonly root?: FakeEntry;
  /** Write a tar.gz instead of a ZIP. */
  readonly format?: 'zip' | 'tar.gz';
}

function tarEntry(e: FakeEntry): RawTarEntry {
  const kind = kindOf(e);
  const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data ?? '');
  const type = ((e.mode ?? 0) & 0o170000) === 0o010000 ? '6' : kind === 'directory' ? '5' : kind === 'symlink' ? '2' : '0';
  return { name: e.name, type, data: type === '0' ? data : undefined, linkname: kind === 'symlink' ? (e.target ?? data.toString()) : undefined, mode: (e.mode ?? (kind === 'directory' ? 0o755 : 0o644)) & 0o7777 };
}

/**
 * Build a ZIP (or tar.gz) that looks like a Lifeboat backup of one folder source "docs" (README,
 * manifest listing every entry with its real SHA-256), around whatever entries a test needs:
 * hostile names, special modes, lies. `patch` edits the manifest before it is written.
 */
export async function writeFakeBackup(path: string, entries: readonly FakeEntry[], patch: (m: Record<string, unknown>) => void = () => undefined, options: FakeOptions = {}): Promise<void> {
  const now = new Date('2026-11-01T00:00:00.000Z').toISOString();
  const root: FakeEntry = options.root ?? { name: 'files/docs/', mode: 0o040755 };
  const listed = entries.filter((e) => !e.unlisted);
  const manifestEntries = [
    ...[root, ...listed].map((e) => {
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
    format: options.format ?? 'zip',
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
  const all: FakeEntry[] = [{ name: 'README.txt', data: 'generated fixture' }, root, ...entries, { name: 'manifest.json', data: JSON.stringify(manifest) }];
  if (options.format === 'tar.gz') await writeRawTarGz(path, all.map(tarEntry));
  else await writeRawZip(path, all);
}
