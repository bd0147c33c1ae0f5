import type { FileHandle } from 'node:fs/promises';
import type { ArchiveFormat, EntryKind } from '../../../src-shared/domain/enums.js';
import { openArchiveFile, destinationError, errnoCode } from '../util/fs-errors.js';
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
  /** Big entries too, read by the workers from the archive by offset (see Offload.big). */
  readonly big?: boolean;
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

/** Formats people drop by mistake, named so the refusal says what the file is. */
const OTHER_FORMATS: readonly [string, (head: Buffer) => boolean][] = [
  ['a 7-Zip archive', (h) => h.subarray(0, 6).equals(Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]))],
  ['a RAR archive', (h) => h.toString('latin1', 0, 4) === 'Rar!'],
  ['a bzip2-compressed file', (h) => h.toString('latin1', 0, 3) === 'BZh'],
  ['an xz-compressed file', (h) => h.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))],
  ['a Zstandard-compressed file', (h) => h.readUInt32LE(0) === 0xfd2fb528],
  ['an uncompressed tar (Lifeboat reads tar.gz: gzip it first)', (h) => h.toString('latin1', 257, 262) === 'ustar'],
];

/** True when the last 64 KiB + 22 bytes hold a ZIP end-of-central-directory record. */
async function hasZipEnd(fh: FileHandle): Promise<boolean> {
  const { size } = await fh.stat();
  const length = Math.min(size, 22 + 0xffff);
  const tail = Buffer.alloc(length);
  await fh.read(tail, 0, length, size - length);
  for (let i = length - 22; i >= 0; i -= 1) if (tail.readUInt32LE(i) === 0x06054b50 && i + 22 + tail.readUInt16LE(i + 20) <= length) return true;
  return false;
}

/**
 * Tell ZIP from tar.gz by content, not by file name (a downloaded file may be renamed). A ZIP is
 * known by its first local header, or, when something comes before it (a self-extractor's stub,
 * an empty archive), by its end record, as unzip finds it.
 */
export async function detectFormat(path: string): Promise<ArchiveFormat> {
  const fh = await openArchiveFile(path);
  try {
    const head = Buffer.alloc(512);
    await fh.read(head, 0, 512, 0);
    if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'zip';
    if (head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz';
    if (await hasZipEnd(fh)) return 'zip';
    const other = OTHER_FORMATS.find(([, test]) => test(head));
    const what = other ? `: it is ${other[0]}` : '';
    throw new LifeboatError('ARCHIVE_INVALID', `${path} is neither a ZIP nor a tar.gz archive${what}. Lifeboat reads ZIP (also self-extracting) and tar.gz.`, { path });
  } catch (e) {
    if (e instanceof LifeboatError) throw e;
    throw new LifeboatError('ARCHIVE_INVALID', `Cannot read ${path}: ${(e as Error).message}`, { path }, { cause: e });
  } finally {
    await fh.close();
  }
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

/** MS-DOS attribute bits in the low byte of the external attributes. */
const DOS_DIRECTORY = 0x10;

/** The process umask (0o022 where it cannot be read). */
function currentUmask(): number {
  try {
    // The argument-less read; it works in worker threads too, where setting the umask is refused.
    return process.umask();
  } catch {
    return 0o022;
  }
}

/**
 * An entry's kind and permission bits. A ZIP made on Windows or DOS (or by a tool that stores no
 * Unix mode) has nothing in the high half of its external attributes: its entries get what `unzip`
 * gives them, 0644 for files and 0755 for folders minus the umask, never mode 000.
 */
function zipKind(entry: ZipEntry): { kind: EntryKind | 'other'; mode: number } {
  const unixMode = (entry.externalAttrs >>> 16) & 0xffff;
  if (unixMode === 0) {
    const folder = entry.name.endsWith('/') || (entry.externalAttrs & DOS_DIRECTORY) !== 0;
    return { kind: folder ? 'directory' : 'file', mode: (folder ? 0o755 : 0o644) & ~currentUmask() };
  }
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

/**
 * `tar -C dir -czf x.tar.gz .` names entries `./a`, and the folder itself `./`: the leading `./`
 * means "here" to every tar, so it is dropped (Lifeboat never writes it), and the "." entry is
 * the extraction folder itself. Any other "." or ".." segment is left for the entry rules.
 */
function tarPath(raw: string): string {
  let p = raw;
  while (p.startsWith('./')) p = p.slice(2);
  return p.endsWith('/') ? p.slice(0, -1) : p;
}

async function walkTar(path: string, withData: boolean, visit: EntryVisitor): Promise<void> {
  await walkTarGz(path, withData, async (entry, data) => {
    const kind = tarKind(entry.type, entry.path);
    const name = tarPath(entry.path);
    if (kind === 'directory' && (name === '' || name === '.') && entry.path.startsWith('.')) return;
    const info: ArchiveEntryInfo = {
      path: name,
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
    if (format === 'zip') await walkZip(path, withData, visit, offload && { pool: offload.pool, big: offload.big ?? false, plan: (e) => offload.plan(e.name.replace(/\/$/, '')) });
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

/** The longest link target a file system takes (PATH_MAX). */
const LINK_TARGET_MAX = 4096;

/**
 * The targets of an archive's symlinks: tar stores them in the header, ZIP as the entry's data,
 * read here by random access with the declared size judged first. A target that is empty, holds
 * a NUL or is longer than PATH_MAX is refused (no file system can hold it).
 */
export async function readLinkTargets(path: string, format: ArchiveFormat, entries: readonly ArchiveEntryInfo[]): Promise<Map<string, string>> {
  const targets = new Map<string, string>();
  const bad = (entry: string, why: string): LifeboatError =>
    new LifeboatError('ARCHIVE_HOSTILE', `Refusing the archive: symlink "${entry}" ${why}. Nothing was written.`, { path, entry });
  const keep = (entry: string, target: string): void => {
    if (target.length === 0) throw bad(entry, 'has an empty target');
    if (target.includes('\u0000')) throw bad(entry, 'has a NUL byte in its target');
    targets.set(entry, target);
  };
  if (format === 'tar.gz') {
    for (const e of entries) if (e.kind === 'symlink') keep(e.path, e.linkTarget ?? '');
    return targets;
  }
  if (!entries.some((e) => e.kind === 'symlink')) return targets;
  let zip: ZipReader;
  try {
    zip = await ZipReader.open(path);
  } catch (e) {
    throw invalid(path, e);
  }
  try {
    for (const z of zip.entries) {
      const info = zipInfo(z);
      if (info.kind !== 'symlink') continue;
      if (z.size > LINK_TARGET_MAX) throw bad(info.path, `declares a ${z.size}-byte target, longer than the ${LINK_TARGET_MAX} bytes a file system takes`);
      keep(info.path, (await zip.readEntry(z, LINK_TARGET_MAX)).toString('utf8'));
    }
  } catch (e) {
    throw invalid(path, e);
  } finally {
    await zip.close();
  }
  return targets;
}
