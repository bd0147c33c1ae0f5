import type { BackupRecord } from '../../../src-shared/domain/backup.js';
import type { Retention } from '../../../src-shared/domain/profile.js';

/** Why a backup is kept; the first reason found is reported. */
export type KeepReason =
  | 'newest verified'
  | 'newest completed'
  | 'in use by a restore'
  | 'keep-last'
  | 'newer than the last kept verified backup'
  | 'keep-days'
  | 'keep-daily'
  | 'keep-weekly'
  | 'keep-monthly'
  | 'no retention rule';

/** The decision for one backup. */
export interface RetentionDecision {
  readonly backup: BackupRecord;
  readonly keep: boolean;
  readonly reason: KeepReason | 'expired';
}

const DAY = 86_400_000;

function bucket(iso: string, kind: 'day' | 'week' | 'month'): string {
  const d = new Date(iso);
  if (kind === 'day') return iso.slice(0, 10);
  if (kind === 'month') return iso.slice(0, 7);
  // ISO week: Thursday of the same week decides the year.
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  return `${t.getUTCFullYear()}-W${Math.ceil(((t.getTime() - yearStart) / DAY + 1) / 7)}`;
}

/**
 * Decide which COMPLETED backups of one profile to keep. Verification-aware: only verified backups
 * count toward "keep N", and the newest verified backup is never deleted, so a run of silently
 * broken backups cannot push out the last good one. The newest COMPLETED backup and backups a
 * running restore reads are never deleted either. With no rule set, everything is kept.
 */
export function selectRetention(backups: readonly BackupRecord[], rules: Retention, now: Date, inUse: ReadonlySet<string>): RetentionDecision[] {
  const list = backups.filter((b) => b.status === 'COMPLETED').sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  const reasons = new Map<string, KeepReason>();
  const keep = (b: BackupRecord | undefined, why: KeepReason): void => {
    if (b && !reasons.has(b.id)) reasons.set(b.id, why);
  };
  const verified = list.filter((b) => b.verifiedAt !== null);

  keep(verified[0], 'newest verified');
  keep(list[0], 'newest completed');
  for (const b of list) if (inUse.has(b.id)) keep(b, 'in use by a restore');

  const anyRule = rules.keepLast !== null || rules.keepDays !== null || rules.keepDaily !== null || rules.keepWeekly !== null || rules.keepMonthly !== null;
  if (!anyRule) for (const b of list) keep(b, 'no retention rule');

  if (rules.keepLast !== null) {
    const kept = verified.slice(0, rules.keepLast);
    for (const b of kept) keep(b, 'keep-last');
    // Unverified backups newer than the oldest kept verified one stay: they may yet verify.
    const cutoff = kept.length < rules.keepLast ? '' : (kept[kept.length - 1]?.createdAt ?? '');
    for (const b of list) if (b.verifiedAt === null && b.createdAt > cutoff) keep(b, 'newer than the last kept verified backup');
  }
  if (rules.keepDays !== null) {
    const since = new Date(now.getTime() - rules.keepDays * DAY).toISOString();
    for (const b of list) if (b.createdAt >= since) keep(b, 'keep-days');
  }
  const periodic: [number | null, 'day' | 'week' | 'month', KeepReason][] = [
    [rules.keepDaily, 'day', 'keep-daily'],
    [rules.keepWeekly, 'week', 'keep-weekly'],
    [rules.keepMonthly, 'month', 'keep-monthly'],
  ];
  for (const [n, kind, why] of periodic) {
    if (n === null) continue;
    const seen = new Set<string>();
    for (const b of verified) {
      const key = bucket(b.createdAt, kind);
      if (seen.has(key)) continue;
      if (seen.size >= n) break;
      seen.add(key);
      keep(b, why);
    }
  }
  return list.map((b) => {
    const why = reasons.get(b.id);
    return { backup: b, keep: why !== undefined, reason: why ?? 'expired' };
  });
}
