import type { JobPhase } from './enums.js';

/** One progress event of a running job. `seq` rises by one per event of the same job. */
export interface JobProgress {
  readonly jobId: string;
  readonly seq: number;
  readonly phase: JobPhase;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly currentItem: string;
  /** Seconds left, or null while there is not enough data to estimate. */
  readonly etaSeconds: number | null;
}
