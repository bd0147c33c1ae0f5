import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SourceSkipKind } from '../archive/source-file.js';
import type { ExtractItem, NameStat, PackMessage, PackReply, PackRequest, PathFacts, StoredAt, UnpackResult, WireError } from './pack-protocol.js';
import { addTime } from '../util/phase-times.js';
import { workerUrl } from './worker-url.js';

export type { ExtractItem, NameStat, PackRequest, PathFacts, StoredAt, UnpackItem, UnpackResult } from './pack-protocol.js';

/**
 * The packed file (`changed` says why its bytes may not be one moment's state), or why it could not
 * be opened or read, or that it grew past the request's limit.
 */
export type PackResult =
  | { readonly ok: true; readonly size: number; readonly sha256: string; readonly crc: number; readonly deflated: boolean; readonly data: Buffer; readonly changed: string | null }
  | { readonly ok: false; readonly stage: 'open' | 'read'; readonly kind: SourceSkipKind | 'grown'; readonly error: NodeJS.ErrnoException };

type Request = PackMessage extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;
type ReplyOf<Op extends PackMessage['op']> = Extract<PackReply, { op: Op }>;

const revive = (e: WireError): NodeJS.ErrnoException => Object.assign(new Error(e.message), e);

/**
 * Worker threads (pack-worker.ts) for the file work of backups and restores: reading, SHA-256, CRC
 * and deflating batches of small files, compressing chunks of big ones, writing restored files and
 * checking them afterwards. The main thread (and IPC) only moves finished bytes, and every core
 * works. Workers are unref'd and stopped by `close()`.
 */
export class PackPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { worker: number; resolve: (r: PackReply) => void; reject: (e: Error) => void }>();
  private readonly busy: number[];
  private nextId = 0;

  constructor(size = Math.max(1, Math.min(availableParallelism(), 4))) {
    const url = workerUrl('pack-worker');
    this.busy = new Array<number>(size).fill(0);
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(url);
      w.unref();
      w.on('message', (m: PackReply) => this.settle(m));
      w.on('error', (e) => this.failAll(e));
      return w;
    });
  }

  private settle(m: PackReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    this.busy[p.worker] = (this.busy[p.worker] ?? 1) - 1;
    for (const kind in m.times) addTime(kind, m.times[kind] ?? 0);
    p.resolve(m);
  }

  private send<Op extends PackMessage['op']>(message: Extract<Request, { op: Op }>, transfer: ArrayBuffer[] = []): Promise<ReplyOf<Op>> {
    const id = this.nextId++;
    const index = this.busy.indexOf(Math.min(...this.busy));
    this.busy[index] = (this.busy[index] ?? 0) + 1;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { worker: index, resolve: resolve as (r: PackReply) => void, reject });
      this.workers[index]!.postMessage({ ...message, id }, transfer);
    });
  }

  /** Pack a batch on the least busy worker; results come back in the batch's order. */
  async pack(files: readonly PackRequest[], level: number): Promise<PackResult[]> {
    const m = await this.send<'pack'>({ op: 'pack', files, level });
    const all = Buffer.from(m.buffer);
    return m.results.map((r): PackResult => {
      if (!r.ok) return { ok: false, stage: r.stage, kind: r.kind, error: revive(r.error) };
      return { ok: true, size: r.size, sha256: r.sha256, crc: r.crc, deflated: r.deflated, data: all.subarray(r.start, r.end), changed: r.changed };
    });
  }

  /**
   * One chunk of a big entry as raw deflate primed with `dictionary` and ended by a sync flush, so
   * consecutive chunks concatenate into one stream (see compress.ts). The chunk is copied over.
   */
  async deflateChunk(data: Buffer, level: number, dictionary: Buffer | undefined): Promise<Buffer> {
    const m = await this.send<'deflate'>({ op: 'deflate', data, dictionary, level });
    return Buffer.from(m.buffer);
  }

  /** A folder's names (sorted; read as bytes) with their lstat (readlink for symlinks), or why it cannot be read. */
  async list(dir: string): Promise<{ names: string[]; stats: NameStat[] } | { error: NodeJS.ErrnoException }> {
    const { listing } = await this.send<'list'>({ op: 'list', dir });
    if ('error' in listing) return { error: revive(listing.error) };
    return { names: listing.names, stats: listing.stats.map((x): NameStat => (x.type === 'error' ? { type: 'error', error: revive(x.error) } : x)) };
  }

  /** lstat (and, for files when asked, SHA-256) each path: what is on disk now. */
  async inspect(items: readonly { path: string; hash: boolean }[]): Promise<PathFacts[]> {
    return (await this.send<'inspect'>({ op: 'inspect', items })).results;
  }

  /**
   * Decode, check, hash (and write, where a target is given) a batch of small ZIP entries whose
   * stored bytes the worker reads from `archive` itself (in file order, one read for the batch):
   * the bytes never pass through this thread.
   */
  async unpackAt(archive: string, items: readonly StoredAt[]): Promise<UnpackResult[]> {
    return (await this.send<'unpackAt'>({ op: 'unpackAt', archive, items })).results;
  }

  /**
   * Decode, check, hash (and write, where a target is given) one big ZIP entry read by the worker
   * from the archive file itself: nothing of it passes through this thread.
   */
  async extract(item: ExtractItem): Promise<UnpackResult> {
    const { results } = await this.send<'extract'>({ op: 'extract', item });
    return results[0] ?? { error: 'damaged', message: 'no result from the worker' };
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /** Stop the workers; whatever is still pending is rejected. */
  async close(): Promise<void> {
    this.failAll(new Error('The pack pool was closed.'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
