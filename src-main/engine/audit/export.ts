import type { AuditEvent } from './audit-log.js';

const COLUMNS = ['id', 'ts', 'actor', 'action', 'target', 'outcome', 'details', 'prev_hash', 'hash'] as const;

function csvCell(v: string): string {
  // Quote always; double inner quotes. A leading =,+,-,@ is prefixed so spreadsheets do not run it as a formula.
  const safe = /^[=+\-@]/.test(v) ? `'${v}` : v;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** The audit events as CSV (oldest first), with the hash chain columns so a reader can re-verify it. */
export function auditCsv(events: readonly AuditEvent[]): string {
  const lines = [COLUMNS.join(',')];
  for (const e of [...events].sort((a, b) => a.id - b.id)) {
    lines.push([String(e.id), e.ts, e.actor, e.action, e.target, e.outcome, JSON.stringify(e.details), e.prevHash, e.hash].map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The audit events as JSON (oldest first). */
export function auditJson(events: readonly AuditEvent[]): string {
  return `${JSON.stringify([...events].sort((a, b) => a.id - b.id), null, 2)}\n`;
}
