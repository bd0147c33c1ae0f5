import type { JobPhase, SourceKind } from '../../../src-shared/domain/enums.js';
import type { JobProgress, SourceProgress, SourceState } from '../../../src-shared/domain/progress.js';

/** Receives progress events. */
export type ProgressListener = (p: JobProgress) => void;

/** How the tracker measures time; tests pass a fake clock. */
export interface TrackerOptions {
  /** Minimum time between two throttled events. */
  readonly intervalMs?: number;
  /** Milliseconds since some epoch (default Date.now). */
  readonly now?: () => number;
  /** The rate is measured over the last this many milliseconds (default 10 s). */
  readonly windowMs?: number;
  /** No rate (and so no ETA) until the samples span at least this long (default 2 s). */
  readonly minSpanMs?: number;
}

/** Samples closer together than this replace each other, so the window holds at most window/step of them. */
const SAMPLE_STEP_MS = 250;

/**
 * Counts bytes and files for one job and emits throttled progress events with a rising `seq`.
 *
 * The rate is measured over a sliding window of recent samples, not averaged from the phase's start:
 * the average included the phase's set-up (and a burst of small files or a cache-hot first file),
 * and an ETA of "0 ms" with 40 MiB to go came from rounding a ratio made of those. Until the window
 * spans `minSpanMs` the rate and the ETA are null ("estimating…"); an ETA is never below one second
 * while bytes are left, and null once none are. Phase and source-state changes are always emitted.
 */
export class ProgressTracker {
  private seq = 0;
  private phase: JobPhase = 'preparing';
  private bytesDone = 0;
  private bytesTotal = 0;
  private filesDone = 0;
  private filesTotal = 0;
  private currentItem = '';
  private lastEmit = Number.NEGATIVE_INFINITY;
  /** (time, bytesDone) pairs of the current phase, oldest first, bounded by the window. */
  private samples: { t: number; bytes: number }[] = [];
  private readonly sources: SourceProgress[] = [];
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly windowMs: number;
  private readonly minSpanMs: number;

  constructor(
    private readonly jobId: string,
    private readonly listener: ProgressListener | undefined,
    options: TrackerOptions | number = {},
  ) {
    const o = typeof options === 'number' ? { intervalMs: options } : options;
    this.intervalMs = o.intervalMs ?? 100;
    this.now = o.now ?? Date.now;
    this.windowMs = o.windowMs ?? 10_000;
    this.minSpanMs = o.minSpanMs ?? 2_000;
  }

  setPhase(phase: JobPhase, totals?: { bytes: number; files: number }): void {
    this.phase = phase;
    this.bytesDone = 0;
    this.filesDone = 0;
    if (totals) {
      this.bytesTotal = totals.bytes;
      this.filesTotal = totals.files;
    }
    this.samples = [{ t: this.now(), bytes: 0 }];
    this.emit(true);
  }

  /**
   * The job finished: counters equal their totals (no "17 / 18 files" on a finished job). `totals`
   * gives the whole job's (what was stored), where the last phase counted something else.
   */
  complete(totals?: { bytes: number; files: number }): void {
    this.phase = 'done';
    if (totals) {
      this.bytesTotal = totals.bytes;
      this.filesTotal = totals.files;
    }
    this.bytesDone = this.bytesTotal;
    this.filesDone = this.filesTotal;
    this.samples = [];
    this.emit(true);
  }

  /** Work found after the phase began (a dump that finished while folders were archived). */
  addTotal(bytes: number, files = 0): void {
    this.bytesTotal += bytes;
    this.filesTotal += files;
  }

  /** Name the sources once, in order; each starts `waiting`. */
  setSources(list: readonly { name: string; kind: SourceKind }[]): void {
    this.sources.length = 0;
    for (const s of list) this.sources.push({ name: s.name, kind: s.kind, state: 'waiting' });
    this.emit(true);
  }

  /** One source moved on (scanning, dumping, archiving, done, failed). */
  source(name: string, state: SourceState): void {
    const i = this.sources.findIndex((s) => s.name === name);
    const cur = this.sources[i];
    if (!cur || cur.state === state) return;
    this.sources[i] = { ...cur, state };
    this.emit(true);
  }

  item(name: string): void {
    this.currentItem = name;
    this.emit(false);
  }

  addBytes(n: number): void {
    this.bytesDone += n;
    this.sample();
    this.emit(false);
  }

  /** A file was handled: stored, or left out by policy (either way it is no longer to do). */
  fileDone(): void {
    this.filesDone += 1;
    this.emit(false);
  }

  /** Bytes per second over the window, or null until the samples span `minSpanMs`. */
  rate(): number | null {
    const now = this.now();
    const first = this.samples[0];
    if (!first) return null;
    const span = now - first.t;
    if (span < this.minSpanMs) return null;
    return Math.max(0, this.bytesDone - first.bytes) / (span / 1000);
  }

  snapshot(): JobProgress {
    this.trim();
    const rate = this.rate();
    const left = this.bytesTotal - this.bytesDone;
    return {
      jobId: this.jobId,
      seq: this.seq,
      phase: this.phase,
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      filesDone: this.filesDone,
      filesTotal: this.filesTotal,
      currentItem: this.currentItem,
      // Rounded up: "1 s" while anything is left, never "0".
      etaSeconds: rate !== null && rate > 0 && left > 0 ? Math.max(1, Math.ceil(left / rate)) : null,
      bytesPerSecond: rate,
      ...(this.sources.length ? { sources: this.sources.slice() } : {}),
    };
  }

  private sample(): void {
    const t = this.now();
    const last = this.samples[this.samples.length - 1];
    // Keep the first sample of each step: the window's oldest point must stay put while it is valid.
    if (last && t - last.t < SAMPLE_STEP_MS && this.samples.length > 1) last.bytes = this.bytesDone;
    else this.samples.push({ t, bytes: this.bytesDone });
    this.trim();
  }

  /** Drop samples older than the window, keeping one at or before its start (the rate's base). */
  private trim(): void {
    const from = this.now() - this.windowMs;
    let drop = 0;
    while (drop + 1 < this.samples.length && (this.samples[drop + 1]?.t ?? Infinity) <= from) drop += 1;
    if (drop > 0) this.samples.splice(0, drop);
  }

  private emit(force: boolean): void {
    if (!this.listener) return;
    const now = this.now();
    if (!force && now - this.lastEmit < this.intervalMs) return;
    this.lastEmit = now;
    this.seq += 1;
    this.listener(this.snapshot());
  }
}
