import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { constants as zlibConstants, crc32, deflateRawSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { assertNever } from '../../../src-shared/domain/enums.js';
import { readSourceSync } from '../archive/source-file.js';
import { decodeEntryStream, decodeEntrySync, sha256Hex } from '../archive/zip/entry-codec.js';
import type { ExtractItem, NameStat, PackMessage, PackReply, PathFacts, StoredAt, UnpackItem, UnpackResult, WireError, WireListing, WirePacked } from './pack-protocol.js';

/**
 * The pack worker thread (see PackPool): reads, hashes and deflates batches of small files,
 * deflates chunks of big ones, lists folders, inspects paths and decodes (and writes) small ZIP
 * entries. Sync calls are right here: this thread does nothing else, and they cost a fraction of
 * async ones. Byte replies are copied into one fresh buffer whose memory is transferred, not cloned.
 */

const port = parentPort;
if (!port) throw new Error('pack-worker.ts runs only as a worker thread (PackPool starts it).');

const errorOf = (e: unknown): WireError => {
  const x = e as NodeJS.ErrnoException;
  return { message: x.message, ...(x.code !== undefined ? { code: x.code } : {}), ...(x.errno !== undefined ? { errno: x.errno } : {}), ...(x.syscall !== undefined ? { syscall: x.syscall } : {}) };
};

// Where this request's time went (sent with the reply; see phase-times.ts). performance.now()
// costs well under a microsecond, against tens of microseconds of work per file.
let times: Record<string, number> = {};
function clock<T>(kind: string, work: () => T): T {
  const t = performance.now();
  try {
    return work();
  } finally {
    times[kind] = (times[kind] ?? 0) + performance.now() - t;
  }
}

function reply(m: DistributiveOmit<PackReply, 'times'>, transfer: ArrayBuffer[] = []): void {
  port!.postMessage({ ...m, times }, transfer);
  times = {};
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A copy of `data` in memory of its own, so it can be transferred whole. */
function ownedCopy(data: Buffer): ArrayBuffer {
  const out = Buffer.allocUnsafeSlow(data.length);
  data.copy(out);
  return out.buffer;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A name's bytes as text: valid UTF-8 sequences as they are, every other byte as \xNN. */
function escapeName(bytes: Buffer): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    let text: string | null = null;
    if (len === 1) text = b >= 0x20 && b !== 0x7f ? String.fromCharCode(b) : null;
    else if (len > 1 && i + len <= bytes.length) {
      try {
        text = UTF8.decode(bytes.subarray(i, i + len));
      } catch {
        text = null;
      }
    }
    if (text === null) {
      out += '\\x' + b.toString(16).padStart(2, '0');
      i += 1;
    } else {
      out += text;
      i += len;
    }
  }
  return out;
}

function pack(m: Extract<PackMessage, { op: 'pack' }>): void {
  const results: WirePacked[] = [];
  const datas: (Buffer | null)[] = [];
  let total = 0;
  for (const f of m.files) {
    const read = clock('read', () => readSourceSync(fs, f));
    if (!read.ok) {
      results.push({ ok: false, stage: read.stage, kind: read.kind, error: errorOf(read.error) });
      datas.push(null);
      continue;
    }
    const content = read.data;
    let data = content;
    let deflated = false;
    if (f.compress && content.length > 0) {
      const d = clock('compress', () => deflateRawSync(content, { level: m.level }));
      if (d.length < content.length) {
        data = d;
        deflated = true;
      }
    }
    const [sha256, crc] = clock('hash', () => [sha256Hex(content), crc32(content)] as const);
    results.push({ ok: true, changed: read.changed, size: content.length, sha256, crc, deflated, start: total, end: total + data.length });
    datas.push(data);
    total += data.length;
  }
  const out = Buffer.allocUnsafeSlow(total);
  let at = 0;
  for (const d of datas) {
    if (!d) continue;
    d.copy(out, at);
    at += d.length;
  }
  reply({ op: 'pack', id: m.id, results, buffer: out.buffer }, [out.buffer]);
}

function deflateChunk(m: Extract<PackMessage, { op: 'deflate' }>): void {
  const d = clock('compress', () => deflateRawSync(m.data, { level: m.level, finishFlush: zlibConstants.Z_SYNC_FLUSH, ...(m.dictionary ? { dictionary: m.dictionary } : {}) }));
  const buffer = ownedCopy(d);
  reply({ op: 'deflate', id: m.id, buffer }, [buffer]);
}

function hashFile(path: string): { size: number; sha256: string } {
  const fd = fs.openSync(path, 'r');
  try {
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(1024 * 1024);
    let size = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, size);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      size += n;
    }
    return { size, sha256: h.digest('hex') };
  } finally {
    fs.closeSync(fd);
  }
}

function inspectOne(path: string, hash: boolean): PathFacts {
  try {
    const st = fs.lstatSync(path);
    if (st.isSymbolicLink()) return { type: 'symlink', size: 0, target: fs.readlinkSync(path) };
    if (st.isDirectory()) return { type: 'directory', size: 0 };
    if (!st.isFile()) return { type: 'other', size: st.size };
    return { type: 'file', size: st.size, ...(hash ? hashFile(path) : {}) };
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? { type: 'missing', size: 0 } : { type: 'error', size: 0, error: errorOf(e) };
  }
}

function statOne(p: string): NameStat | { type: 'error'; error: WireError } {
  // A link swapped for a file between lstat and readlink (EINVAL) is looked at again: it is
  // whatever is there now, not an unreadable entry.
  for (let attempt = 1; ; attempt += 1) {
    try {
      const st = fs.lstatSync(p);
      const type = st.isFile() ? 'file' : st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : 'other';
      return { type, size: st.size, mode: st.mode, mtimeMs: st.mtimeMs, uid: st.uid, gid: st.gid, dev: st.dev, ino: st.ino, blocks: st.blocks, ...(type === 'symlink' ? { target: fs.readlinkSync(p) } : {}) };
    } catch (e) {
      const x = e as NodeJS.ErrnoException;
      if (x.code === 'EINVAL' && x.syscall === 'readlink' && attempt < 5) continue;
      return { type: 'error', error: errorOf(e) };
    }
  }
}

// Names are read as bytes: one that is not valid UTF-8 would otherwise be mangled (U+FFFD) and
// then not found. Such names are reported, escaped, never guessed at.
function list(dir: string): WireListing {
  let raw: Buffer[];
  try {
    raw = fs.readdirSync(dir, { encoding: 'buffer' });
  } catch (e) {
    return { error: errorOf(e) };
  }
  const entries = raw
    .map((bytes) => {
      try {
        return { name: UTF8.decode(bytes), bad: false };
      } catch {
        return { name: escapeName(bytes), bad: true };
      }
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { names: entries.map((e) => e.name), stats: entries.map(({ name, bad }) => (bad ? { type: 'badname' } : statOne(join(dir, name)))) };
}

const madeDirs = new Set<string>();
const NEW_FILE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/** Write a restored file: a new file only (O_EXCL, no links followed), its mode and mtime set. */
function writeOne(path: string, data: Buffer, mode: number, mtime: number): void {
  const dir = dirname(path);
  if (!madeDirs.has(dir)) {
    fs.mkdirSync(dir, { recursive: true });
    madeDirs.add(dir);
  }
  const fd = fs.openSync(path, NEW_FILE, 0o600);
  try {
    let done = 0;
    while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done);
    fs.fchmodSync(fd, mode);
    fs.futimesSync(fd, mtime / 1000, mtime / 1000);
  } finally {
    fs.closeSync(fd);
  }
}

// Decode with the ZIP reader's own rules (entry-codec.ts), hash and, given a target, write: the
// mirror of packing.
function unpackOne(raw: Buffer, it: UnpackItem): UnpackResult {
  const out = clock('inflate', () => decodeEntrySync(raw, it));
  if (!Buffer.isBuffer(out)) return { error: out.fault, message: out.detail };
  const dest = it.dest;
  if (dest) {
    try {
      clock('write', () => writeOne(dest.path, out, dest.mode, dest.mtime));
    } catch (e) {
      const x = e as NodeJS.ErrnoException;
      return { error: 'write', message: `Writing ${dest.path} failed: ${x.message}`, ...(x.code !== undefined ? { code: x.code } : {}) };
    }
  }
  return { sha256: clock('hash', () => sha256Hex(out)), size: out.length };
}

/** The span of the archive a batch's entries lie in (file order), read at once; short only if the file shrank. */
function readSpan(archive: string, items: readonly StoredAt[]): { at: number; bytes: Buffer } | { error: string } {
  const at = items.reduce((lo, it) => Math.min(lo, it.offset), Infinity);
  const end = items.reduce((hi, it) => Math.max(hi, it.offset + it.length), 0);
  if (items.length === 0) return { at: 0, bytes: Buffer.alloc(0) };
  try {
    const fd = fs.openSync(archive, 'r');
    try {
      const bytes = Buffer.allocUnsafe(end - at);
      let filled = 0;
      while (filled < bytes.length) {
        const n = fs.readSync(fd, bytes, filled, bytes.length - filled, at + filled);
        if (n === 0) break;
        filled += n;
      }
      return { at, bytes: bytes.subarray(0, filled) };
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    return { error: `reading the archive failed: ${(e as Error).message}` };
  }
}

// The stored bytes are read here, not sent: the main thread reads only the headers.
function unpackAt(m: Extract<PackMessage, { op: 'unpackAt' }>): void {
  const span = clock('read', () => readSpan(m.archive, m.items));
  const results = m.items.map((it): UnpackResult => {
    if ('error' in span) return { error: 'damaged', message: span.error };
    const from = it.offset - span.at;
    if (from + it.length > span.bytes.length) return { error: 'damaged', message: `the archive ends inside the entry (at ${span.at + span.bytes.length})` };
    return unpackOne(span.bytes.subarray(from, from + it.length), it);
  });
  reply({ op: 'unpackAt', id: m.id, results });
}

/** The stored bytes of a big entry, read from the archive in 1 MiB blocks. */
async function* storedBytes(fh: fs.promises.FileHandle, offset: number, length: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < length; ) {
    const want = Math.min(1024 * 1024, length - at);
    const t = performance.now();
    const { bytesRead, buffer } = await fh.read(Buffer.allocUnsafe(want), 0, want, offset + at);
    times['read'] = (times['read'] ?? 0) + performance.now() - t;
    if (bytesRead === 0) throw Object.assign(new Error(`the archive ends inside the entry (at ${offset + at})`), { code: 'ERR_TRUNCATED' });
    at += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

// A big entry on this thread: read from the archive, inflated (libuv's pool) while the previous
// chunk is hashed here, checked by the ZIP reader's own rules (entry-codec.ts), maybe written.
async function extractOne(it: ExtractItem): Promise<UnpackResult> {
  const fh = await fs.promises.open(it.archive, 'r');
  let out: number | undefined;
  try {
    if (it.dest) {
      const dir = dirname(it.dest.path);
      if (!madeDirs.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        madeDirs.add(dir);
      }
      out = fs.openSync(it.dest.path, NEW_FILE, 0o600);
    }
    const hash = createHash('sha256');
    const fd = out;
    const fault = await decodeEntryStream(storedBytes(fh, it.offset, it.compressedSize), it, (chunk) => {
      clock('hash', () => hash.update(chunk));
      if (fd !== undefined) clock('write', () => {
        for (let done = 0; done < chunk.length; ) done += fs.writeSync(fd, chunk, done, chunk.length - done);
      });
    });
    if (fault) return { error: fault.fault, message: fault.detail };
    if (it.dest && fd !== undefined) {
      fs.fchmodSync(fd, it.dest.mode);
      fs.futimesSync(fd, it.dest.mtime / 1000, it.dest.mtime / 1000);
    }
    return { sha256: hash.digest('hex'), size: it.size };
  } catch (e) {
    const x = e as NodeJS.ErrnoException;
    return { error: 'write', message: `${it.dest ? `Writing ${it.dest.path}` : `Reading ${it.archive}`} failed: ${x.message}`, ...(x.code !== undefined ? { code: x.code } : {}) };
  } finally {
    if (out !== undefined) fs.closeSync(out);
    await fh.close();
  }
}

port.on('message', (m: PackMessage) => {
  switch (m.op) {
    case 'pack':
      return pack(m);
    case 'deflate':
      return deflateChunk(m);
    case 'inspect':
      return reply({ op: 'inspect', id: m.id, results: m.items.map((it) => inspectOne(it.path, it.hash)) });
    case 'list':
      return reply({ op: 'list', id: m.id, listing: clock('list', () => list(m.dir)) });
    case 'unpackAt':
      return unpackAt(m);
    case 'extract':
      return void extractOne(m.item).then((r) => reply({ op: 'extract', id: m.id, results: [r] }));
    default:
      return assertNever(m);
  }
});
