import { constants, createWriteStream } from 'node:fs';
import { chmod, lchown, lutimes, mkdir, open, symlink, utimes } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArchiveFormat } from '../../../src-shared/domain/enums.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { Manifest, ManifestEntry } from '../../../src-shared/manifest/schema.js';
import { walkArchive } from '../archive/archive-reader.js';
import { discard, HashingStream } from '../util/hashing-stream.js';
import { printable } from './entry-safety.js';

/** Stops a stream that delivers more bytes than the manifest declared (a lying header, a bomb). */
class SizeCap extends Transform {
  private seen = 0;
  constructor(
    private readonly limit: number,
    private readonly entry: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) {
      done(new LifeboatError('ARCHIVE_HOSTILE', `Refusing the archive: entry "${printable(this.entry)}" holds more than the ${this.limit} bytes its manifest declares. Nothing was restored.`, { entry: this.entry }));
      return;
    }
    done(null, chunk);
  }
}

/**
 * One pass over the archive: every file entry is hashed against the manifest; entries mapped in
 * `destinations` are also written there (new files only: O_EXCL, never through a link).
 * Modes and mtimes are applied afterwards, symlinks are created last, owners never.
 */
export async function verifyAndExtract(
  archive: string,
  format: ArchiveFormat,
  manifest: Manifest,
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

  await walkArchive(archive, format, true, async (info, data) => {
    const entry = byPath.get(info.path);
    if (!entry) return; // README.txt and manifest.json; anything else was refused by the pre-flight
    const dest = destinations.get(entry.path);
    if (entry.kind === 'directory') {
      if (dest) {
        await mkdir(dest, { recursive: true });
        written.push({ entry, dest });
      }
      return;
    }
    if (entry.kind === 'symlink') {
      if (dest) links.push({ entry, dest });
      data?.resume();
      return;
    }
    if (!data) throw new LifeboatError('ARCHIVE_INVALID', `Entry "${printable(entry.path)}" has no data.`);
    const hash = new HashingStream(onBytes);
    const cap = new SizeCap(entry.size, entry.path);
    if (dest) {
      await mkdir(dirname(dest), { recursive: true });
      // O_EXCL + O_NOFOLLOW: a new file only, never through a link; flush: fsync before close.
      const fh = await open(dest, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      await pipeline(data, cap, hash, createWriteStream('', { fd: fh, flush: true }));
      written.push({ entry, dest });
    } else {
      await pipeline(data, cap, hash, discard());
    }
    if (hash.bytes !== entry.size) problems.push(`"${printable(entry.path)}" holds ${hash.bytes} bytes, the manifest says ${entry.size}`);
    else if (expectHashes && hash.digest() !== entry.sha256) problems.push(`"${printable(entry.path)}" does not match its SHA-256 in the manifest`);
  });

  if (problems.length > 0) {
    throw new LifeboatError('CHECKSUM_MISMATCH', `The archive is damaged: ${problems.slice(0, 5).join('; ')}. Nothing was restored.`, { problems });
  }
  for (const { entry, dest } of links) {
    await mkdir(dirname(dest), { recursive: true });
    await symlink(entry.target ?? '', dest);
    await lutimes(dest, new Date(entry.mtime), new Date(entry.mtime)).catch(() => undefined);
  }
  // Files first, then folders deepest first, so creating children does not bump a folder's mtime.
  const files = written.filter((w) => w.entry.kind === 'file');
  const dirs = written.filter((w) => w.entry.kind === 'directory').sort((a, b) => b.dest.length - a.dest.length);
  for (const { entry, dest } of [...files, ...dirs]) {
    await chmod(dest, entry.mode & 0o777);
    await utimes(dest, new Date(entry.mtime), new Date(entry.mtime));
  }
  // Owners are data from the archive: never applied unless a system restore asks for them.
  if (applyOwners) {
    for (const { entry, dest } of [...written, ...links]) if (entry.uid !== undefined && entry.gid !== undefined) await lchown(dest, entry.uid, entry.gid);
  }
}
