import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { chmod, lchown, lutimes, mkdir, open, symlink, utimes } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ArchiveFormat } from '../../../src-shared/domain/enums.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { ManifestEntry } from '../../../src-shared/manifest/schema.js';
import { Digest, eachChunk, walkArchive } from '../archive/archive-reader.js';
import { flushWritten } from '../util/sync-fs.js';
import { addTime } from '../util/phase-times.js';
import { PackPool } from '../workers/pack-pool.js';
import { printable } from './entry-safety.js';

function tooLong(entry: string, limit: number): LifeboatError {
  return new LifeboatError('ARCHIVE_HOSTILE', `Refusing the archive: entry "${printable(entry)}" holds more than the ${limit} bytes its manifest declares. Nothing was restored.`, { entry });
}

const O_NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * One pass over the archive: every file entry is hashed against the manifest; entries mapped in
 * `destinations` are also written there (new files only: O_EXCL, never through a link), with their
 * mode and mtime. In a ZIP, worker threads decode, hash and write the small entries. Folder modes and mtimes are applied afterwards, symlinks are
 * created last, owners never unless asked. Everything written is flushed to disk before returning.
 */
export async function verifyAndExtract(
  archive: string,
  format: ArchiveFormat,
  manifest: { readonly entries: readonly ManifestEntry[] },
  destinations: ReadonlyMap<string, string>,
  onBytes?: (n: number) => void,
  applyOwners = false,
): Promise<void> {
  // A plain archive (no manifest from its origin) has no hashes to compare; sizes still bind.
  const expectHashes = manifest.entries.every((e) => e.kind !== 'file' || e.sha256 !== undefined);
  const byPath = new Map(manifest.entries.map((e) => [e.path, e]));
  const problems: string[] = [];
  const written: { entry: ManifestEntry; dest: string }[] = [];
  const links: { entry: ManifestEntry; dest: string }[] = [];
  // Creating files is bound by the kernel (directory locks, journal); two threads measured
  // faster than one when they work in different folders, and no faster beyond that.
  const workers = format === 'zip' ? new PackPool(2) : undefined;
  const folders = new Map<string, Promise<unknown>>();
  const ensureFolder = (dir: string): Promise<unknown> => {
    let made = folders.get(dir);
    if (!made) {
      made = mkdir(dir, { recursive: true });
      folders.set(dir, made);
    }
    return made;
  };
  const check = (entry: ManifestEntry, bytes: number, digest: string): void => {
    if (bytes !== entry.size) problems.push(`"${printable(entry.path)}" holds ${bytes} bytes, the manifest says ${entry.size}`);
    else if (expectHashes && digest !== entry.sha256) problems.push(`"${printable(entry.path)}" does not match its SHA-256 in the manifest`);
  };

  const walked = walkArchive(archive, format, true, async (info, data) => {
    const entry = byPath.get(info.path);
    if (!entry) return; // README.txt and manifest.json; anything else was refused by the pre-flight
    const dest = destinations.get(entry.path);
    if (entry.kind === 'directory') {
      // Created after the files (the writer thread makes parents as it goes): creating folders
      // here while that thread creates files in them measured four times slower.
      if (dest) written.push({ entry, dest });
      return;
    }
    if (entry.kind === 'symlink') {
      if (dest) links.push({ entry, dest });
      return;
    }
    if (!data) throw new LifeboatError('ARCHIVE_INVALID', `Entry "${printable(entry.path)}" has no data.`);
    const mtime = new Date(entry.mtime);
    if (data instanceof Digest) {
      // A small entry a worker decoded, hashed and (given a target) already wrote, mode and mtime included.
      if (data.size > entry.size) throw tooLong(entry.path, entry.size);
      check(entry, data.size, data.sha256);
      onBytes?.(data.size);
      if (dest) written.push({ entry, dest });
      return;
    }
    const hash = createHash('sha256');
    let bytes = 0;
    const fh = dest ? (await ensureFolder(dirname(dest)), await open(dest, O_NEW_FILE, 0o600)) : undefined;
    if (dest) written.push({ entry, dest });
    try {
      await eachChunk(data, async (chunk) => {
        bytes += chunk.length;
        if (bytes > entry.size) throw tooLong(entry.path, entry.size);
        hash.update(chunk);
        onBytes?.(chunk.length);
        if (fh) await fh.write(chunk);
      });
      await fh?.chmod(entry.mode & 0o777);
      await fh?.utimes(mtime, mtime);
    } finally {
      await fh?.close();
    }
    check(entry, bytes, hash.digest('hex'));
  }, workers && {
    pool: workers,
    // Big entries too: a worker reads, inflates, hashes and writes each from the archive itself.
    big: true,
    plan: (path) => {
      const entry = byPath.get(path);
      if (entry && entry.kind !== 'file') return undefined;
      const dest = entry ? destinations.get(path) : undefined;
      return { dest: dest && entry ? { path: dest, mode: entry.mode & 0o777, mtime: new Date(entry.mtime).getTime() } : null };
    },
  });
  const started = performance.now();
  try {
    await walked;
  } finally {
    // Wall time of the entry pass, and below of the durability flush: the restore's stage step also
    // holds the database checks and pg_restore, which the phase line would otherwise lump in.
    addTime('stage:extract (wall)', performance.now() - started);
    // Stops any worker still writing before a failure reaches the caller's cleanup.
    await workers?.close();
  }

  for (const w of written) if (w.entry.kind === 'directory') await ensureFolder(w.dest);
  if (problems.length > 0) {
    throw new LifeboatError('CHECKSUM_MISMATCH', `The archive is damaged: ${problems.slice(0, 5).join('; ')}. Nothing was restored.`, { problems });
  }
  for (const { entry, dest } of links) {
    await ensureFolder(dirname(dest));
    await symlink(entry.target ?? '', dest);
    await lutimes(dest, new Date(entry.mtime), new Date(entry.mtime)).catch(() => undefined);
  }
  // Folders deepest first, so creating children does not bump a folder's mtime.
  const dirs = written.filter((w) => w.entry.kind === 'directory').sort((a, b) => b.dest.length - a.dest.length);
  for (const { entry, dest } of dirs) {
    await chmod(dest, entry.mode & 0o777);
    await utimes(dest, new Date(entry.mtime), new Date(entry.mtime));
  }
  // Owners are data from the archive: never applied unless a system restore asks for them.
  if (applyOwners) {
    for (const { entry, dest } of [...written, ...links]) if (entry.uid !== undefined && entry.gid !== undefined) await lchown(dest, entry.uid, entry.gid);
  }
  const flushing = performance.now();
  await flushWritten(written.filter((w) => w.entry.kind === 'file').map((w) => w.dest));
  addTime('stage:durability (wall)', performance.now() - flushing);
}
