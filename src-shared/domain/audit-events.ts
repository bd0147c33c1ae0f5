/**
 * Every audit event Lifeboat records, defined once.
 *
 * Event names used to be free strings at each call site, so one drifted from what happened (a
 * folder + SQLite restore logged `restore.postgres-restored`, because the step list named every
 * kind whether or not the backup held it). Now `AuditLog.append` accepts only an
 * {@link AuditEventName}, rejects any other name at run time too, and each name says what happened
 * in `domain.verb` form; what it happened to (which kinds of source, which files) goes in the details.
 */

/** What an event's `target` column holds, so the Audit screen can show a name instead of an id. */
export type AuditTargetKind = 'backup' | 'restore' | 'profile' | 'path' | 'other';

interface AuditEventSpec {
  /** How the Audit screen and the CLI name the event. */
  readonly label: string;
  readonly target: AuditTargetKind;
}

/** The closed list: name → label and what the target is. */
export const AUDIT_EVENTS = {
  'backup.start': { label: 'Backup started', target: 'backup' },
  'backup.complete': { label: 'Backup completed', target: 'backup' },
  'backup.fail': { label: 'Backup failed', target: 'backup' },
  'backup.interrupted': { label: 'Interrupted backup cleaned up', target: 'backup' },
  'backup.verify': { label: 'Backup verified', target: 'backup' },
  'backup.delete': { label: 'Backup deleted', target: 'backup' },
  'backup.export': { label: 'Backup copied elsewhere', target: 'backup' },
  'import.complete': { label: 'Archive imported', target: 'backup' },
  'import.duplicate': { label: 'Import skipped (already in the catalog)', target: 'backup' },
  'restore.refused': { label: 'Restore refused', target: 'path' },
  'restore.start': { label: 'Restore started', target: 'restore' },
  'restore.verified': { label: 'Restore: archive verified and staged', target: 'restore' },
  'restore.safety-backup': { label: 'Restore: safety backup taken', target: 'restore' },
  'restore.swapped': { label: 'Restore: targets swapped in', target: 'restore' },
  'restore.checked': { label: 'Restore: restored data checked', target: 'restore' },
  'restore.complete': { label: 'Restore completed', target: 'restore' },
  'restore.rollback': { label: 'Restore rolled back', target: 'restore' },
  'restore.recovery-failed': { label: 'Interrupted restore could not be recovered', target: 'restore' },
  'restore.cleanup': { label: 'Restore leftovers removed', target: 'restore' },
  'retention.cleanup': { label: 'Retention cleanup', target: 'profile' },
  'doctor.repair': { label: 'Catalog repaired (doctor)', target: 'path' },
  'notify.email': { label: 'Email notification', target: 'other' },
  'profile.add': { label: 'Profile added', target: 'profile' },
  'profile.update': { label: 'Profile changed', target: 'profile' },
  'profile.remove': { label: 'Profile removed', target: 'profile' },
  'profile.restore': { label: 'Removed profile put back (Undo)', target: 'profile' },
  'schedule.run': { label: 'Scheduled run started', target: 'profile' },
  'schedule.skipped': { label: 'Scheduled run skipped', target: 'profile' },
  'settings.change': { label: 'Settings changed', target: 'other' },
  'audit.verify': { label: 'Audit trail verified', target: 'other' },
  'audit.export': { label: 'Audit trail exported', target: 'path' },
  // Encryption at rest (issue 14): what was set, never the secret itself.
  'encryption.passphrase-set': { label: 'Encryption passphrase stored in the keychain', target: 'profile' },
  'encryption.key-created': { label: 'Encryption key pair created', target: 'profile' },
  'encryption.recovery-kit': { label: 'Recovery kit saved', target: 'profile' },
  // Off-site remote destinations (issue 14).
  'remote.copy': { label: 'Off-site copy uploaded', target: 'backup' },
  'remote.verify': { label: 'Off-site copy checked', target: 'backup' },
  'remote.fetch': { label: 'Archive downloaded from an off-site copy', target: 'backup' },
  'remote.delete': { label: 'Off-site copy deleted (retention)', target: 'backup' },
  'remote.trust-host-key': { label: 'SFTP host key trusted', target: 'other' },
  'doctor.rebuild-from': { label: 'Catalog rebuilt from a remote listing', target: 'other' },
} as const satisfies Record<string, AuditEventSpec>;

/** An audit event's name: only these are ever written. */
export type AuditEventName = keyof typeof AUDIT_EVENTS;

/** Every event name, for filters and validation. */
export const AUDIT_EVENT_NAMES = Object.keys(AUDIT_EVENTS) as readonly AuditEventName[];

/**
 * Names older catalogs hold (the hash chain forbids rewriting them): shown with the label of what
 * they meant. The restore step names came from a fixed list that ignored what the backup held.
 */
const LEGACY: Readonly<Record<string, AuditEventSpec>> = {
  import: { label: 'Archive imported', target: 'backup' },
  cleanup: { label: 'Retention cleanup', target: 'profile' },
  'restore.folders-swapped': { label: 'Restore: targets swapped in (older name)', target: 'restore' },
  'restore.sqlite-restored': { label: 'Restore: step passed (older name)', target: 'restore' },
  'restore.postgres-restored': { label: 'Restore: step passed (older name)', target: 'restore' },
};

/** Whether a string is a current event name. */
export function isAuditEventName(name: string): name is AuditEventName {
  return Object.prototype.hasOwnProperty.call(AUDIT_EVENTS, name);
}

function specOf(name: string): AuditEventSpec | undefined {
  return isAuditEventName(name) ? AUDIT_EVENTS[name] : LEGACY[name];
}

/** The readable name of an event; an unknown name (a newer version's) is shown as stored. */
export function auditEventLabel(name: string): string {
  return specOf(name)?.label ?? name;
}

/** What an event's target column holds. */
export function auditTargetKind(name: string): AuditTargetKind {
  return specOf(name)?.target ?? 'other';
}
