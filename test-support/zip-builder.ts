import { crc32, deflateRawSync } from 'node:zlib';

/**
 * A ZIP writer for foreign shapes, byte by byte: the "version made by" host, raw external
 * attributes, names without the UTF-8 flag, extra fields, data descriptors (with and without
 * their signature), ZIP64 records, comments, and bytes in front. Each shape mirrors what a
 * known tool writes (see zip-corpus.ts), so readers can be checked against them.
 */
export interface BuiltEntry {
  /** The name as stored (a string is written as UTF-8). */
  readonly name: string | Buffer;
  readonly data?: Buffer | string;
  /** 0 stored (default for empty data and folders), 8 deflate; anything else is written as is (with the data stored). */
  readonly method?: number;
  /** Set general-purpose bit 11 (names are UTF-8). Default: true when the name is a non-ASCII string. */
  readonly utf8Flag?: boolean;
  /** High byte of "version made by": 0 MS-DOS/FAT, 3 Unix, 10 NTFS, 19 macOS. Default 3. */
  readonly host?: number;
  /** The full 32-bit external attributes. Default: Unix mode 0o100644 / 0o040755 in the high half. */
  readonly externalAttrs?: number;
  /** CRC and sizes after the data (bit 3), with the optional 0x08074b50 signature. */
  readonly descriptor?: 'signed' | 'unsigned';
  /** Write sizes (and offset) as ZIP64 extra fields with 0xFFFFFFFF in the headers. */
  readonly zip64?: boolean;
  /** Extra fields for the local / central headers (id, data). */
  readonly extras?: readonly { readonly id: number; readonly data: Buffer }[];
  readonly comment?: string;
  /** Set the "encrypted" bit (the data is not really encrypted). */
  readonly encrypted?: boolean;
  readonly dosTime?: { readonly date: number; readonly time: number };
}

export interface BuildOptions {
  /** Bytes before the archive (a self-extractor stub). */
  readonly prefix?: Buffer;
  /** With a prefix: write offsets from the file's start (`zip -A`), not from the archive's. */
  readonly adjustOffsets?: boolean;
  /** Archive comment (after the end record). */
  readonly comment?: string;
  /** Write ZIP64 end records even when nothing needs them. */
  readonly zip64End?: boolean;
}

const MAX32 = 0xffffffff;

function extraBlock(fields: readonly { id: number; data: Buffer }[]): Buffer {
  return Buffer.concat(
    fields.map((f) => {
      const h = Buffer.alloc(4);
      h.writeUInt16LE(f.id, 0);
      h.writeUInt16LE(f.data.length, 2);
      return Buffer.concat([h, f.data]);
    }),
  );
}

function u64s(values: readonly number[]): Buffer {
  const b = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 8 * i));
  return b;
}

/** Build the ZIP bytes. */
export function buildZip(entries: readonly BuiltEntry[], options: BuildOptions = {}): Buffer {
  const prefix = options.prefix ?? Buffer.alloc(0);
  const base = options.adjustOffsets ? prefix.length : 0;
  const parts: Buffer[] = [prefix];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.isBuffer(e.name) ? e.name : Buffer.from(e.name, 'utf8');
    const isDir = name.toString('latin1').endsWith('/');
    const raw = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data ?? '');
    const method = e.method ?? (raw.length > 0 && !isDir ? 8 : 0);
    const body = method === 8 ? deflateRawSync(raw) : raw;
    const crc = crc32(raw);
    const utf8 = e.utf8Flag ?? (!Buffer.isBuffer(e.name) && /[^\x20-\x7e]/.test(e.name));
    const flags = (utf8 ? 0x0800 : 0) | (e.descriptor ? 0x0008 : 0) | (e.encrypted ? 0x0001 : 0);
    const { date, time } = e.dosTime ?? { date: (46 << 9) | (11 << 5) | 1, time: 12 << 11 };
    const here = base + offset;
    const needs = e.zip64 ? 45 : 20;
    const localExtras = [...(e.extras ?? [])];
    if (e.zip64) localExtras.unshift({ id: 0x0001, data: u64s(e.descriptor ? [0, 0] : [raw.length, body.length]) });
    const localExtra = extraBlock(localExtras);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(needs, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(e.descriptor ? 0 : crc, 14);
    local.writeUInt32LE(e.zip64 ? MAX32 : e.descriptor ? 0 : body.length, 18);
    local.writeUInt32LE(e.zip64 ? MAX32 : e.descriptor ? 0 : raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(localExtra.length, 28);
    parts.push(local, name, localExtra, body);
    offset += 30 + name.length + localExtra.length + body.length;
    if (e.descriptor) {
      const sig = e.descriptor === 'signed';
      const d = Buffer.alloc((sig ? 4 : 0) + 4 + (e.zip64 ? 16 : 8));
      let at = 0;
      if (sig) at = d.writeUInt32LE(0x08074b50, 0);
      at = d.writeUInt32LE(crc, at);
      if (e.zip64) {
        at = d.writeBigUInt64LE(BigInt(body.length), at);
        d.writeBigUInt64LE(BigInt(raw.length), at);
      } else {
        at = d.writeUInt32LE(body.length, at);
        d.writeUInt32LE(raw.length, at);
      }
      parts.push(d);
      offset += d.length;
    }
    const centralExtras = [...(e.extras ?? [])];
    if (e.zip64) centralExtras.unshift({ id: 0x0001, data: u64s([raw.length, body.length, here]) });
    const centralExtra = extraBlock(centralExtras);
    const comment = Buffer.from(e.comment ?? '', 'utf8');
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(((e.host ?? 3) << 8) | needs, 4);
    c.writeUInt16LE(needs, 6);
    c.writeUInt16LE(flags, 8);
    c.writeUInt16LE(method, 10);
    c.writeUInt16LE(time, 12);
    c.writeUInt16LE(date, 14);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(e.zip64 ? MAX32 : body.length, 20);
    c.writeUInt32LE(e.zip64 ? MAX32 : raw.length, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt16LE(centralExtra.length, 30);
    c.writeUInt16LE(comment.length, 32);
    c.writeUInt32LE(e.externalAttrs ?? (((isDir ? 0o040755 : 0o100644) << 16) | (isDir ? 0x10 : 0)) >>> 0, 38);
    c.writeUInt32LE(e.zip64 ? MAX32 : here, 42);
    centrals.push(c, name, centralExtra, comment);
  }
  const cd = Buffer.concat(centrals);
  const cdOffset = base + offset;
  parts.push(cd);
  const zip64 = options.zip64End || entries.some((e) => e.zip64);
  if (zip64) {
    const z = Buffer.alloc(56);
    z.writeUInt32LE(0x06064b50, 0);
    z.writeBigUInt64LE(44n, 4);
    z.writeUInt16LE((3 << 8) | 45, 12);
    z.writeUInt16LE(45, 14);
    z.writeBigUInt64LE(BigInt(entries.length), 24);
    z.writeBigUInt64LE(BigInt(entries.length), 32);
    z.writeBigUInt64LE(BigInt(cd.length), 40);
    z.writeBigUInt64LE(BigInt(cdOffset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(cdOffset + cd.length), 8);
    loc.writeUInt32LE(1, 16);
    parts.push(z, loc);
  }
  const comment = Buffer.from(options.comment ?? '', 'utf8');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(zip64 ? 0xffff : entries.length, 8);
  end.writeUInt16LE(zip64 ? 0xffff : entries.length, 10);
  end.writeUInt32LE(zip64 ? MAX32 : cd.length, 12);
  end.writeUInt32LE(zip64 ? MAX32 : cdOffset, 16);
  end.writeUInt16LE(comment.length, 20);
  parts.push(end, comment);
  return Buffer.concat(parts);
}

/** Info-ZIP's extended timestamp (0x5455, "UT"), modification time only. */
export function utExtra(seconds: number): { id: number; data: Buffer } {
  const d = Buffer.alloc(5);
  d.writeUInt8(1, 0);
  d.writeUInt32LE(seconds, 1);
  return { id: 0x5455, data: d };
}

/** Info-ZIP's Unix uid/gid (0x7875, "ux"). */
export function uxExtra(uid: number, gid: number): { id: number; data: Buffer } {
  const d = Buffer.alloc(11);
  d.writeUInt8(1, 0);
  d.writeUInt8(4, 1);
  d.writeUInt32LE(uid, 2);
  d.writeUInt8(4, 6);
  d.writeUInt32LE(gid, 7);
  return { id: 0x7875, data: d };
}

/** NTFS times (0x000a), as 7-Zip and Windows write them. */
export function ntfsExtra(): { id: number; data: Buffer } {
  const d = Buffer.alloc(32);
  d.writeUInt16LE(1, 4); // tag 1: mtime, atime, ctime
  d.writeUInt16LE(24, 6);
  const t = 133_000_000_000_000_000n; // 100 ns since 1601: a 2022 time
  for (let i = 0; i < 3; i += 1) d.writeBigUInt64LE(t, 8 + 8 * i);
  return { id: 0x000a, data: d };
}

/** Info-ZIP's Unicode Path (0x7075): a UTF-8 name for a header whose own name is in a code page. */
export function unicodePathExtra(rawName: Buffer, name: string): { id: number; data: Buffer } {
  const head = Buffer.alloc(5);
  head.writeUInt8(1, 0);
  head.writeUInt32LE(crc32(rawName), 1);
  return { id: 0x7075, data: Buffer.concat([head, Buffer.from(name, 'utf8')]) };
}
