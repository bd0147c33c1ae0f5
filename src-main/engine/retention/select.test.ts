import { describe, expect, it } from 'vitest';
import type { BackupRecord } from '../../../src-shared/domain/backup.js';
import type { Retention } from '../../../src-shared/domain/profile.js';
import { selectRetention } from './select.js';

const NOW = new Date('2026-11-22T12:00:00.000Z');
const none: Retention = { keepLast: null, keepDays: null, keepDaily: null, keepWeekly: null, keepMonthly: null };

/** A daily history: `spec[i]` is the backup i days ago: 'v' verified, 'u' unverified, 'f' failed. */
function history(spec: string): BackupRecord[] {
  return [...spec].map((c, i) => {
    const at = new Date(NOW.getTime() - i * 86_400_000).toISOString();
    return {
      id: `b${String(i).padStart(3, '0')}`,
      fileName: '',
      path: '',
      format: 'zip',
      type: 'full',
      status: c === 'f' ? 'FAILED' : 'COMPLETED',
      trigger: 'SCHEDULED',
      size: 1,
      sha256: 'x',
      description: '',
      createdBy: 'cron',
      host: 'h',
      createdAt: at,
      finishedAt: at,
      durationMs: 1,
      errorCode: null,
      errorMessage: null,
      summary: null,
      warnings: [],
      profile: 'p',
      verifiedAt: c === 'v' ? at : null,
    };
  });
}

const kept = (spec: string, rules: Partial<Retention>, inUse: string[] = []): string[] =>
  selectRetention(history(spec), { ...none, ...rules }, NOW, new Set(inUse))
    .filter((d) => d.keep)
    .map((d) => d.backup.id);

describe('selectRetention', () => {
  it('keeps everything when no rule is set', () => {
    expect(kept('vvuv', {})).toEqual(['b000', 'b001', 'b002', 'b003']);
  });

  it('keep-last counts verified backups only', () => {
    expect(kept('vvvvvv', { keepLast: 3 })).toEqual(['b000', 'b001', 'b002']);
    // Two unverified newest backups do not push out the verified ones.
    expect(kept('uuvvvv', { keepLast: 2 })).toEqual(['b000', 'b001', 'b002', 'b003']);
  });

  it('never deletes the newest verified backup, however many broken ones follow', () => {
    const decisions = selectRetention(history('uuuuuuuuuv'), { ...none, keepDays: 3 }, NOW, new Set());
    expect(decisions.find((d) => d.backup.id === 'b009')).toMatchObject({ keep: true, reason: 'newest verified' });
    expect(decisions.filter((d) => !d.keep).map((d) => d.backup.id)).toEqual(['b004', 'b005', 'b006', 'b007', 'b008']);
  });

  it('never deletes the newest completed backup, nor one a restore is reading', () => {
    expect(kept('uvvv', { keepLast: 1 }, ['b003'])).toEqual(['b000', 'b001', 'b003']);
  });

  it('ignores FAILED rows (they have no archive)', () => {
    expect(selectRetention(history('fvf'), none, NOW, new Set()).map((d) => d.backup.id)).toEqual(['b001']);
  });

  it('keep-days keeps everything younger than N days', () => {
    expect(kept('vvvvvvv', { keepDays: 2 })).toEqual(['b000', 'b001', 'b002']);
  });

  it('grandfather-father-son: daily, weekly and monthly buckets keep their newest verified backup', () => {
    const spec = 'v'.repeat(70);
    const daily = kept(spec, { keepDaily: 5 });
    expect(daily).toEqual(['b000', 'b001', 'b002', 'b003', 'b004']);
    // 2026-11-22 is a Sunday, the last day of its ISO week; the weeks before end on the 15th and 8th.
    expect(kept(spec, { keepWeekly: 3 })).toEqual(['b000', 'b007', 'b014']);
    // The newest of November (22nd), October (31st, 22 days back) and September (30th, 53 days back).
    expect(kept(spec, { keepMonthly: 3 })).toEqual(['b000', 'b022', 'b053']);
  });
});
