import { auditTargetKind } from '../../../src-shared/domain/audit-events.js';
import type { CatalogDb } from '../catalog/open-catalog.js';
import type { AuditEvent } from './audit-log.js';

/** The last path segment, for either separator (targets may come from Windows catalogs). */
function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

function withProfile(name: string, profile: string | null): string {
  return profile ? `${name} (profile ${profile})` : name;
}

/**
 * Readable names for the targets of a page of audit events: a backup's file name and profile, a
 * restore's archive, a profile's name, a path's file name. Ids are looked up in the catalog (one
 * query per kind for the whole page); a backup deleted since falls back to the file its event
 * recorded, so the name survives the row.
 */
export function describeTargets(db: CatalogDb, events: readonly AuditEvent[]): Map<number, string> {
  const backupIds = new Set<string>();
  const restoreIds = new Set<string>();
  for (const e of events) {
    const kind = auditTargetKind(e.action);
    if (kind === 'backup') backupIds.add(e.target);
    if (kind === 'restore') restoreIds.add(e.target);
    // A notification names the run it reports on: a backup or a restore.
    if (kind === 'other' && e.action === 'notify.email') {
      backupIds.add(e.target);
      restoreIds.add(e.target);
    }
  }
  const backups = lookUp<{ id: string; file_name: string; profile: string | null }>(db, 'SELECT id, file_name, profile FROM backups WHERE id IN', backupIds);
  const restores = lookUp<{ id: string; archive_path: string; profile: string | null }>(
    db,
    'SELECT r.id, r.archive_path, b.profile FROM restores r LEFT JOIN backups b ON b.id = r.backup_id WHERE r.id IN',
    restoreIds,
  );
  const out = new Map<number, string>();
  for (const e of events) out.set(e.id, label(e, backups, restores));
  return out;
}

function label(
  e: AuditEvent,
  backups: Map<string, { file_name: string; profile: string | null }>,
  restores: Map<string, { archive_path: string; profile: string | null }>,
): string {
  const b = backups.get(e.target);
  const r = restores.get(e.target);
  const file = typeof e.details.file === 'string' ? baseName(e.details.file) : null;
  switch (auditTargetKind(e.action)) {
    case 'backup':
      if (b) return withProfile(b.file_name, b.profile);
      return file ?? `backup ${e.target.slice(0, 8)}`;
    case 'restore':
      return r ? `restore of ${withProfile(baseName(r.archive_path), r.profile)}` : `restore ${e.target.slice(0, 8)}`;
    case 'profile':
      return e.target === '*' ? 'every profile' : `profile ${e.target}`;
    case 'path':
      return baseName(e.target);
    case 'other':
      if (b) return withProfile(b.file_name, b.profile);
      if (r) return `restore of ${withProfile(baseName(r.archive_path), r.profile)}`;
      if (e.target === 'audit_events') return 'the audit trail';
      if (e.target === 'smtp-password') return 'SMTP password';
      return e.target;
  }
}

/** Rows keyed by id, for at most one page of ids (bound parameters, chunked under SQLite's limit). */
function lookUp<T extends { id: string }>(db: CatalogDb, sql: string, ids: ReadonlySet<string>): Map<string, T> {
  const all = [...ids];
  const out = new Map<string, T>();
  for (let i = 0; i < all.length; i += 500) {
    const chunk = all.slice(i, i + 500);
    for (const row of db.prepare(`${sql} (${chunk.map(() => '?').join(',')})`).all(...chunk) as T[]) out.set(row.id, row);
  }
  return out;
}
