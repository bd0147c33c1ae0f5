import type { FileHandle } from 'node:fs/promises';
import { LifeboatError } from '../../../../src-shared/errors/lifeboat-error.js';
import { readAt } from '../../util/read-at.js';
import { printable } from '../../util/printable.js';
import { entryNameProblem } from '../entry-rules.js';
import type { ZipEntry } from './zip-reader.js';
import { decodeName, extraTimestamp, extraUnicodePath, extraZip64, FLAG_UTF8, fromDosDateTime, MAX16, MAX32, parseExtras, SIG } from './zip-format.js';

/** Central directories beyond this are refused rather than read into memory (~10 M entries). */
const MAX_CENTRAL_DIRECTORY = 1024 * 1024 * 1024;

const esc = printable;

function invalid(path: string, message: string): LifeboatError {
  return new LifeboatError('ARCHIVE_INVALID', `Cannot read archive ${path}: ${message}`, { path });
}

function hostile(path: string, entry: string, reason: string): LifeboatError {
  return new LifeboatError('ARCHIVE_HOSTILE', `Refusing the archive: entry "${esc(entry)}" ${reason}. Nothing was written.`, { path, entry: esc(entry) });
}

/**
 * Find the end records, then read and check every central directory record: names decoded
 * (UTF-8 flag, Info-ZIP Unicode Path, else UTF-8 when valid, else CP437) and judged by the entry
 * rules, ZIP64 fields applied, offsets shifted past any bytes in front of the archive.
 */
export async function readCentralDirectory(fh: FileHandle, path: string): Promise<{ entries: ZipEntry[]; cdOffset: number }> {
  const { size: fileSize } = await fh.stat();
  const tailLength = Math.min(fileSize, 22 + MAX16);
  const tail = await readAt(fh, fileSize - tailLength, tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i -= 1) {
    if (tail.readUInt32LE(i) === SIG.end && i + 22 + tail.readUInt16LE(i + 20) <= tail.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw invalid(path, 'no end-of-central-directory record (not a ZIP, or truncated)');
  const eocdAt = fileSize - tailLength + eocd;
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  let cdEnd = eocdAt;
  // Bytes in front of the archive (a self-extractor's stub, a prepended header): the recorded
  // offsets count from the archive's own start. Found, as unzip does, from where the central
  // directory really ends (just before the end records) against where the offsets say it ends.
  let shift = 0;
  if (count === MAX16 || cdSize === MAX32 || cdOffset === MAX32) {
    const loc = eocdAt >= 20 ? await readAt(fh, eocdAt - 20, 20) : Buffer.alloc(0);
    if (loc.length === 20 && loc.readUInt32LE(0) === SIG.zip64Locator) {
      const recorded = Number(loc.readBigUInt64LE(8));
      let at = recorded;
      let z = await readAt(fh, at, 56);
      if ((z.length < 56 || z.readUInt32LE(0) !== SIG.zip64End) && eocdAt >= 76) {
        // The ZIP64 end record sits right before its locator when offsets are shifted.
        at = eocdAt - 20 - 56;
        z = await readAt(fh, at, 56);
      }
      if (z.length < 56 || z.readUInt32LE(0) !== SIG.zip64End) throw invalid(path, 'the ZIP64 end record is missing or damaged');
      shift = at - recorded;
      count = Number(z.readBigUInt64LE(32));
      cdSize = Number(z.readBigUInt64LE(40));
      cdOffset = Number(z.readBigUInt64LE(48)) + shift;
      cdEnd = at;
    }
  } else if (cdOffset + cdSize < cdEnd) {
    const candidate = cdEnd - cdSize;
    const sig = candidate >= 0 && cdSize >= 4 ? (await readAt(fh, candidate, 4)).readUInt32LE(0) : 0;
    if (sig === SIG.central && (await readAt(fh, cdOffset, 4).then((b) => (b.length === 4 ? b.readUInt32LE(0) : 0))) !== SIG.central) {
      shift = candidate - cdOffset;
      cdOffset = candidate;
    }
  }
  if (cdOffset + cdSize > cdEnd) throw invalid(path, `the central directory (${cdSize} bytes at ${cdOffset}) runs past its end record (truncated?)`);
  if (cdSize > MAX_CENTRAL_DIRECTORY) throw new LifeboatError('ARCHIVE_HOSTILE', `Refusing the archive ${path}: its central directory is larger than ${MAX_CENTRAL_DIRECTORY} bytes.`, { path });
  const cd = await readAt(fh, cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let n = 0; n < count; n += 1) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== SIG.central) throw invalid(path, `central directory record ${n + 1} of ${count} is damaged`);
    const flags = cd.readUInt16LE(p + 8);
    const nameLength = cd.readUInt16LE(p + 28);
    const extraLength = cd.readUInt16LE(p + 30);
    const commentLength = cd.readUInt16LE(p + 32);
    if (p + 46 + nameLength + extraLength + commentLength > cd.length) throw invalid(path, `central directory record ${n + 1} of ${count} is cut short`);
    const rawName = Buffer.from(cd.subarray(p + 46, p + 46 + nameLength));
    const extras = parseExtras(cd.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength));
    let size = cd.readUInt32LE(p + 24);
    let compressedSize = cd.readUInt32LE(p + 20);
    let localOffset = cd.readUInt32LE(p + 42);
    const z64 = extraZip64(extras);
    if (z64) {
      // Present in this order, and only for the fields that are 0xFFFFFFFF.
      let at = 0;
      const next = (): number => {
        const v = at + 8 <= z64.length ? Number(z64.readBigUInt64LE(at)) : NaN;
        at += 8;
        return v;
      };
      if (size === MAX32) size = next();
      if (compressedSize === MAX32) compressedSize = next();
      if (localOffset === MAX32) localOffset = next();
      if ([size, compressedSize, localOffset].some(Number.isNaN)) throw invalid(path, `central directory record ${n + 1} has a short ZIP64 field`);
    }
    localOffset += shift;
    const utf8 = (flags & FLAG_UTF8) !== 0;
    const name = (utf8 ? null : extraUnicodePath(extras, rawName)) ?? decodeName(rawName, utf8);
    // The shared entry rules, applied while reading the directory (before any data is touched).
    const unsafe = entryNameProblem(name);
    if (unsafe) throw hostile(path, name, unsafe);
    if (localOffset + 30 > cdOffset) throw invalid(path, `entry "${esc(name)}" points past the data (damaged)`);
    entries.push({
      name,
      rawName,
      flags,
      method: cd.readUInt16LE(p + 10),
      crc: cd.readUInt32LE(p + 16),
      compressedSize,
      size,
      localOffset,
      externalAttrs: cd.readUInt32LE(p + 38),
      madeBy: cd.readUInt16LE(p + 4) >> 8,
      mtime: extraTimestamp(extras) ?? fromDosDateTime(cd.readUInt16LE(p + 14), cd.readUInt16LE(p + 12)),
    });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return { entries, cdOffset };
}
