import { describe, expect, it } from 'vitest';
import type { JobProgress } from '../../../src-shared/domain/progress.js';
import { ProgressTracker } from './progress-tracker.js';

const MiB = 1024 * 1024;

/** A tracker on a clock the test moves by hand, recording every event. */
function tracked() {
  let t = 1_000_000;
  const events: JobProgress[] = [];
  const tracker = new ProgressTracker('job', (p) => events.push(p), { now: () => t, intervalMs: 0 });
  return { tracker, events, advance: (ms: number) => (t += ms), last: () => events[events.length - 1] };
}

describe('ProgressTracker ETA', () => {
  it('says nothing (estimating) until the rate window spans two seconds, however fast the first bytes came', () => {
    const { tracker, advance, last } = tracked();
    tracker.setPhase('archiving', { bytes: 50 * MiB, files: 10 });
    // A cache-hot first file: 10 MiB in 10 ms would have given "ETA 0 ms" with 40 MiB to go.
    advance(10);
    tracker.addBytes(10 * MiB);
    expect(last()).toMatchObject({ etaSeconds: null, bytesPerSecond: null, bytesDone: 10 * MiB });
    advance(1500);
    tracker.addBytes(1 * MiB);
    expect(last()?.etaSeconds).toBeNull();
  });

  it('gives the ETA from the rate measured over the recent window, not from the phase average', () => {
    const { tracker, advance, last } = tracked();
    tracker.setPhase('archiving', { bytes: 100 * MiB, files: 1 });
    // 20 s at 1 MiB/s, then 10 s at 4 MiB/s: the window (10 s) sees only the fast part.
    for (let i = 0; i < 80; i += 1) {
      advance(250);
      tracker.addBytes(MiB / 4);
    }
    for (let i = 0; i < 40; i += 1) {
      advance(250);
      tracker.addBytes(MiB);
    }
    const p = last();
    expect(p?.bytesDone).toBe(60 * MiB);
    expect(p?.bytesPerSecond).toBeCloseTo(4 * MiB, -3);
    // 40 MiB left at 4 MiB/s.
    expect(p?.etaSeconds).toBe(10);
  });

  it('never shows an ETA of zero while bytes are left, and none once nothing is left', () => {
    const { tracker, advance, last } = tracked();
    tracker.setPhase('archiving', { bytes: 100 * MiB + 1, files: 1 });
    for (let i = 0; i < 20; i += 1) {
      advance(250);
      tracker.addBytes(5 * MiB);
    }
    expect(last()?.etaSeconds).toBe(1); // one byte left at 20 MiB/s rounds up to a second
    advance(250);
    tracker.addBytes(1);
    expect(last()?.etaSeconds).toBeNull();
  });

  it('a stall drops the rate to zero and the ETA back to unknown instead of a stale guess', () => {
    const { tracker, advance, last } = tracked();
    tracker.setPhase('archiving', { bytes: 100 * MiB, files: 1 });
    for (let i = 0; i < 20; i += 1) {
      advance(250);
      tracker.addBytes(MiB);
    }
    expect(last()?.etaSeconds).not.toBeNull();
    advance(30_000);
    tracker.item('still waiting');
    expect(last()).toMatchObject({ bytesPerSecond: 0, etaSeconds: null });
  });

  it('a new phase starts a new window', () => {
    const { tracker, advance, last } = tracked();
    tracker.setPhase('archiving', { bytes: 10 * MiB, files: 1 });
    for (let i = 0; i < 20; i += 1) {
      advance(250);
      tracker.addBytes(MiB / 2);
    }
    tracker.setPhase('verifying', { bytes: 10 * MiB, files: 0 });
    advance(100);
    tracker.addBytes(MiB);
    expect(last()).toMatchObject({ phase: 'verifying', etaSeconds: null, bytesPerSecond: null });
  });
});

describe('ProgressTracker counters and sources', () => {
  it('complete() leaves the file and byte counters at their totals', () => {
    const { tracker, last } = tracked();
    tracker.setPhase('archiving', { bytes: 300, files: 3 });
    tracker.addBytes(100);
    tracker.fileDone();
    tracker.complete();
    expect(last()).toMatchObject({ phase: 'done', filesDone: 3, filesTotal: 3, bytesDone: 300, bytesTotal: 300 });
  });

  it('work added mid-phase raises both totals', () => {
    const { tracker, last } = tracked();
    tracker.setPhase('archiving', { bytes: 100, files: 2 });
    tracker.addTotal(50, 1);
    tracker.addBytes(1);
    expect(last()).toMatchObject({ bytesTotal: 150, filesTotal: 3 });
  });

  it('reports each source state change at once, in the sources order', () => {
    const { tracker, events, last } = tracked();
    tracker.setSources([
      { name: 'docs', kind: 'folder' },
      { name: 'app', kind: 'sqlite' },
    ]);
    tracker.source('app', 'dumping');
    tracker.source('app', 'dumping'); // no change, no event
    const n = events.length;
    tracker.source('docs', 'done');
    expect(events.length).toBe(n + 1);
    expect(last()?.sources).toEqual([
      { name: 'docs', kind: 'folder', state: 'done' },
      { name: 'app', kind: 'sqlite', state: 'dumping' },
    ]);
  });

  it('throttles byte events but never phase changes, and seq rises by one per event', () => {
    let t = 0;
    const events: JobProgress[] = [];
    const tracker = new ProgressTracker('job', (p) => events.push(p), { now: () => t, intervalMs: 100 });
    tracker.setPhase('archiving', { bytes: 1000, files: 1 });
    for (let i = 0; i < 10; i += 1) tracker.addBytes(1); // same instant: throttled
    t += 150;
    tracker.addBytes(1);
    tracker.setPhase('checking');
    expect(events.map((e) => e.phase)).toEqual(['archiving', 'archiving', 'checking']);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
  });
});
