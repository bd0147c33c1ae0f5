import { formatBytes, formatDuration } from '../../../src-shared/domain/format.js';
import { ERROR_HINTS } from '../../../src-shared/errors/codes.js';
import type { ErrorInfo } from '../../../src-shared/errors/lifeboat-error.js';
import type { OffsiteLine } from './offsite.js';

/** What happened, for an email or a receipt. */
export type Outcome =
  | {
      readonly kind: 'backup';
      readonly ok: true;
      readonly id: string;
      readonly fileName: string;
      readonly path: string;
      readonly size: number;
      readonly sha256: string;
      readonly durationMs: number;
      readonly trigger: string;
      readonly profile: string | null;
      readonly verified: boolean;
      readonly sources: readonly string[];
      /** Per remote: VERIFIED / FAILED with the reason / PENDING (issue 14); absent or empty when the backup has no remote. */
      readonly offsite?: readonly OffsiteLine[];
    }
  | { readonly kind: 'backup'; readonly ok: false; readonly id: string; readonly profile: string | null; readonly trigger: string; readonly error: ErrorInfo }
  | {
      readonly kind: 'restore';
      readonly ok: true;
      readonly id: string;
      readonly archive: string;
      readonly sha256: string;
      readonly targets: readonly string[];
      readonly safetyBackupId: string | null;
      readonly durationMs: number;
    }
  | { readonly kind: 'restore'; readonly ok: false; readonly id: string; readonly archive: string; readonly error: ErrorInfo };

/** Who, where, and the audit reference every message carries. */
export interface Context {
  readonly actor: string;
  readonly host: string;
  readonly at: Date;
  /** `#<event id> <hash prefix>`: the audit event that recorded the outcome. */
  readonly auditRef: string;
}

/** A rendered message. */
export interface Rendered {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function facts(o: Outcome, c: Context): [string, string][] {
  const common: [string, string][] = [
    ['Started by', `${c.actor} on ${c.host}`],
    ['When', c.at.toISOString()],
  ];
  if (o.kind === 'backup' && o.ok) {
    return [
      ['Backup', o.fileName],
      ['Profile', o.profile ?? 'ad hoc'],
      ['Trigger', o.trigger],
      ['Size', `${formatBytes(o.size)} (${o.size} bytes)`],
      ['SHA-256', o.sha256],
      ['Duration', formatDuration(o.durationMs)],
      ['Verification', o.verified ? 'passed (every entry re-hashed, SQLite integrity_check)' : 'not run'],
      ['Sources', o.sources.join(', ')],
      ['Location', o.path],
      ...offsiteFacts(o.offsite ?? []),
      ...common,
      ['Audit reference', c.auditRef],
    ];
  }
  if (o.kind === 'restore' && o.ok) {
    return [
      ['Archive', o.archive],
      ['Archive SHA-256', o.sha256],
      ['Restored', o.targets.join('; ')],
      ['Safety backup', o.safetyBackupId ?? 'none needed (nothing was overwritten)'],
      ['Duration', formatDuration(o.durationMs)],
      ...common,
      ['Audit reference', c.auditRef],
    ];
  }
  const err = o.ok ? null : o.error;
  return [
    [o.kind === 'backup' ? 'Profile' : 'Archive', o.kind === 'backup' ? (o.profile ?? 'ad hoc') : o.archive],
    ...(o.kind === 'backup' ? ([['Trigger', o.trigger]] as [string, string][]) : []),
    ['Error code', err?.code ?? ''],
    ['What happened', err?.message ?? ''],
    ['What to do', err ? ERROR_HINTS[err.code] : ''],
    ...common,
    ['Audit reference', c.auditRef],
  ];
}

/** One headline and one line per remote, so a reader sees at once whether the off-site copy exists. */
function offsiteFacts(lines: readonly OffsiteLine[]): [string, string][] {
  if (lines.length === 0) return [];
  const failed = lines.filter((l) => l.state === 'FAILED').length;
  const pending = lines.filter((l) => l.state === 'PENDING').length;
  const headline =
    failed > 0 ? `FAILED on ${failed} of ${lines.length} remote(s); the local backup is kept` : pending > 0 ? `PENDING on ${pending} of ${lines.length} remote(s)` : `VERIFIED on ${lines.length} remote(s)`;
  return [['Off-site copy', headline], ...lines.map((l): [string, string] => [`Off-site ${l.remoteId}`, `${l.state}: ${l.detail}`])];
}

/** Whether any off-site copy of a succeeded backup failed (the subject says so). */
function offsiteFailed(o: Outcome): boolean {
  return o.kind === 'backup' && o.ok && (o.offsite ?? []).some((l) => l.state === 'FAILED');
}

/** The four templates: backup/restore × succeeded/failed, each in plain text and HTML. */
export function render(o: Outcome, c: Context): Rendered {
  const what = o.kind === 'backup' ? 'Backup' : 'Restore';
  const name = o.kind === 'backup' ? (o.profile ?? 'ad-hoc sources') : o.ok ? o.archive.split('/').pop() : o.archive.split('/').pop();
  const subject = o.ok ? `[Lifeboat] ${what} succeeded${offsiteFailed(o) ? ', off-site copy FAILED' : ''}: ${name}` : `[Lifeboat] ${what} FAILED: ${name} (${o.error.code})`;
  const rows = facts(o, c);
  const text = [
    o.ok ? `${what} succeeded.${offsiteFailed(o) ? ' The off-site copy FAILED: see "Off-site" below.' : ''}` : `${what} failed. Nothing was kept from the failed attempt${o.kind === 'restore' ? '; the targets were rolled back' : ''}.`,
    '',
    ...rows.map(([k, v]) => `${k}: ${v}`),
    '',
    '-- ',
    'Lifeboat',
  ].join('\n');
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${esc(subject)}</title></head>
<body style="font-family:system-ui,Segoe UI,Roboto,sans-serif;color:#111827">
<h2 style="color:${!o.ok ? '#b91c1c' : offsiteFailed(o) ? '#b45309' : '#15803d'}">${esc(o.ok ? `${what} succeeded${offsiteFailed(o) ? ', off-site copy FAILED' : ''}` : `${what} failed`)}</h2>
<table style="border-collapse:collapse">${rows.map(([k, v]) => `<tr><th style="text-align:left;padding:4px 12px 4px 0;vertical-align:top">${esc(k)}</th><td style="padding:4px 0;font-family:${k.includes('SHA') ? 'monospace' : 'inherit'}">${esc(v)}</td></tr>`).join('')}</table>
<p style="color:#6b7280;font-size:12px">Sent by Lifeboat. Keep this receipt with the change ticket.</p>
</body></html>`;
  return { subject, text, html };
}
