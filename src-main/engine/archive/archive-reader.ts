import { open } from 'node:fs/promises';
import type { ArchiveFormat, EntryKind } from '../../../src-shared/domain/enums.js';
import { destinationError, errnoCode } from '../util/fs-errors.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { Manifest } from '../../../src-shared/manifest/schema.js';
import { ARCHIVE_LAYOUT, parseManifest } from '../../../src-shared/manifest/schema.js';
import { FLAG_ENCRYPTED, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from './zip/zip-format.js';
import { Digest, ZipReader, type EntryData, type Offload, type ZipEntry } from './zip/zip-reader.js';
import type { PackPool } from '../workers/pack-pool.js';
import { walkTarGz } from './tar/tar-reader.js';
import { assertManifestSize, manifestByteCap } from './entry-rules.js';

export { Digest, type EntryData } from './zip/zip-reader.js';

/**
 * ZIP only: small entries are decoded, checked and hashed by `pool`'s workers (and written to
 * `plan(path).dest`, if given); the visitor then gets a Digest. `plan` returning undefined keeps an
 * entry's bytes.
 */
export interface ArchiveOffload {
  readonly pool: PackPool;
  readonly plan: (path: string) => ReturnType<Offload['plan']>;
}

/** One entry as found in an archive (its own headers, not the manifest's claims). */
export interface ArchiveEntryInfo {
  readonly path: string;
  readonly kind: EntryKind | 'other';
  readonly size: number;
  readonly mode: number;
  readonly mtime: Date;
  /** Tar stores link targets in the header; ZIP stores them as the entry's data. */
  readonly linkTarget?: string;
  /** ZIP only: the stored (compressed) size. */
  readonly compressedSize?: number;
  /** ZIP only: the entry is encrypted. */
  readonly encrypted?: boolean;
}

/**
 * Called per entry; `data` is the entry's bytes when asked for (a whole Buffer for small ZIP
 * entries, else chunks), else null. ZIP entries are checked (size, CRC-32) as they are read.
 */
export type EntryVisitor = (entry: ArchiveEntryInfo, data: EntryData | null) => Promise<void>;

/** Tell ZIP from tar.gz by magic bytes, not by file name (a downloaded file may be renamed). */
export async function detectFormat(path: string): Promise<ArchiveFormat> {
  let head: Buffer;
  try {
    const fh = await open(path, 'r');
    try {
      head = Buffer.alloc(4);
      await fh.read(head, 0, 4, 0);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new LifeboatError('NOT_FOUND', `Cannot open archive ${path}: ${(e as Error).message}`, { path }, { cause: e });
  }
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'zip';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz';
  throw new LifeboatError('ARCHIVE_INVALID', `${path} is neither a ZIP nor a tar.gz archive.`, { path });
}

function invalid(path: string, e: unknown): LifeboatError {
  if (e instanceof LifeboatError) return e;
  // A failed write (while staging or extracting) is about the disk written to, not the archive read:
  // classify it by its errno, wherever it was caught.
  const code = errnoCode(e);
  const at = typeof (e as { path?: unknown }).path === 'string' ? (e as { path: string }).path : undefined;
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EROFS' || ((code === 'EACCES' || code === 'EPERM') && at !== path)) return destinationError(e, at ?? 'the restore target');
  return new LifeboatError('ARCHIVE_INVALID', `Cannot read archive ${path}: ${(e as Error).message}`, { path }, { cause: e });
}

function zipKind(entry: ZipEntry): { kind: EntryKind | 'other'; mode: number } {
  const unixMode = entry.madeBy === 3 || entry.externalAttrs >>> 16 !== 0 ? (entry.externalAttrs >>> 16) & 0xffff : 0;
  const type = unixMode & S_IFMT;
  if (entry.name.endsWith('/') || type === S_IFDIR) return { kind: 'directory', mode: unixMode & 0o7777 };
  if (type === S_IFLNK) return { kind: 'symlink', mode: unixMode & 0o7777 };
  if (type === 0 || type === S_IFREG) return { kind: 'file', mode: unixMode & 0o7777 };
  return { kind: 'other', mode: unixMode & 0o7777 };
}

function zipInfo(entry: ZipEntry): ArchiveEntryInfo {
  const { kind, mode } = zipKind(entry);
  return {
    path: entry.name.replace(/\/$/, ''),
    kind,
    size: entry.size,
    mode,
    mtime: entry.mtime,
    compressedSize: entry.compressedSize,
    encrypted: (entry.flags & FLAG_ENCRYPTED) !== 0,
  };
}

async function walkZip(path: string, withData: boolean, visit: EntryVisitor, offload?: Offload): Promise<void> {
  const zip = await ZipReader.open(path);
  try {
    await zip.walk(
      withData,
      async (entry, data) => {
      const info = zipInfo(entry);
      try {
        await visit(info, info.kind === 'directory' || info.encrypted ? null : data);
      } catch (e) {
        throw e instanceof LifeboatError ? e : new Error(`entry "${entry.name}": ${(e as Error).message}`, { cause: e });
      }
      },
      offload,
    );
  } finally {
    await zip.close();
  }
}

function tarKind(type: string, path: string): EntryKind | 'other' {
  switch (type) {
    case '0':
    case '7':
      // Old tars mark folders as files whose name ends in a slash.
      return path.endsWith('/') ? 'directory' : 'file';
    case '5':
      return 'directory';
    case '2':
      return 'symlink';
    default:
      return 'other'; // hardlinks, devices, FIFOs: refused by the entry rules
  }
}

async function walkTar(path: string, withData: boolean, visit: EntryVisitor): Promise<void> {
  await walkTarGz(path, withData, async (entry, data) => {
    const kind = tarKind(entry.type, entry.path);
    const info: ArchiveEntryInfo = {
      path: entry.path.endsWith('/') ? entry.path.slice(0, -1) : entry.path,
      kind,
      size: kind === 'file' ? entry.size : 0,
      mode: entry.mode & 0o7777,
      mtime: entry.mtime,
      ...(kind === 'symlink' ? { linkTarget: entry.linkpath } : {}),
    };
    await visit(info, kind === 'file' ? data : null);
  });
}

/**
 * Visit every entry of an archive in order. With `withData`, file entries (and ZIP symlinks)
 * come with a stream of their bytes, which the visitor must consume before it resolves.
 */
export async function walkArchive(path: string, format: ArchiveFormat, withData: boolean, visit: EntryVisitor, offload?: ArchiveOffload): Promise<void> {
  try {
    if (format === 'zip') await walkZip(path, withData, visit, offload && { pool: offload.pool, plan: (e) => offload.plan(e.name.replace(/\/$/, '')) });
    else await walkTar(path, withData, visit);
  } catch (e) {
    throw invalid(path, e);
  }
}

/** Entries as the archive's own headers describe them. */
export async function listArchive(path: string, format?: ArchiveFormat): Promise<ArchiveEntryInfo[]> {
  const fmt = format ?? (await detectFormat(path));
  const entries: ArchiveEntryInfo[] = [];
  await walkArchive(path, fmt, false, async (e) => {
    entries.push(e);
  });
  return entries;
}

/** Call `onChunk` for every chunk of an entry's bytes (a whole Buffer or a stream of them). */
export async function eachChunk(data: Buffer | AsyncIterable<Buffer>, onChunk: (chunk: Buffer) => void | Promise<void>): Promise<void> {
  if (Buffer.isBuffer(data)) {
    await onChunk(data);
    return;
  }
  for await (const chunk of data) await onChunk(chunk);
}

/**
 * Gather an entry's bytes, refusing more than `maxBytes`. Callers check the entry's declared size
 * against their cap before calling; this is the backstop for a stream that runs past it.
 */
export async function readAll(data: EntryData, name: string, maxBytes: number): Promise<Buffer> {
  if (data instanceof Digest) throw new Error(`internal: "${name}" was only hashed`);
  if (Buffer.isBuffer(data)) {
    if (data.length > maxBytes) throw tooBig(name, data.length, maxBytes);
    return data;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of data) {
    size += c.length;
    if (size > maxBytes) throw tooBig(name, size, maxBytes);
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

function tooBig(name: string, size: number, cap: number): LifeboatError {
  return new LifeboatError('ARCHIVE_HOSTILE', `Refusing the archive: "${name}" holds more than ${cap} bytes (${size} read so far), past what it declares may be read into memory.`, { entry: name, capBytes: cap });
}

/** The manifest's bytes from an open ZIP, by random access (it is the last entry), its declared size judged first. */
async function zipManifestBytes(zip: ZipReader, entries: readonly ArchiveEntryInfo[]): Promise<Buffer | undefined> {
  const entry = zip.entries.find((e) => e.name === ARCHIVE_LAYOUT.manifest);
  if (!entry) return undefined;
  assertManifestSize(zip.path, entry.size, entries);
  return zip.readEntry(entry, manifestByteCap(entries));
}

/**
 * A tar.gz has no directory: the manifest is the last entry, read as the pass reaches it, its
 * declared size judged against the entries seen before it (all of them, in what Lifeboat writes).
 */
async function tarListing(path: string, format: ArchiveFormat): Promise<{ entries: ArchiveEntryInfo[]; raw: Buffer | undefined }> {
  const entries: ArchiveEntryInfo[] = [];
  let raw: Buffer | undefined;
  await walkArchive(path, format, true, async (e, data) => {
    if (e.path === ARCHIVE_LAYOUT.manifest && data && raw === undefined) {
      assertManifestSize(path, e.size, entries);
      raw = await readAll(data, e.path, manifestByteCap(entries));
    }
    entries.push(e);
  });
  return { entries, raw };
}

/** The manifest's bytes: by random access in a ZIP, by a pass in a tar.gz. */
async function manifestBytes(path: string, format: ArchiveFormat): Promise<Buffer | undefined> {
  if (format === 'zip') {
    const zip = await ZipReader.open(path);
    try {
      return await zipManifestBytes(zip, zip.entries.map(zipInfo));
    } finally {
      await zip.close();
    }
  }
  return (await tarListing(path, format)).raw;
}

function parseManifestBytes(path: string, raw: Buffer | undefined): Manifest {
  if (!raw) throw new LifeboatError('ARCHIVE_INVALID', `${path} holds no ${ARCHIVE_LAYOUT.manifest}; it was not written by Lifeboat.`, { path });
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new LifeboatError('ARCHIVE_INVALID', `The manifest in ${path} is not valid JSON: ${(e as Error).message}`, { path });
  }
  return parseManifest(json, path);
}

/** Read and validate `manifest.json` from an archive. */
export async function readManifest(path: string, format?: ArchiveFormat): Promise<Manifest> {
  const fmt = format ?? (await detectFormat(path));
  let raw: Buffer | undefined;
  try {
    raw = await manifestBytes(path, fmt);
  } catch (e) {
    throw invalid(path, e);
  }
  return parseManifestBytes(path, raw);
}

/**
 * The entries as the archive's own headers describe them, and its manifest (null when it has
 * none), from one opening of a ZIP. The manifest comes as a promise so callers can judge the
 * entries first; it is already being read.
 */
export async function listWithManifest(path: string, format: ArchiveFormat): Promise<{ entries: ArchiveEntryInfo[]; manifest: Promise<Manifest | null> }> {
  if (format !== 'zip') {
    // One pass: the listing, and the manifest's bytes as they go by (it is the last entry).
    const { entries, raw } = await tarListing(path, format);
    const manifest = Promise.resolve().then(() => (raw === undefined ? null : parseManifestBytes(path, raw)));
    manifest.catch(() => undefined); // awaited by the caller
    return { entries, manifest };
  }
  let zip: ZipReader;
  try {
    zip = await ZipReader.open(path);
  } catch (e) {
    throw invalid(path, e);
  }
  const entries = [...zip.entries].sort((a, b) => a.localOffset - b.localOffset).map(zipInfo);
  const manifest = zipManifestBytes(zip, entries)
    .then((raw) => (raw ? parseManifestBytes(path, raw) : null))
    .catch((e: unknown) => {
      throw invalid(path, e);
    })
    .finally(() => zip.close());
  manifest.catch(() => undefined); // awaited by the caller
  return { entries, manifest };
}
