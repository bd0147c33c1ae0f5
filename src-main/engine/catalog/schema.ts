import { REMOTE_COPY_STATES } from '../../../src-shared/domain/remote.js';
import { ARCHIVE_FORMATS, AUDIT_OUTCOMES, BACKUP_STATUSES, BACKUP_TYPES, RESTORE_STATUSES, TRIGGERS } from '../../../src-shared/domain/enums.js';

/** `col IN ('A','B')` from the shared enum arrays, so SQL and TypeScript cannot drift apart. */
function oneOf(column: string, values: readonly string[]): string {
  return `CHECK (${column} IN (${values.map((v) => `'${v}'`).join(', ')}))`;
}

/**
 * Migrations keyed on `PRAGMA user_version`: migration i brings the catalog from version i to i+1.
 * Never edit a shipped migration; append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE profiles (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    spec        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  );

  CREATE TABLE backups (
    id             TEXT PRIMARY KEY,
    file_name      TEXT NOT NULL,
    path           TEXT NOT NULL,
    format         TEXT NOT NULL ${oneOf('format', ARCHIVE_FORMATS)},
    type           TEXT NOT NULL ${oneOf('type', BACKUP_TYPES)},
    status         TEXT NOT NULL ${oneOf('status', BACKUP_STATUSES)},
    trigger        TEXT NOT NULL ${oneOf('trigger', TRIGGERS)},
    size           INTEGER,
    sha256         TEXT,
    description    TEXT NOT NULL DEFAULT '',
    created_by     TEXT NOT NULL,
    host           TEXT NOT NULL,
    pid            INTEGER,
    created_at     TEXT NOT NULL,
    finished_at    TEXT,
    duration_ms    INTEGER,
    error_code     TEXT,
    error_message  TEXT,
    summary        TEXT,
    warnings       TEXT NOT NULL DEFAULT '[]',
    profile        TEXT,
    verified_at    TEXT
  );
  CREATE INDEX backups_created_at ON backups (created_at DESC);
  CREATE INDEX backups_status ON backups (status, created_at DESC);
  CREATE INDEX backups_type ON backups (type, created_at DESC);
  CREATE INDEX backups_trigger ON backups (trigger, created_at DESC);
  CREATE INDEX backups_profile ON backups (profile, created_at DESC);

  -- Free-text search over description, file name, profile and source names; the trigram
  -- tokenizer lets LIKE '%text%' use the index.
  CREATE VIRTUAL TABLE backups_search USING fts5 (id UNINDEXED, body, tokenize = 'trigram');

  CREATE TABLE audit_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    ts        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL,
    outcome   TEXT NOT NULL ${oneOf('outcome', AUDIT_OUTCOMES)},
    details   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
  );
  -- Append-only from inside SQLite; the hash chain catches edits made around these triggers.
  CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
  CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
  `,
  `
  CREATE TABLE restores (
    id               TEXT PRIMARY KEY,
    backup_id        TEXT,
    archive_path     TEXT NOT NULL,
    archive_sha256   TEXT NOT NULL,
    status           TEXT NOT NULL ${oneOf('status', RESTORE_STATUSES)},
    started_by       TEXT NOT NULL,
    host             TEXT NOT NULL,
    pid              INTEGER,
    started_at       TEXT NOT NULL,
    finished_at      TEXT,
    targets          TEXT NOT NULL,
    safety_backup_id TEXT,
    error_code       TEXT,
    error_message    TEXT,
    journal          TEXT NOT NULL DEFAULT '{}'
  );
  CREATE INDEX restores_started_at ON restores (started_at DESC);
  CREATE INDEX restores_backup ON restores (backup_id);
  `,
  `
  -- The SHA-256 of the file an import came from (a plain archive is re-packed, so its own differs).
  ALTER TABLE backups ADD COLUMN origin_sha256 TEXT;
  CREATE INDEX backups_sha256 ON backups (sha256);
  CREATE INDEX backups_origin_sha256 ON backups (origin_sha256);
  `,
  // Encryption at rest (issue 14): how an archive is encrypted and the hash of the plain archive
  // inside (backups.sha256 stays the hash of the stored, encrypted bytes). Public keys only.
  `
  CREATE TABLE backup_encryption (
    backup_id    TEXT PRIMARY KEY REFERENCES backups (id) ON DELETE CASCADE,
    mode         TEXT NOT NULL CHECK (mode IN ('passphrase', 'recipients')),
    recipients   TEXT NOT NULL DEFAULT '[]',
    plain_size   INTEGER NOT NULL,
    plain_sha256 TEXT NOT NULL
  );
  `,
  // --- issue 12 item 6 (run log): one bounded, readable log per backup or restore row ---
  `
  -- Kept apart from the rows themselves, so History's SELECT * never reads the logs; deleted with its row.
  CREATE TABLE run_logs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('backup', 'restore')),
    text        TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  );
  CREATE TRIGGER backups_run_log_delete AFTER DELETE ON backups
    BEGIN DELETE FROM run_logs WHERE id = old.id; END;
  CREATE TRIGGER restores_run_log_delete AFTER DELETE ON restores
    BEGIN DELETE FROM run_logs WHERE id = old.id; END;
  `,
  // Off-site remote destinations (issue 14): one row per backup and remote. No foreign key on
  // purpose: a remote copy outlives the local one (keep 7 locally, 90 days off-site).
  `
  CREATE TABLE remote_copies (
    backup_id    TEXT NOT NULL,
    remote_id    TEXT NOT NULL,
    remote_spec  TEXT NOT NULL,
    object_name  TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    profile      TEXT,
    size         INTEGER,
    sha256       TEXT,
    state        TEXT NOT NULL ${oneOf('state', REMOTE_COPY_STATES)},
    reason       TEXT,
    error_code   TEXT,
    how_checked  TEXT,
    checked_at   TEXT,
    updated_at   TEXT NOT NULL,
    upload_id    TEXT,
    parts        TEXT NOT NULL DEFAULT '[]',
    host         TEXT,
    pid          INTEGER,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (backup_id, remote_id)
  );
  CREATE INDEX remote_copies_state ON remote_copies (state, remote_id);
  `,
];
