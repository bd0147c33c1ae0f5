/**
 * The tar format (POSIX.1-2001 pax over ustar) as Lifeboat writes and reads it. Names are stored
 * byte for byte: any name a POSIX file system allows (tabs, newlines, backslashes, bytes above
 * 0x7f) goes into a length-prefixed pax `path` record, which no line-based parser can misread.
 * Plain functions over Buffers, shared by the writer and the reader.
 */

export const BLOCK = 512;

/** Type flags Lifeboat writes; the reader also knows hardlinks, devices, FIFOs and GNU long names. */
export const TYPE = { file: '0', directory: '5', symlink: '2', pax: 'x', paxGlobal: 'g', gnuLongName: 'L', gnuLongLink: 'K' } as const;

/** Largest value an 11-digit octal field holds (8 GiB - 1); larger sizes go in a pax record. */
const OCTAL_MAX = 0o77777777777;

/** Fields of one entry as written. */
export interface TarHeaderFields {
  readonly name: string;
  readonly type: string;
  readonly size: number;
  readonly mode: number;
  readonly mtime: Date;
  readonly linkname?: string;
}

function octal(h: Buffer, value: number, at: number, len: number): void {
  h.write(`${Math.max(0, Math.floor(value)).toString(8).padStart(len - 1, '0')}\0`, at, len, 'latin1');
}

/** One pax record: "<len> <key>=<value>\n", where len counts the whole record in bytes. */
function paxRecord(key: string, value: string): Buffer {
  const body = Buffer.from(` ${key}=${value}\n`, 'utf8');
  let digits = String(body.length).length;
  if (String(body.length + digits).length > digits) digits += 1;
  return Buffer.concat([Buffer.from(String(body.length + digits), 'latin1'), body]);
}

/** A name fits the ustar field as is: at most 100 bytes of printable ASCII. */
function plainName(name: string, max: number): boolean {
  return name.length <= max && /^[\x20-\x7e]*$/.test(name);
}

function ustarHeader(f: TarHeaderFields, name: Buffer, linkname: Buffer, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  name.copy(h, 0, 0, Math.min(name.length, 100));
  octal(h, f.mode & 0o777, 100, 8); // never setuid/setgid/sticky: the entry rules refuse them
  octal(h, 0, 108, 8); // uid/gid: owners travel in the manifest
  octal(h, 0, 116, 8);
  octal(h, size, 124, 12);
  octal(h, Math.min(OCTAL_MAX, f.mtime.getTime() / 1000), 136, 12);
  h.fill(0x20, 148, 156);
  h.write(f.type, 156, 1, 'latin1');
  linkname.copy(h, 157, 0, Math.min(linkname.length, 100));
  h.write('ustar\u000000', 257, 8, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return h;
}

/** Zero bytes that pad `size` bytes of data to a whole block. */
export function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/**
 * The header block(s) of an entry: a pax header first when the name, link target or size does
 * not fit ustar exactly, then the ustar header.
 */
export function tarHeader(f: TarHeaderFields): Buffer {
  const records: Buffer[] = [];
  if (!plainName(f.name, 100)) records.push(paxRecord('path', f.name));
  if (f.linkname !== undefined && !plainName(f.linkname, 100)) records.push(paxRecord('linkpath', f.linkname));
  if (f.size > OCTAL_MAX) records.push(paxRecord('size', String(f.size)));
  // Times before 1970 or past 2242 do not fit the 11 octal digits: the exact time goes in a pax
  // record (GNU tar, bsdtar and Lifeboat's reader prefer it); the ustar field holds the nearest.
  const seconds = Math.floor(f.mtime.getTime() / 1000);
  if (Number.isFinite(seconds) && (seconds < 0 || seconds > OCTAL_MAX)) records.push(paxRecord('mtime', String(seconds)));
  const name = Buffer.from(plainName(f.name, 100) ? f.name : f.name.replace(/[^\x20-\x7e]/g, '_').slice(-100), 'latin1');
  const link = Buffer.from(f.linkname !== undefined && plainName(f.linkname, 100) ? f.linkname : '', 'latin1');
  const main = ustarHeader(f, name, link, f.size > OCTAL_MAX ? 0 : f.size);
  if (records.length === 0) return main;
  const pax = Buffer.concat(records);
  const paxHead = ustarHeader({ name: 'PaxHeader', type: TYPE.pax, size: pax.length, mode: 0o644, mtime: f.mtime }, Buffer.from('PaxHeader', 'latin1'), Buffer.alloc(0), pax.length);
  return Buffer.concat([paxHead, pax, padding(pax.length), main]);
}

/** The end of a tar: two zero blocks. */
export const TAR_END = Buffer.alloc(2 * BLOCK);

/** A parsed header block (before pax or GNU long-name overrides). */
export interface RawTarHeader {
  readonly name: Buffer;
  readonly type: string;
  readonly size: number;
  readonly mode: number;
  readonly mtime: Date;
  readonly linkname: Buffer;
}

function field(h: Buffer, at: number, len: number): Buffer {
  const end = h.indexOf(0, at);
  return h.subarray(at, end < 0 || end > at + len ? at + len : end);
}

/**
 * An octal number, or GNU base-256 when the top bit of the first byte is set (0x80 positive,
 * 0xff negative, two's complement); NaN if neither. Values past 2^53 come back inexact, not
 * refused: callers that need them exact (sizes) check Number.isSafeInteger.
 */
function number(h: Buffer, at: number, len: number): number {
  if (h[at]! & 0x80) {
    const negative = h[at] === 0xff;
    let v = negative ? 0 : h[at]! & 0x7f;
    for (let i = at + 1; i < at + len; i += 1) v = v * 256 + (negative ? 0xff - h[i]! : h[i]!);
    return negative ? -(v + 1) : v;
  }
  const text = h.toString('latin1', at, at + len).replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : NaN;
}

/** True for a block of zeros (the end marker). */
export function isZeroBlock(h: Buffer): boolean {
  for (const b of h) if (b !== 0) return false;
  return true;
}

/** Parse a header block; a string says why it is not one. */
export function parseHeader(h: Buffer): RawTarHeader | string {
  const stored = number(h, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i += 1) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  if (stored !== unsigned && stored !== signed) return 'a header checksum does not match (damaged, or not a tar)';
  const size = number(h, 124, 12);
  const mode = number(h, 100, 8);
  const mtime = number(h, 136, 12);
  if ([size, mode, mtime].some(Number.isNaN)) return 'a header holds a malformed number';
  let name: Buffer = field(h, 0, 100);
  // POSIX ustar splits long names into prefix + name; GNU's "ustar  " uses that area for times.
  if (h.toString('latin1', 257, 263) === 'ustar\0') {
    const prefix = field(h, 345, 155);
    if (prefix.length > 0) name = Buffer.concat([prefix, Buffer.from('/'), name]);
  }
  return { name, type: String.fromCharCode(h[156]!) === '\0' ? '0' : String.fromCharCode(h[156]!), size, mode, mtime: tarTime(mtime), linkname: field(h, 157, 100) };
}

/** The range of times an ISO string and the file system take: years 0001 to 9999. */
const MIN_SECONDS = -62135596800;
const MAX_SECONDS = 253402300799;

/**
 * Seconds since 1970 as a Date, clamped to years 0001-9999: a tar may carry any time (GNU
 * base-256, pax), and one outside that range is a damaged or playful header, not a reason to
 * refuse the archive. A value that is not a number at all is the epoch.
 */
export function tarTime(seconds: number): Date {
  if (Number.isNaN(seconds)) return new Date(0);
  return new Date(Math.min(MAX_SECONDS, Math.max(MIN_SECONDS, seconds)) * 1000);
}

/** Parse a pax body into its records; length-prefixed, so values may hold newlines. */
export function parsePax(body: Buffer): Map<string, string> | string {
  const out = new Map<string, string>();
  let at = 0;
  while (at < body.length) {
    if (body[at] === 0) break; // padding some writers leave
    const space = body.indexOf(0x20, at);
    const len = space > at ? Number(body.toString('latin1', at, space)) : NaN;
    if (!Number.isSafeInteger(len) || len <= space - at || at + len > body.length || body[at + len - 1] !== 0x0a) return 'a pax header record is malformed';
    const record = body.subarray(space + 1, at + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq < 0) return 'a pax header record has no "="';
    out.set(record.toString('utf8', 0, eq), record.toString('utf8', eq + 1));
    at += len;
  }
  return out;
}
