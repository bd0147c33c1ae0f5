import { randomUUID } from 'node:crypto';
import type { JobProgress } from '../../src-shared/domain/progress.js';
import type { ActiveJob, Events, JobFinished } from '../../src-shared/ipc/contract.js';
import { fail, ok } from '../../src-shared/ipc/result.js';
import { toErrorInfo } from '../../src-shared/errors/lifeboat-error.js';

type Emit = <E extends keyof Events>(event: E, payload: Events[E]) => void;

/** What a job reports when it ends well. */
export type JobOutcome = { id: string; summary: string; safetyBackupId?: string | null; rolledBack?: readonly string[] };

interface Running {
  readonly job: ActiveJob;
  readonly abort: AbortController;
  readonly cancellable: boolean;
  progress: JobProgress | null;
  done: Promise<void>;
  finished?: JobFinished;
}

/**
 * Runs long jobs for the IPC layer: returns a job id at once, pushes throttled `job:progress`
 * events (the engine throttles; `seq` rises), one `job:finished` with the final Result, and
 * keeps a snapshot for `job:list-active` (a reloaded window, the tray).
 */
export class JobRunner {
  private readonly running = new Map<string, Running>();

  constructor(private readonly emit: Emit) {}

  start(
    kind: ActiveJob['kind'],
    label: string,
    work: (signal: AbortSignal, onProgress: (p: JobProgress) => void) => Promise<JobOutcome>,
    cancellable = true,
  ): string {
    const jobId = randomUUID();
    const abort = new AbortController();
    const entry: Running = { job: { jobId, kind, label, progress: null }, abort, cancellable, progress: null, done: Promise.resolve() };
    this.running.set(jobId, entry);
    const onProgress = (p: JobProgress): void => {
      // The engine numbers events per engine job; the UI keys them by this job id.
      const event = { ...p, jobId };
      entry.progress = event;
      this.emit('job:progress', event);
    };
    entry.done = (async (): Promise<void> => {
      let finished: JobFinished;
      try {
        finished = { jobId, kind, result: ok(await work(abort.signal, onProgress)) };
      } catch (e) {
        finished = { jobId, kind, result: fail(toErrorInfo(e)) };
      }
      entry.finished = finished;
      this.running.delete(jobId);
      this.emit('job:finished', finished);
      this.emit('catalog:changed', { reason: `${kind} finished` });
    })();
    return jobId;
  }

  cancel(jobId: string): boolean {
    const r = this.running.get(jobId);
    if (!r?.cancellable) return false;
    r.abort.abort();
    return true;
  }

  active(): ActiveJob[] {
    return [...this.running.values()].map((r) => ({ ...r.job, progress: r.progress }));
  }

  /** How a job ended, once it has. */
  async wait(jobId: string): Promise<JobFinished | undefined> {
    // Callers wait right after start(), while the job is still in the map; nothing is kept afterwards.
    const entry = this.running.get(jobId);
    if (!entry) return undefined;
    await entry.done;
    return entry.finished;
  }

  /** Wait for every running job (shutdown, tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.done));
  }
}
