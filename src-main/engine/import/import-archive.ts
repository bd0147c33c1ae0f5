import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BackupWarning } from '../../../src-shared/domain/backup.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { parsePlainEntries, type Manifest } from '../../../src-shared/manifest/schema.js';
import { detectFormat, listWithManifest, readLinkTargets, type ArchiveEntryInfo } from '../archive/archive-reader.js';
import type { EngineEnv } from '../engine-env.js';
import { defaultBackupDir } from '../home.js';
import { runBackup } from '../jobs/backup-job.js';
import { summarize } from '../jobs/manifest-parts.js';
import { assertManifestMatches, assertRoomFor, assertSafeEntries, declaredBytes } from '../restore/entry-safety.js';
import { verifyAndExtract } from '../restore/extract.js';
import { destinationError } from '../util/fs-errors.js';
import { HashingStream } from '../util/hashing-stream.js';
import { readSidecar, sha256File, verifyArchive, writeSidecar } from '../verify/verify-archive.js';
import { statIdentity, type FileIdentity } from './inspect-archive.js';

/** What an import did. */
export interface ImportResult {
  /** The catalog id of the imported backup (or of the one it duplicates). */
  readonly id: string;
  readonly kind: 'lifeboat' | 'plain';
  readonly duplicate: boolean;
  readonly path: string;
  readonly sha256: string;
  readonly warnings: readonly BackupWarning[];
}

const UNVERIFIED_ORIGIN = (why: string): BackupWarning => ({ code: 'UNVERIFIED_ORIGIN', message: why });

/** `dir/name`, or `name-2.zip`, `name-3.tar.gz.age`… when taken: an import never overwrites a file. */
export async function freeName(dir: string, name: string): Promise<string> {
  for (let i = 1; ; i += 1) {
    const candidate = i === 1 ? name : name.replace(/(\.tar\.gz|\.zip)?(\.age)?$/, (ext) => `-${i}${ext}`);
    if (!(await stat(join(dir, candidate)).catch(() => undefined))) return join(dir, candidate);
  }
}

/**
 * Copy `file` into `dir` under a free name (through `.partial`, flushed), hashing what was written.
 * With `expected`, a copy whose SHA-256 differs is removed and refused before it takes the name.
 */
export async function copyInto(file: string, dir: string, expected?: string): Promise<{ path: string; sha256: string }> {
  await mkdir(dir, { recursive: true });
  const target = await freeName(dir, basename(file));
  const partial = `${target}.partial`;
  const hash = new HashingStream();
  try {
    await pipeline(createReadStream(file), hash, createWriteStream(partial, { flags: 'wx', flush: true }));
  } catch (e) {
    await rm(partial, { force: true });
    throw destinationError(e, partial);
  }
  const sha256 = hash.digest();
  if (expected !== undefined && sha256 !== expected) {
    await rm(partial, { force: true });
    throw new LifeboatError('CHECKSUM_MISMATCH', `The copy of ${file} does not match the original; nothing was imported.`, { path: file });
  }
  await rename(partial, target);
  return { path: target, sha256 };
}

async function importLifeboat(env: EngineEnv, file: string, manifest: Manifest, entries: readonly ArchiveEntryInfo[]): Promise<ImportResult> {
  assertManifestMatches(manifest, entries);
  const sidecar = await readSidecar(file);
  const report = await verifyArchive(file, { sha256: sidecar, source: sidecar ? 'sidecar' : 'none' });
  if (!report.ok) {
    const first = report.problems[0];
    throw new LifeboatError('VERIFY_FAILED', `${file} fails verification, so it was not imported: ${first?.path}: ${first?.problem}`, { problems: report.problems });
  }
  // The copy must be the bytes that verified: one that differs is removed before it takes the name.
  const copy = await copyInto(file, defaultBackupDir(env.home), report.sha256);
  await writeSidecar(copy.path, copy.sha256);
  const { id, warnings } = insertImported(env, manifest, { path: copy.path, size: (await stat(copy.path)).size, sha256: copy.sha256 }, Boolean(sidecar));
  return { id, kind: 'lifeboat', duplicate: false, path: copy.path, sha256: copy.sha256, warnings };
}

/**
 * The catalog row of an imported Lifeboat archive (plain or encrypted): its manifest's facts, the
 * stored file's size and SHA-256, and an UNVERIFIED_ORIGIN warning when no `.sha256` came with it.
 * A backup id already in the catalog gets a new one. Call inside the caller's transaction if any.
 */
export function insertImported(env: EngineEnv, manifest: Manifest, stored: { path: string; size: number; sha256: string }, vouched: boolean): { id: string; warnings: BackupWarning[] } {
  const warnings = vouched ? [] : [UNVERIFIED_ORIGIN('No .sha256 sidecar came with the archive: its entries match its own manifest, but nothing from its origin vouches for the archive as a whole.')];
  const id = env.catalog.backups.get(manifest.backupId) ? randomUUID() : manifest.backupId;
  const now = env.now().toISOString();
  const fileName = basename(stored.path);
  env.catalog.backups.insertCompleted({
    id,
    fileName,
    path: stored.path,
    format: manifest.format,
    type: manifest.type,
    trigger: 'IMPORTED',
    description: manifest.description,
    createdBy: manifest.user,
    host: manifest.host,
    pid: process.pid,
    createdAt: manifest.createdAt,
    profile: null,
    searchText: [manifest.description, fileName, manifest.profile ?? '', manifest.host, ...manifest.sources.map((x) => x.name)].join(' '),
    size: stored.size,
    sha256: stored.sha256,
    finishedAt: now,
    summary: summarize(manifest),
    warnings,
    verifiedAt: now,
  });
  return { id, warnings };
}

/**
 * The re-packed copy of a plain archive takes the dropped file's name (a suffix on collision), not
 * a generated one. Link first, then the catalog row, then the old name goes: a crash in between
 * leaves at worst a second name for the same bytes, never a row pointing at nothing.
 */
async function keepOriginalName(env: EngineEnv, id: string, from: string, sha256: string, wanted: string): Promise<string> {
  const to = await freeName(dirname(from), wanted);
  await link(from, to);
  env.catalog.db.prepare('UPDATE backups SET file_name = ?, path = ? WHERE id = ?').run(basename(to), to, id);
  await writeSidecar(to, sha256);
  await rm(from, { force: true });
  await rm(`${from}.sha256`, { force: true });
  return to;
}

/** A plain archive: its entries become one folder source, re-packed as a files-only Lifeboat backup. */
async function importPlain(env: EngineEnv, file: string, format: 'zip' | 'tar.gz', entries: readonly ArchiveEntryInfo[]): Promise<ImportResult> {
  const stem = basename(file).replace(/(\.tar\.gz|\.tgz|\.zip)$/i, '');
  const name = stem.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._-]+/, '').slice(0, 56) || 'imported';
  const work = join(env.home, 'tmp', `import-${randomUUID()}`);
  const root = join(work, name);
  try {
    await mkdir(root, { recursive: true });
    // Declared sizes against free space before extracting; entries that inflate past them are stopped by the readers.
    await assertRoomFor(root, declaredBytes(entries), `Importing ${basename(file)}`);
    // What the archive's own headers declare, through the same entry schema as any manifest (no
    // hashes: nothing from its origin vouches for the bytes). ZIP symlink targets are their data.
    const targets = await readLinkTargets(file, format, entries);
    const plain = parsePlainEntries(
      {
        entries: entries.map((e) => ({
          path: e.path,
          kind: e.kind,
          source: name,
          size: e.size,
          mode: e.mode & 0o777,
          mtime: e.mtime.toISOString(),
          ...(e.kind === 'symlink' ? { target: targets.get(e.path) } : {}),
        })),
      },
      file,
    );
    await verifyAndExtract(file, format, plain, new Map(entries.map((e) => [e.path, join(root, e.path)])));
    const warning = UNVERIFIED_ORIGIN(`Imported from the plain archive ${basename(file)}: it had no Lifeboat manifest, so nothing from its origin vouches for its contents.`);
    const result = await runBackup(env, {
      sources: [{ kind: 'folder', name, path: root, include: [], exclude: [], gitignore: false }],
      type: 'files',
      format: 'zip',
      destination: defaultBackupDir(env.home),
      description: `Imported from ${basename(file)} (plain archive, no integrity record from its origin)`,
      trigger: 'IMPORTED',
      profile: null,
      options: { allowEmpty: true, skipUnreadable: false },
      recordedPaths: new Map([[name, join(dirname(resolve(file)), stem)]]),
      extraWarnings: [warning],
    });
    const path = await keepOriginalName(env, result.id, result.path, result.sha256, `${stem.replace(/[/\\]/g, '_') || 'imported'}.zip`);
    return { id: result.id, kind: 'plain', duplicate: false, path, sha256: result.sha256, warnings: result.warnings };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The bytes about to be copied are the ones the user was shown (same hash, same file). */
async function assertUnchanged(path: string, sha256: string, inspected: FileIdentity): Promise<void> {
  const now = await statIdentity(path);
  if (path !== inspected.path || sha256 !== inspected.sha256 || now.size !== inspected.size || now.mtimeMs !== inspected.mtimeMs || now.ino !== inspected.ino || now.dev !== inspected.dev) {
    throw new LifeboatError('SOURCE_CHANGED', `${path} changed after it was inspected (SHA-256 ${sha256.slice(0, 12)}…, shown as ${inspected.sha256.slice(0, 12)}…); nothing was imported. Drop it again to see what it is now.`, { path });
  }
}

/**
 * Import an archive made elsewhere (the drag-and-drop path). A Lifeboat archive is verified and
 * registered as IMPORTED with its original metadata; a plain ZIP/tar.gz becomes a files-only
 * backup flagged as having no integrity record from its origin. The same file twice is reported.
 */
export async function importArchive(env: EngineEnv, file: string, inspected?: FileIdentity): Promise<ImportResult> {
  const path = resolve(file);
  const format = await detectFormat(path);
  const sha256 = await sha256File(path);
  if (inspected) await assertUnchanged(path, sha256, inspected);
  const dup = env.catalog.backups.findBySha256(sha256);
  let result: ImportResult;
  if (dup) {
    result = { id: dup.id, kind: 'lifeboat', duplicate: true, path: dup.path, sha256, warnings: [] };
  } else {
    const listed = await listWithManifest(path, format);
    const entries = listed.entries;
    assertSafeEntries(entries);
    const manifest = await listed.manifest;
    result = manifest ? await importLifeboat(env, path, manifest, entries) : await importPlain(env, path, format, entries);
    // A plain archive is re-packed; remember the original's checksum so the same download is caught next time.
    env.catalog.backups.setOrigin(result.id, sha256);
  }
  env.catalog.audit.append({ actor: env.actor, action: result.duplicate ? 'import.duplicate' : 'import.complete', target: result.id, outcome: result.duplicate ? 'info' : 'success', details: { file: path, sha256, kind: result.kind } });
  return result;
}
