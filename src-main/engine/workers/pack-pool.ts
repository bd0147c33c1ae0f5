import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { openedPathProblem, openedProblem, readSourceSync, skipKindOf, stampChange, type SourceIdentity, type SourceSkipKind } from '../archive/source-file.js';

/** A small file to read, hash and (maybe) compress off the main thread. */
export interface PackRequest {
  readonly path: string;
  readonly size: number;
  readonly compress: boolean;
  /** The identity the walk saw; the opened file must be it. */
  readonly identity?: SourceIdentity;
  /** A file that grew past this since the walk is not read here (`grown`): the caller streams it. */
  readonly limit: number;
}

/**
 * The packed file (`changed` says why its bytes may not be one moment's state), or why it could not
 * be opened or read, or that it grew past the request's limit.
 */
export type PackResult =
  | { readonly ok: true; readonly size: number; readonly sha256: string; readonly crc: number; readonly deflated: boolean; readonly data: Buffer; readonly changed: string | null }
  | { readonly ok: false; readonly stage: 'open' | 'read'; readonly kind: SourceSkipKind | 'grown'; readonly error: NodeJS.ErrnoException };

/** One small ZIP entry to decode in a worker; `dest` also writes it there (a new file only). */
export interface UnpackItem {
  readonly method: number;
  readonly size: number;
  readonly crc: number;
  readonly dest: { readonly path: string; readonly mode: number; readonly mtime: number } | null;
}

/** The entry's SHA-256 and size, or what was wrong with it. */
export type UnpackResult =
  | { readonly sha256: string; readonly size: number; readonly error?: undefined }
  | { readonly error: 'too-large' | 'damaged' | 'size' | 'crc' | 'write'; readonly message: string; readonly code?: string };

/**
 * What lstat found for one name (symlinks with their target; `blocks` in 512-byte units, for
 * sparse files), or why not; `badname` is a name that is not valid UTF-8, shown with `\xNN` escapes.
 */
export type NameStat =
  | {
      readonly type: 'file' | 'directory' | 'symlink' | 'other';
      readonly size: number;
      readonly mode: number;
      readonly mtimeMs: number;
      readonly uid: number;
      readonly gid: number;
      readonly dev: number;
      readonly ino: number;
      readonly blocks: number;
      readonly target?: string;
    }
  | { readonly type: 'error'; readonly error: NodeJS.ErrnoException }
  | { readonly type: 'badname' };

/** What `inspect` found at a path. */
export interface PathFacts {
  readonly type: 'file' | 'directory' | 'symlink' | 'other' | 'missing' | 'error';
  readonly size: number;
  readonly sha256?: string;
  readonly target?: string;
  readonly error?: { message: string; code?: string };
}

interface WireResult {
  ok: boolean;
  stage?: 'open' | 'read';
  kind?: SourceSkipKind | 'grown';
  changed?: string | null;
  error?: { message: string; code?: string; errno?: number; syscall?: string };
  size?: number;
  sha256?: string;
  crc?: number;
  deflated?: boolean;
  start?: number;
  end?: number;
}

// Plain JS, eval'd in the worker (so it runs from sources under vitest and from any bundle).
// Sync calls are right here: this thread does nothing else, and they cost a fraction of async ones.
// Each batch's output is copied into one fresh buffer whose memory is transferred, not cloned.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { createHash } = require('node:crypto');
const errorOf = (e) => ({ message: e.message, code: e.code, errno: e.errno, syscall: e.syscall });
// The checked open-and-read of source-file.ts, the same code as the main thread's.
${skipKindOf.toString()}
${openedProblem.toString()}
${openedPathProblem.toString()}
${stampChange.toString()}
${readSourceSync.toString()}
const UTF8 = new TextDecoder('utf-8', { fatal: true });
// A name's bytes as text: valid UTF-8 sequences as they are, every other byte as \\xNN.
function escapeName(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    let text = null;
    if (len === 1) text = b >= 0x20 && b !== 0x7f ? String.fromCharCode(b) : null;
    else if (len > 1 && i + len <= bytes.length) {
      try { text = UTF8.decode(bytes.subarray(i, i + len)); } catch { text = null; }
    }
    if (text === null) { out += '\\\\x' + b.toString(16).padStart(2, '0'); i += 1; } else { out += text; i += len; }
  }
  return out;
}
function deflateChunk({ id, data, dictionary, level }) {
  const d = zlib.deflateRawSync(data, { level, finishFlush: zlib.constants.Z_SYNC_FLUSH, ...(dictionary ? { dictionary } : {}) });
  const out = Buffer.allocUnsafeSlow(d.length);
  d.copy(out);
  parentPort.postMessage({ id, buffer: out.buffer }, [out.buffer]);
}
function hashFile(path) {
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
function inspect({ id, items }) {
  const results = items.map(({ path, hash }) => {
    try {
      const st = fs.lstatSync(path);
      if (st.isSymbolicLink()) return { type: 'symlink', size: 0, target: fs.readlinkSync(path) };
      if (st.isDirectory()) return { type: 'directory', size: 0 };
      if (!st.isFile()) return { type: 'other', size: st.size };
      return { type: 'file', size: st.size, ...(hash ? hashFile(path) : {}) };
    } catch (e) {
      return e.code === 'ENOENT' ? { type: 'missing', size: 0 } : { type: 'error', size: 0, error: errorOf(e) };
    }
  });
  parentPort.postMessage({ id, results, buffer: new ArrayBuffer(0) });
}
// Names are read as bytes: one that is not valid UTF-8 would otherwise be mangled (U+FFFD) and
// then not found. Such names are reported, escaped, never guessed at.
function list({ id, dir }) {
  let raw;
  try {
    raw = fs.readdirSync(dir, { encoding: 'buffer' });
  } catch (e) {
    return parentPort.postMessage({ id, results: [{ error: errorOf(e) }], buffer: new ArrayBuffer(0) });
  }
  const entries = raw.map((bytes) => {
    try { return { name: UTF8.decode(bytes), bad: false }; } catch { return { name: escapeName(bytes), bad: true }; }
  }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const names = entries.map((e) => e.name);
  const stats = entries.map(({ name, bad }) => {
    if (bad) return { type: 'badname' };
    const p = path.join(dir, name);
    // A link swapped for a file between lstat and readlink (EINVAL) is looked at again: it is
    // whatever is there now, not an unreadable entry.
    for (let attempt = 1; ; attempt += 1) {
      try {
        const st = fs.lstatSync(p);
        const type = st.isFile() ? 'file' : st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : 'other';
        return { type, size: st.size, mode: st.mode, mtimeMs: st.mtimeMs, uid: st.uid, gid: st.gid, dev: st.dev, ino: st.ino, blocks: st.blocks, ...(type === 'symlink' ? { target: fs.readlinkSync(p) } : {}) };
      } catch (e) {
        if (e.code === 'EINVAL' && e.syscall === 'readlink' && attempt < 5) continue;
        return { type: 'error', error: errorOf(e) };
      }
    }
  });
  parentPort.postMessage({ id, results: [{ names, stats }], buffer: new ArrayBuffer(0) });
}
// Decode (inflate or take as stored), check size and CRC-32, SHA-256 and, when given a target,
// write a batch of small ZIP entries: the mirror of packing.
function unpack({ id, items, buffer }) {
  const all = Buffer.from(buffer);
  const results = items.map((it) => {
    const raw = all.subarray(it.start, it.end);
    let out;
    try {
      out = it.method === 0 ? raw : zlib.inflateRawSync(raw, { maxOutputLength: Math.max(it.size, 1) });
    } catch (e) {
      return { error: e.code === 'ERR_BUFFER_TOO_LARGE' ? 'too-large' : 'damaged', message: e.message };
    }
    if (out.length !== it.size) return { error: 'size', message: String(out.length) };
    if (zlib.crc32(out) !== it.crc) return { error: 'crc', message: '' };
    const sha256 = createHash('sha256').update(out).digest('hex');
    if (it.dest) {
      try {
        writeOne({ path: it.dest.path, data: out, mode: it.dest.mode, mtime: it.dest.mtime });
      } catch (e) {
        return { error: 'write', message: 'Writing ' + it.dest.path + ' failed: ' + e.message, code: e.code };
      }
    }
    return { sha256, size: out.length };
  });
  parentPort.postMessage({ id, results, buffer: new ArrayBuffer(0) });
}
const madeDirs = new Set();
const NEW_FILE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
function writeOne(f) {
  const dir = path.dirname(f.path);
  if (!madeDirs.has(dir)) {
    fs.mkdirSync(dir, { recursive: true });
    madeDirs.add(dir);
  }
  const fd = fs.openSync(f.path, NEW_FILE, 0o600);
  try {
    let done = 0;
    while (done < f.data.length) done += fs.writeSync(fd, f.data, done, f.data.length - done);
    fs.fchmodSync(fd, f.mode);
    fs.futimesSync(fd, f.mtime / 1000, f.mtime / 1000);
  } finally {
    fs.closeSync(fd);
  }
}
parentPort.on('message', (m) => {
  if (m.op === 'deflate') return deflateChunk(m);
  if (m.op === 'inspect') return inspect(m);
  if (m.op === 'list') return list(m);
  if (m.op === 'unpack') return unpack(m);
  const { id, files, level } = m;
  const results = [];
  const datas = [];
  let total = 0;
  for (const f of files) {
    const read = readSourceSync(fs, f);
    if (!read.ok) {
      results.push({ ok: false, stage: read.stage, kind: read.kind, error: errorOf(read.error) });
      datas.push(null);
      continue;
    }
    const content = read.data;
    let data = content;
    let deflated = false;
    if (f.compress && content.length > 0) {
      const d = zlib.deflateRawSync(content, { level });
      if (d.length < content.length) {
        data = d;
        deflated = true;
      }
    }
    results.push({ ok: true, changed: read.changed, size: content.length, sha256: createHash('sha256').update(content).digest('hex'), crc: zlib.crc32(content), deflated, start: total, end: total + data.length });
    datas.push(data);
    total += data.length;
  }
  const out = Buffer.allocUnsafeSlow(total);
  datas.forEach((d, i) => { if (d) d.copy(out, results[i].start); });
  parentPort.postMessage({ id, results, buffer: out.buffer }, [out.buffer]);
});
`;

/**
 * Worker threads for the file work of backups and restores: reading, SHA-256, CRC and deflating
 * batches of small files, compressing chunks of big ones, writing restored files and checking
 * them afterwards. The main thread (and IPC) only moves finished bytes, and every core works.
 * Workers are unref'd and stopped by `close()`.
 */
export class PackPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { worker: number; resolve: (r: { results?: WireResult[]; buffer: ArrayBuffer }) => void; reject: (e: Error) => void }>();
  private readonly busy: number[];
  private nextId = 0;

  constructor(size = Math.max(1, Math.min(availableParallelism(), 4))) {
    this.busy = new Array<number>(size).fill(0);
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(WORKER_SOURCE, { eval: true });
      w.unref();
      w.on('message', (m: { id: number; results?: WireResult[]; buffer: ArrayBuffer }) => this.settle(m));
      w.on('error', (e) => this.failAll(e));
      return w;
    });
  }

  private settle(m: { id: number; results?: WireResult[]; buffer: ArrayBuffer }): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    this.busy[p.worker] = (this.busy[p.worker] ?? 1) - 1;
    p.resolve(m);
  }

  private send<T extends object>(message: T, transfer: ArrayBuffer[] = []): Promise<{ results?: WireResult[]; buffer: ArrayBuffer }> {
    const id = this.nextId++;
    const index = this.busy.indexOf(Math.min(...this.busy));
    this.busy[index] = (this.busy[index] ?? 0) + 1;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { worker: index, resolve, reject });
      this.workers[index]!.postMessage({ ...message, id }, transfer);
    });
  }

  /** Pack a batch on the least busy worker; results come back in the batch's order. */
  async pack(files: readonly PackRequest[], level: number): Promise<PackResult[]> {
    const m = await this.send({ files, level });
    const all = Buffer.from(m.buffer);
    return (m.results ?? []).map((r): PackResult => {
      if (!r.ok) {
        const error = Object.assign(new Error(r.error?.message ?? 'unknown error'), r.error ?? {}) as NodeJS.ErrnoException;
        return { ok: false, stage: r.stage ?? 'read', kind: r.kind ?? 'unreadable', error };
      }
      return { ok: true, size: r.size ?? 0, sha256: r.sha256 ?? '', crc: r.crc ?? 0, deflated: r.deflated ?? false, data: all.subarray(r.start, r.end), changed: r.changed ?? null };
    });
  }

  /**
   * One chunk of a big entry as raw deflate primed with `dictionary` and ended by a sync flush, so
   * consecutive chunks concatenate into one stream (see compress.ts). The chunk is copied over.
   */
  async deflateChunk(data: Buffer, level: number, dictionary: Buffer | undefined): Promise<Buffer> {
    const m = await this.send({ op: 'deflate', data, dictionary, level });
    return Buffer.from(m.buffer);
  }

  /** A folder's names (sorted; read as bytes) with their lstat (readlink for symlinks), or why it cannot be read. */
  async list(dir: string): Promise<{ names: string[]; stats: NameStat[] } | { error: NodeJS.ErrnoException }> {
    const m = await this.send({ op: 'list', dir });
    const r = m.results?.[0] as unknown as { names: string[]; stats: NameStat[] } | { error: NodeJS.ErrnoException };
    const revive = (e: NodeJS.ErrnoException): NodeJS.ErrnoException => Object.assign(new Error(e.message), e);
    if ('error' in r) return { error: revive(r.error) };
    return { names: r.names, stats: r.stats.map((x) => (x.type === 'error' ? { type: 'error', error: revive(x.error) } : x)) };
  }

  /** lstat (and, for files when asked, SHA-256) each path: what is on disk now. */
  async inspect(items: readonly { path: string; hash: boolean }[]): Promise<PathFacts[]> {
    const m = await this.send({ op: 'inspect', items });
    return (m.results ?? []) as unknown as PathFacts[];
  }

  /** Decode, check, hash (and write, where a target is given) a batch of small ZIP entries. */
  async unpack(items: readonly UnpackItem[], raws: readonly Buffer[]): Promise<UnpackResult[]> {
    const all = Buffer.allocUnsafeSlow(raws.reduce((n, r) => n + r.length, 0));
    let at = 0;
    const wire = items.map((it, i) => {
      const raw = raws[i] ?? Buffer.alloc(0);
      raw.copy(all, at);
      at += raw.length;
      return { ...it, start: at - raw.length, end: at };
    });
    const m = await this.send({ op: 'unpack', items: wire, buffer: all.buffer }, [all.buffer]);
    return (m.results ?? []) as unknown as UnpackResult[];
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.failAll(new Error('The pack pool was closed.'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
