import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Parser, type ReadEntry } from 'tar';
import yauzl from 'yauzl';
import type { ArchiveFormat, EntryKind } from '../../../src-shared/domain/enums.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { Manifest } from '../../../src-shared/manifest/schema.js';
import { ARCHIVE_LAYOUT, parseManifest } from '../../../src-shared/manifest/schema.js';

/** One entry as found in an archive (its own headers, not the manifest's claims). */
export interface ArchiveEntryInfo {
  readonly path: string;
  readonly kind: EntryKind | 'other';
  readonly size: number;
  readonly mode: number;
  readonly mtime: Date;
  /** Tar stores link targets in the header; ZIP stores them as the entry's data. */
  readonly linkTarget?: string;
  /** ZIP only: the stored (compressed) size, for the compression-ratio cap. */
  readonly compressedSize?: number;
  /** ZIP only: the entry is encrypted. */
  readonly encrypted?: boolean;
}

/** Called per entry; `data` is the entry's bytes when asked for, else null. */
export type EntryVisitor = (entry: ArchiveEntryInfo, data: Readable | null) => Promise<void>;

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

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
  const message = (e as Error).message ?? '';
  // yauzl refuses unsafe names itself; report them as the hostile entries they are.
  const unsafe = /^(invalid relative path|absolute path|invalid characters in fileName): (.*)$/.exec(message);
  if (unsafe) {
    return new LifeboatError('ARCHIVE_HOSTILE', `Refusing the archive: entry "${unsafe[2] ?? ''}" is unsafe (${unsafe[1] ?? ''}). Nothing was written.`, { path, entry: unsafe[2] }, { cause: e });
  }
  return new LifeboatError('ARCHIVE_INVALID', `Cannot read archive ${path}: ${(e as Error).message}`, { path }, { cause: e });
}

function zipKind(entry: yauzl.Entry): { kind: EntryKind | 'other'; mode: number } {
  const unixMode = (entry.externalFileAttributes >>> 16) & 0xffff;
  const type = unixMode & S_IFMT;
  if (entry.fileName.endsWith('/') || type === S_IFDIR) return { kind: 'directory', mode: unixMode & 0o7777 };
  if (type === S_IFLNK) return { kind: 'symlink', mode: unixMode & 0o7777 };
  if (type === 0 || type === 0o100000) return { kind: 'file', mode: unixMode & 0o7777 };
  return { kind: 'other', mode: unixMode & 0o7777 };
}

async function walkZip(path: string, withData: boolean, visit: EntryVisitor): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    // Sizes are checked by the callers against the manifest (hash and byte count of every
    // stream), which names the entry; yauzl's own check would fail without naming it.
    yauzl.open(path, { lazyEntries: true, autoClose: false, validateEntrySizes: false }, (err, z) => (err ? reject(err) : resolve(z))),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', resolve);
      zip.on('entry', (entry: yauzl.Entry) => {
        const { kind, mode } = zipKind(entry);
        const info: ArchiveEntryInfo = {
          path: entry.fileName.replace(/\/$/, ''),
          kind,
          size: entry.uncompressedSize,
          mode,
          mtime: entry.getLastModDate(),
          compressedSize: entry.compressedSize,
          encrypted: entry.isEncrypted(),
        };
        const next = async (): Promise<void> => {
          if (withData && kind !== 'directory' && !info.encrypted) {
            const stream = await new Promise<Readable>((res, rej) => zip.openReadStream(entry, (err, s) => (err ? rej(err) : res(s))));
            // Damaged deflate data errors on the stream; with no listener that would crash the process.
            let streamError: Error | undefined;
            stream.on('error', (e: Error) => {
              streamError ??= e;
            });
            await visit(info, stream);
            // A stream the visitor did not read is not inflated at all.
            if (!stream.readableEnded) stream.destroy();
            if (streamError) throw streamError;
          } else {
            await visit(info, null);
          }
        };
        next().then(
          () => zip.readEntry(),
          (e: unknown) => reject(e instanceof LifeboatError ? e : new Error(`entry "${entry.fileName}": ${(e as Error).message}`, { cause: e })),
        );
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

function tarKind(type: ReadEntry['type']): EntryKind | 'other' {
  switch (type) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      return 'file';
    case 'Directory':
      return 'directory';
    case 'SymbolicLink':
      return 'symlink';
    default:
      return 'other';
  }
}

async function walkTar(path: string, withData: boolean, visit: EntryVisitor): Promise<void> {
  let failure: Error | undefined;
  const pending: Promise<void>[] = [];
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      const kind = tarKind(entry.type);
      const info: ArchiveEntryInfo = {
        path: entry.path.replace(/\/$/, ''),
        kind,
        size: entry.size ?? 0,
        mode: (entry.mode ?? 0) & 0o7777,
        mtime: entry.mtime ?? new Date(0),
        ...(kind === 'symlink' ? { linkTarget: entry.linkpath ?? '' } : {}),
      };
      const done = visit(info, withData && kind === 'file' ? (entry as unknown as Readable) : null)
        .catch((e: unknown) => {
          failure ??= e instanceof Error ? e : new Error(String(e));
        })
        .finally(() => entry.resume());
      pending.push(done);
    },
  });
  parser.on('warn', (_code: string, message: string) => {
    failure ??= new Error(message);
  });
  await pipeline(createReadStream(path), parser);
  await Promise.all(pending);
  if (failure) throw failure;
}

/**
 * Visit every entry of an archive in order. With `withData`, file entries (and ZIP symlinks)
 * come with a stream of their bytes, which the visitor must consume before it resolves.
 */
export async function walkArchive(path: string, format: ArchiveFormat, withData: boolean, visit: EntryVisitor): Promise<void> {
  try {
    if (format === 'zip') await walkZip(path, withData, visit);
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

/** A manifest of a million entries is ~250 MB; anything beyond is refused rather than buffered. */
const MAX_MANIFEST_BYTES = 512 * 1024 * 1024;

async function readAll(stream: Readable, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    size += (c as Buffer).length;
    if (size > MAX_MANIFEST_BYTES) throw new LifeboatError('ARCHIVE_HOSTILE', `Refusing the archive: "${name}" is larger than ${MAX_MANIFEST_BYTES} bytes.`, { entry: name });
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Read and validate `manifest.json` from an archive. */
export async function readManifest(path: string, format?: ArchiveFormat): Promise<Manifest> {
  const fmt = format ?? (await detectFormat(path));
  let raw: Buffer | undefined;
  await walkArchive(path, fmt, true, async (e, data) => {
    if (e.path === ARCHIVE_LAYOUT.manifest && data) raw = await readAll(data, e.path);
  });
  if (!raw) throw new LifeboatError('ARCHIVE_INVALID', `${path} holds no ${ARCHIVE_LAYOUT.manifest}; it was not written by Lifeboat.`, { path });
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new LifeboatError('ARCHIVE_INVALID', `The manifest in ${path} is not valid JSON: ${(e as Error).message}`, { path });
  }
  return parseManifest(json, path);
}
