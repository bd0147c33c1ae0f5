import type { JobPhase } from '../../../src-shared/domain/enums.js';
import type { JobProgress } from '../../../src-shared/domain/progress.js';

/** Receives progress events. */
export type ProgressListener = (p: JobProgress) => void;

/**
 * Counts bytes and files for one job and emits throttled progress events with a rising `seq`
 * and an ETA from the average rate of the current phase. Phase changes are always emitted.
 */
export class ProgressTracker {
  private seq = 0;
  private phase: JobPhase = 'preparing';
  private bytesDone = 0;
  private bytesTotal = 0;
  private filesDone = 0;
  private filesTotal = 0;
  private currentItem = '';
  private phaseStarted = Date.now();
  private lastEmit = 0;

  constructor(
    private readonly jobId: string,
    private readonly listener: ProgressListener | undefined,
    private readonly intervalMs = 100,
  ) {}

  setPhase(phase: JobPhase, totals?: { bytes: number; files: number }): void {
    this.phase = phase;
    this.phaseStarted = Date.now();
    this.bytesDone = 0;
    this.filesDone = 0;
    if (totals) {
      this.bytesTotal = totals.bytes;
      this.filesTotal = totals.files;
    }
    this.emit(true);
  }

  /** Work found after the phase began (a dump that finished while folders were archived). */
  addTotal(bytes: number): void {
    this.bytesTotal += bytes;
  }

  item(name: string): void {
    this.currentItem = name;
    this.emit(false);
  }

  addBytes(n: number): void {
    this.bytesDone += n;
    this.emit(false);
  }

  fileDone(): void {
    this.filesDone += 1;
    this.emit(false);
  }

  snapshot(): JobProgress {
    const elapsed = (Date.now() - this.phaseStarted) / 1000;
    const rate = elapsed > 0.5 ? this.bytesDone / elapsed : 0;
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
      etaSeconds: rate > 0 && left >= 0 ? Math.round(left / rate) : null,
    };
  }

  private emit(force: boolean): void {
    if (!this.listener) return;
    const now = Date.now();
    if (!force && now - this.lastEmit < this.intervalMs) return;
    this.lastEmit = now;
    this.seq += 1;
    this.listener(this.snapshot());
  }
}
