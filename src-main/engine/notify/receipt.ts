import { basename } from 'node:path';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { readManifest } from '../archive/archive-reader.js';
import type { EngineEnv } from '../engine-env.js';
import { RunLogsRepo } from '../jobs/run-log.js';
import { RestoresRepo } from '../restore/journal.js';
import { auditReference } from './mailer.js';
import { offsiteOf } from './offsite.js';
import { render, type Outcome, type Rendered } from './templates.js';

/**
 * A human-readable receipt (HTML) for a backup or a restore: what, from where to where, checksums,
 * verification, operator, duration and the audit reference, for attaching to a change ticket.
 */
export async function receiptFor(env: EngineEnv, idOrPrefix: string): Promise<Rendered> {
  const backup = env.catalog.backups.get(idOrPrefix);
  if (backup) {
    let outcome: Outcome;
    if (backup.status === 'COMPLETED') {
      const manifest = await readManifest(backup.path).catch(() => null);
      outcome = {
        kind: 'backup',
        ok: true,
        id: backup.id,
        fileName: backup.fileName,
        path: backup.path,
        size: backup.size ?? 0,
        sha256: backup.sha256 ?? '',
        durationMs: backup.durationMs ?? 0,
        trigger: backup.trigger,
        profile: backup.profile,
        verified: backup.verifiedAt !== null,
        sources: (manifest?.sources ?? []).map((s) => `${s.name} (${s.kind}: ${s.kind === 'postgres' || s.kind === 'mysql' ? s.url : s.path})`),
        offsite: offsiteOf(env, backup.id, backup.profile),
      };
    } else {
      outcome = {
        kind: 'backup',
        ok: false,
        id: backup.id,
        profile: backup.profile,
        trigger: backup.trigger,
        error: { code: backup.errorCode ?? 'INTERNAL', message: backup.errorMessage ?? backup.status },
      };
    }
    return withRunLog(env, backup.id, render(outcome, { actor: backup.createdBy, host: backup.host, at: new Date(backup.finishedAt ?? backup.createdAt), auditRef: auditReference(env, backup.id) }));
  }
  const restore = new RestoresRepo(env.catalog.db).get(idOrPrefix);
  if (!restore) throw new LifeboatError('NOT_FOUND', `No backup or restore "${idOrPrefix}" in the catalog.`, { id: idOrPrefix });
  const details = env.catalog.db.prepare('SELECT started_by, started_at, finished_at, archive_sha256, targets FROM restores WHERE id = ?').get(restore.id) as {
    started_by: string;
    started_at: string;
    finished_at: string | null;
    archive_sha256: string;
    targets: string;
  };
  const targets = (JSON.parse(details.targets) as { source: string; target: string }[]).map((t) => `${t.source} → ${t.target}`);
  const outcome: Outcome =
    restore.status === 'COMPLETED'
      ? {
          kind: 'restore',
          ok: true,
          id: restore.id,
          archive: restore.archivePath,
          sha256: details.archive_sha256,
          targets,
          safetyBackupId: restore.safetyBackupId,
          durationMs: details.finished_at ? new Date(details.finished_at).getTime() - new Date(details.started_at).getTime() : 0,
        }
      : { kind: 'restore', ok: false, id: restore.id, archive: restore.archivePath, error: { code: (restore.errorCode ?? 'RESTORE_FAILED') as 'RESTORE_FAILED', message: restore.errorMessage ?? restore.status } };
  return withRunLog(env, restore.id, render(outcome, { actor: details.started_by, host: env.host, at: new Date(details.finished_at ?? details.started_at), auditRef: auditReference(env, restore.id, restore.archivePath) }));
}

const esc = (t: string): string => t.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The job's run log at the end of its receipt (issue 12 item 6): what ran, when, what was left out,
 * what the tools and commands said. Already bounded when stored, so the receipt stays small.
 */
export function withRunLog(env: EngineEnv, id: string, r: Rendered): Rendered {
  const log = new RunLogsRepo(env.catalog.db).get(id);
  if (!log) return r;
  const section = `<h2 style="font-size:15px;margin:24px 0 8px">Run log</h2><pre data-run-log style="font:12px/1.45 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-all;background:#f5f5f5;color:#222;padding:12px;border-radius:6px">${esc(log.text)}</pre>`;
  const at = r.html.lastIndexOf('</body>');
  return {
    subject: r.subject,
    text: `${r.text}\n\nRun log\n-------\n${log.text}\n`,
    html: at === -1 ? `${r.html}${section}` : `${r.html.slice(0, at)}${section}${r.html.slice(at)}`,
  };
}

/** The receipt's file name. */
export function receiptName(id: string, archive?: string): string {
  return `lifeboat-receipt-${id.slice(0, 8)}${archive ? `-${basename(archive).replace(/\.(zip|tar\.gz)$/, '')}` : ''}.html`;
}
