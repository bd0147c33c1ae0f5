/**
 * The ZIP file format (APPNOTE.TXT 6.3) as Lifeboat writes and reads it: record signatures,
 * DOS times, the Unix mode in the external attributes, and the extra fields used (ZIP64 0x0001,
 * extended timestamp 0x5455). Plain functions over Buffers, shared by the writer and the reader.
 */
import { crc32 } from 'node:zlib';

export const SIG = {
  local: 0x04034b50,
  central: 0x02014b50,
  descriptor: 0x08074b50,
  end: 0x06054b50,
  zip64End: 0x06064b50,
  zip64Locator: 0x07064b50,
} as const;

export const METHOD_STORE = 0;
export const METHOD_DEFLATE = 8;
export const FLAG_ENCRYPTED = 0x0001;
export const FLAG_DESCRIPTOR = 0x0008;
export const FLAG_UTF8 = 0x0800;
/** 0xFFFFFFFF in a 32-bit field (or 0xFFFF in a 16-bit one) means "see the ZIP64 extra field". */
export const MAX32 = 0xffffffff;
export const MAX16 = 0xffff;
const EXTRA_ZIP64 = 0x0001;
const EXTRA_TIMESTAMP = 0x5455;

export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
/** "Made by" Unix, spec 4.5 (ZIP64); "needed to extract" 2.0, or 4.5 with ZIP64. */
const MADE_BY_UNIX = (3 << 8) | 45;
const NEEDS_DEFLATE = 20;
const NEEDS_ZIP64 = 45;

/** MS-DOS date and time (local time, 2-second resolution, 1980–2107). */
export function toDosDateTime(d: Date): { date: number; time: number } {
  const year = Math.min(Math.max(d.getFullYear(), 1980), 2107);
  return {
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
  };
}

export function fromDosDateTime(date: number, time: number): Date {
  return new Date(1980 + (date >> 9), ((date >> 5) & 0xf) - 1, date & 0x1f, time >> 11, (time >> 5) & 0x3f, (time & 0x1f) * 2);
}

/** What the writer knows about an entry when its central directory record is due. */
export interface CentralRecord {
  readonly name: Buffer;
  readonly method: number;
  readonly flags: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly offset: number;
  /** Full Unix mode, type bits included. */
  readonly unixMode: number;
  readonly mtime: Date;
}

function timestampExtra(mtime: Date): Buffer {
  const b = Buffer.alloc(9);
  b.writeUInt16LE(EXTRA_TIMESTAMP, 0);
  b.writeUInt16LE(5, 2);
  b.writeUInt8(1, 4); // modification time present
  b.writeUInt32LE(Math.max(0, Math.min(MAX32, Math.floor(mtime.getTime() / 1000))), 5);
  return b;
}

function zip64Extra(values: readonly number[]): Buffer {
  const b = Buffer.alloc(4 + 8 * values.length);
  b.writeUInt16LE(EXTRA_ZIP64, 0);
  b.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  return b;
}

/**
 * A local file header. With `descriptor`, CRC and sizes follow the data (streamed entries);
 * `zip64` reserves 8-byte sizes for an entry that may pass 4 GiB.
 */
export function localHeader(e: { name: Buffer; method: number; crc: number; compressedSize: number; size: number; mtime: Date; descriptor: boolean; zip64: boolean }): Buffer {
  const extras = [timestampExtra(e.mtime)];
  if (e.zip64) extras.push(zip64Extra(e.descriptor ? [0, 0] : [e.size, e.compressedSize]));
  const extra = Buffer.concat(extras);
  const h = Buffer.alloc(30);
  const { date, time } = toDosDateTime(e.mtime);
  h.writeUInt32LE(SIG.local, 0);
  h.writeUInt16LE(e.zip64 ? NEEDS_ZIP64 : NEEDS_DEFLATE, 4);
  h.writeUInt16LE(FLAG_UTF8 | (e.descriptor ? FLAG_DESCRIPTOR : 0), 6);
  h.writeUInt16LE(e.method, 8);
  h.writeUInt16LE(time, 10);
  h.writeUInt16LE(date, 12);
  h.writeUInt32LE(e.descriptor ? 0 : e.crc, 14);
  h.writeUInt32LE(e.zip64 ? MAX32 : e.descriptor ? 0 : e.compressedSize, 18);
  h.writeUInt32LE(e.zip64 ? MAX32 : e.descriptor ? 0 : e.size, 22);
  h.writeUInt16LE(e.name.length, 26);
  h.writeUInt16LE(extra.length, 28);
  return Buffer.concat([h, e.name, extra]);
}

/** The data descriptor after a streamed entry (8-byte sizes when its local header is ZIP64). */
export function dataDescriptor(crc: number, compressedSize: number, size: number, zip64: boolean): Buffer {
  const b = Buffer.alloc(zip64 ? 24 : 16);
  b.writeUInt32LE(SIG.descriptor, 0);
  b.writeUInt32LE(crc, 4);
  if (zip64) {
    b.writeBigUInt64LE(BigInt(compressedSize), 8);
    b.writeBigUInt64LE(BigInt(size), 16);
  } else {
    b.writeUInt32LE(compressedSize, 8);
    b.writeUInt32LE(size, 12);
  }
  return b;
}

/** A central directory record; ZIP64 fields are added only for values that need them. */
export function centralHeader(e: CentralRecord, zip64Threshold = MAX32): Buffer {
  const big = (v: number): boolean => v >= zip64Threshold;
  const z: number[] = [];
  if (big(e.size)) z.push(e.size);
  if (big(e.compressedSize)) z.push(e.compressedSize);
  if (big(e.offset)) z.push(e.offset);
  const extras = [timestampExtra(e.mtime)];
  if (z.length > 0) extras.push(zip64Extra(z));
  const extra = Buffer.concat(extras);
  const h = Buffer.alloc(46);
  const { date, time } = toDosDateTime(e.mtime);
  const isDir = (e.unixMode & S_IFMT) === S_IFDIR;
  h.writeUInt32LE(SIG.central, 0);
  h.writeUInt16LE(MADE_BY_UNIX, 4);
  h.writeUInt16LE(z.length > 0 ? NEEDS_ZIP64 : NEEDS_DEFLATE, 6);
  h.writeUInt16LE(e.flags, 8);
  h.writeUInt16LE(e.method, 10);
  h.writeUInt16LE(time, 12);
  h.writeUInt16LE(date, 14);
  h.writeUInt32LE(e.crc, 16);
  h.writeUInt32LE(big(e.compressedSize) ? MAX32 : e.compressedSize, 20);
  h.writeUInt32LE(big(e.size) ? MAX32 : e.size, 24);
  h.writeUInt16LE(e.name.length, 28);
  h.writeUInt16LE(extra.length, 30);
  h.writeUInt16LE(0, 32); // comment
  h.writeUInt16LE(0, 34); // disk
  h.writeUInt16LE(0, 36); // internal attributes
  // Type and permission bits only: setuid/setgid/sticky are never stored (restore never recreates
  // them, and the entry rules refuse archives that carry them).
  const mode = (e.unixMode & S_IFMT) | (e.unixMode & 0o777);
  h.writeUInt32LE((((mode & 0xffff) << 16) | (isDir ? 0x10 : 0)) >>> 0, 38);
  h.writeUInt32LE(big(e.offset) ? MAX32 : e.offset, 42);
  return Buffer.concat([h, e.name, extra]);
}

/** The end records: ZIP64 end + locator when counts or offsets need them, then the classic end. */
export function endRecords(count: number, cdOffset: number, cdSize: number, zip64Threshold = MAX32): Buffer {
  const needs64 = count >= MAX16 || cdOffset >= zip64Threshold || cdSize >= zip64Threshold;
  const parts: Buffer[] = [];
  if (needs64) {
    const z = Buffer.alloc(56);
    z.writeUInt32LE(SIG.zip64End, 0);
    z.writeBigUInt64LE(44n, 4); // size of the rest of this record
    z.writeUInt16LE(MADE_BY_UNIX, 12);
    z.writeUInt16LE(NEEDS_ZIP64, 14);
    z.writeBigUInt64LE(BigInt(count), 24);
    z.writeBigUInt64LE(BigInt(count), 32);
    z.writeBigUInt64LE(BigInt(cdSize), 40);
    z.writeBigUInt64LE(BigInt(cdOffset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(SIG.zip64Locator, 0);
    loc.writeBigUInt64LE(BigInt(cdOffset + cdSize), 8);
    loc.writeUInt32LE(1, 16); // total disks
    parts.push(z, loc);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(SIG.end, 0);
  end.writeUInt16LE(needs64 ? MAX16 : count, 8);
  end.writeUInt16LE(needs64 ? MAX16 : count, 10);
  end.writeUInt32LE(needs64 ? MAX32 : cdSize, 12);
  end.writeUInt32LE(needs64 ? MAX32 : cdOffset, 16);
  parts.push(end);
  return Buffer.concat(parts);
}

/** Walk the extra fields of a header: id → data. */
export function parseExtras(extra: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (let i = 0; i + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(i);
    const len = extra.readUInt16LE(i + 2);
    if (i + 4 + len > extra.length) break;
    out.set(id, extra.subarray(i + 4, i + 4 + len));
    i += 4 + len;
  }
  return out;
}

export function extraTimestamp(extras: Map<number, Buffer>): Date | null {
  const ts = extras.get(EXTRA_TIMESTAMP);
  if (!ts || ts.length < 5 || !(ts[0]! & 1)) return null;
  return new Date(ts.readUInt32LE(1) * 1000);
}

export function extraZip64(extras: Map<number, Buffer>): Buffer | undefined {
  return extras.get(EXTRA_ZIP64);
}

// IBM code page 437, the encoding of names without the UTF-8 flag (what old Windows zips write).
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■ ';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A name as unzip, 7-Zip and bsdtar read it: UTF-8 when flagged; without the flag, UTF-8 when the
 * bytes are valid UTF-8 (macOS and many Unix tools write UTF-8 without setting the flag), else
 * CP437. Bytes that happen to be valid UTF-8 but were meant as CP437 are rare: CP437's high
 * letters are followed by ASCII, which is not valid UTF-8.
 */
export function decodeName(raw: Buffer, utf8: boolean): string {
  if (utf8) return raw.toString('utf8');
  let ascii = true;
  for (const b of raw) if (b >= 0x80) ascii = false;
  if (ascii) return raw.toString('latin1');
  try {
    return strictUtf8.decode(raw);
  } catch {
    return cp437(raw);
  }
}

const EXTRA_UNICODE_PATH = 0x7075;

/**
 * Info-ZIP's Unicode Path extra field (0x7075): a UTF-8 name for a header whose own name is in a
 * legacy code page, valid only while its CRC-32 matches the header's name bytes.
 */
export function extraUnicodePath(extras: Map<number, Buffer>, rawName: Buffer): string | null {
  const up = extras.get(EXTRA_UNICODE_PATH);
  if (!up || up.length < 5 || up[0] !== 1 || up.readUInt32LE(1) !== crc32(rawName)) return null;
  try {
    return strictUtf8.decode(up.subarray(5));
  } catch {
    return null;
  }
}

function cp437(raw: Buffer): string {
  let s = '';
  for (const b of raw) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  return s;
}
