import type { JobPhase, SourceKind } from './enums.js';

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
  // --- issue 12 item 5 (backups that don't block the app) ---
  /** Bytes per second measured over the tracker's recent window, or null until the window has enough samples. */
  readonly bytesPerSecond?: number | null;
  /** Each source's state, in the backup's order (absent for jobs without sources, e.g. verify). */
  readonly sources?: readonly SourceProgress[];
}

/** Where one source of a backup is: waiting its turn, being read (scanned, dumped, archived), done or failed. */
export const SOURCE_STATES = ['waiting', 'scanning', 'dumping', 'archiving', 'done', 'failed'] as const;
/** A source's state in a running backup. */
export type SourceState = (typeof SOURCE_STATES)[number];

/** One source's line in a job's progress. */
export interface SourceProgress {
  readonly name: string;
  readonly kind: SourceKind;
  readonly state: SourceState;
}
