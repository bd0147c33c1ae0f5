import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** A small file to read, hash and (maybe) compress off the main thread. */
export interface PackRequest {
  readonly path: string;
  readonly size: number;
  readonly compress: boolean;
}

/** The packed file, or why it could not be opened or read. */
export type PackResult =
  | { readonly ok: true; readonly size: number; readonly sha256: string; readonly crc: number; readonly deflated: boolean; readonly data: Buffer }
  | { readonly ok: false; readonly stage: 'open' | 'read'; readonly error: NodeJS.ErrnoException };

interface WireResult {
  ok: boolean;
  stage?: 'open' | 'read';
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
const zlib = require('node:zlib');
const { createHash } = require('node:crypto');
const errorOf = (e) => ({ message: e.message, code: e.code, errno: e.errno, syscall: e.syscall });
function readWhole(fd, size) {
  const parts = [];
  let buf = Buffer.allocUnsafe(size + 1);
  let position = 0;
  for (;;) {
    let filled = 0;
    while (filled < buf.length) {
      const n = fs.readSync(fd, buf, filled, buf.length - filled, position);
      if (n === 0) break;
      filled += n;
      position += n;
    }
    parts.push(buf.subarray(0, filled));
    if (filled < buf.length) break;
    buf = Buffer.allocUnsafe(1024 * 1024);
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}
function deflateChunk({ id, data, dictionary, level }) {
  const d = zlib.deflateRawSync(data, { level, finishFlush: zlib.constants.Z_SYNC_FLUSH, ...(dictionary ? { dictionary } : {}) });
  const out = Buffer.allocUnsafeSlow(d.length);
  d.copy(out);
  parentPort.postMessage({ id, buffer: out.buffer }, [out.buffer]);
}
parentPort.on('message', (m) => {
  if (m.op === 'deflate') return deflateChunk(m);
  const { id, files, level } = m;
  const results = [];
  const datas = [];
  let total = 0;
  for (const f of files) {
    let fd;
    try {
      fd = fs.openSync(f.path, 'r');
    } catch (e) {
      results.push({ ok: false, stage: 'open', error: errorOf(e) });
      datas.push(null);
      continue;
    }
    let content;
    try {
      content = readWhole(fd, f.size);
    } catch (e) {
      results.push({ ok: false, stage: 'read', error: errorOf(e) });
      datas.push(null);
      continue;
    } finally {
      fs.closeSync(fd);
    }
    let data = content;
    let deflated = false;
    if (f.compress && content.length > 0) {
      const d = zlib.deflateRawSync(content, { level });
      if (d.length < content.length) {
        data = d;
        deflated = true;
      }
    }
    results.push({ ok: true, size: content.length, sha256: createHash('sha256').update(content).digest('hex'), crc: zlib.crc32(content), deflated, start: total, end: total + data.length });
    datas.push(data);
    total += data.length;
  }
  const out = Buffer.allocUnsafeSlow(total);
  datas.forEach((d, i) => { if (d) d.copy(out, results[i].start); });
  parentPort.postMessage({ id, results, buffer: out.buffer }, [out.buffer]);
});
`;

/**
 * Worker threads that read, SHA-256, CRC and deflate batches of small files, so the main thread
 * (and IPC) only moves finished bytes and every core compresses. Workers are unref'd and stopped
 * by `close()`.
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

  private send<T extends object>(message: T): Promise<{ results?: WireResult[]; buffer: ArrayBuffer }> {
    const id = this.nextId++;
    const index = this.busy.indexOf(Math.min(...this.busy));
    this.busy[index] = (this.busy[index] ?? 0) + 1;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { worker: index, resolve, reject });
      this.workers[index]!.postMessage({ ...message, id });
    });
  }

  /** Pack a batch on the least busy worker; results come back in the batch's order. */
  async pack(files: readonly PackRequest[], level: number): Promise<PackResult[]> {
    const m = await this.send({ files, level });
    const all = Buffer.from(m.buffer);
    return (m.results ?? []).map((r): PackResult => {
      if (!r.ok) {
        const error = Object.assign(new Error(r.error?.message ?? 'unknown error'), r.error ?? {}) as NodeJS.ErrnoException;
        return { ok: false, stage: r.stage ?? 'read', error };
      }
      return { ok: true, size: r.size ?? 0, sha256: r.sha256 ?? '', crc: r.crc ?? 0, deflated: r.deflated ?? false, data: all.subarray(r.start, r.end) };
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

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.failAll(new Error('The pack pool was closed.'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
