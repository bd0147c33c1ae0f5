import { appendFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

/**
 * Where a backup's or a restore's time goes, for the benchmark (bench/) and for profiling: set
 * LIFEBOAT_PHASE_TIMES to a file and every job appends one JSON line to it when it ends:
 * `{ job, total, phases: { name: ms } }`. Three kinds of figure, each named in the line:
 * - steps (`mark`): the job's sequential skeleton; marking a step ends the one before;
 * - spans (`span`): wall time from the first start to the last end of work that overlaps the
 *   steps (database dumps run while folders are archived);
 * - sums (`addTime`): time summed over threads (reading, deflating, hashing in the pack workers;
 *   disk writes), which may exceed the wall time when every core works.
 * Without the variable every call is a no-op. One job at a time is measured (the CLI, the bench):
 * sums go to the job that began last.
 */
export interface PhaseTimes {
  /** End the current step (if any) and begin `step`. */
  mark(step: string): void;
  /** Time `work` as a span named `name` (a span's figure covers all its pieces, first start to last end). */
  span<T>(name: string, work: Promise<T>): Promise<T>;
  /** End the job and append its line; resolves when written (never rejects). */
  finish(outcome: 'ok' | 'failed'): Promise<void>;
}

const NOOP: PhaseTimes = {
  mark: () => undefined,
  span: (_name, work) => work,
  finish: () => Promise.resolve(),
};

let current: Recorder | null = null;

class Recorder implements PhaseTimes {
  private readonly started = performance.now();
  private step: { name: string; at: number } | null = null;
  readonly steps = new Map<string, number>();
  readonly spans = new Map<string, { first: number; last: number }>();
  readonly sums = new Map<string, number>();

  constructor(
    private readonly job: string,
    private readonly file: string,
  ) {}

  mark(step: string): void {
    const now = performance.now();
    if (this.step) this.steps.set(this.step.name, (this.steps.get(this.step.name) ?? 0) + now - this.step.at);
    this.step = { name: step, at: now };
  }

  span<T>(name: string, work: Promise<T>): Promise<T> {
    const start = performance.now();
    const seen = this.spans.get(name);
    this.spans.set(name, { first: Math.min(seen?.first ?? start, start), last: seen?.last ?? start });
    const end = (): void => {
      const s = this.spans.get(name);
      if (s) s.last = Math.max(s.last, performance.now());
    };
    work.then(end, end);
    return work;
  }

  async finish(outcome: 'ok' | 'failed'): Promise<void> {
    this.mark('end');
    if (current === this) current = null;
    const round = (ms: number): number => Math.round(ms * 10) / 10;
    const line = {
      job: this.job,
      outcome,
      total: round(performance.now() - this.started),
      steps: Object.fromEntries([...this.steps].map(([k, v]) => [k, round(v)])),
      spans: Object.fromEntries([...this.spans].map(([k, v]) => [k, round(v.last - v.first)])),
      sums: Object.fromEntries([...this.sums].map(([k, v]) => [k, round(v)])),
    };
    await appendFile(this.file, `${JSON.stringify(line)}\n`).catch(() => undefined);
  }
}

/** Begin measuring a job (a no-op recorder unless LIFEBOAT_PHASE_TIMES names a file). */
export function beginPhaseTimes(job: 'backup' | 'restore'): PhaseTimes {
  const file = process.env['LIFEBOAT_PHASE_TIMES'];
  if (!file) return NOOP;
  current = new Recorder(job, file);
  return current;
}

/** Add `ms` of work (on any thread) to the sum `name` of the job being measured, if any. */
export function addTime(name: string, ms: number): void {
  if (current) current.sums.set(name, (current.sums.get(name) ?? 0) + ms);
}

/** True when a job is being measured: callers skip taking times otherwise. */
export function timing(): boolean {
  return current !== null;
}
