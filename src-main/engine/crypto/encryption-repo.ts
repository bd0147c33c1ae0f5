import type { CatalogDb } from '../catalog/open-catalog.js';
import type { EncryptionMode } from './age-keys.js';

/** How a backup's archive is encrypted, as the catalog keeps it (public facts only). */
export interface EncryptionRecord {
  readonly backupId: string;
  readonly mode: EncryptionMode;
  /** The public keys it was encrypted to (empty for a passphrase). */
  readonly recipients: readonly string[];
  /** Size and SHA-256 of the plain archive inside; backups.sha256 is the stored (encrypted) file's. */
  readonly plainSize: number;
  readonly plainSha256: string;
}

interface Row {
  backup_id: string;
  mode: EncryptionMode;
  recipients: string;
  plain_size: number;
  plain_sha256: string;
}

/** The backup_encryption table: no secret ever goes in, only the mode and public keys. */
export class EncryptionRepo {
  constructor(private readonly db: CatalogDb) {}

  record(r: EncryptionRecord): void {
    this.db
      .prepare(
        `INSERT INTO backup_encryption (backup_id, mode, recipients, plain_size, plain_sha256) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (backup_id) DO UPDATE SET mode = excluded.mode, recipients = excluded.recipients, plain_size = excluded.plain_size, plain_sha256 = excluded.plain_sha256`,
      )
      .run(r.backupId, r.mode, JSON.stringify(r.recipients), r.plainSize, r.plainSha256);
  }

  get(backupId: string): EncryptionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM backup_encryption WHERE backup_id = ?').get(backupId) as Row | undefined;
    if (!row) return undefined;
    return { backupId: row.backup_id, mode: row.mode, recipients: JSON.parse(row.recipients) as string[], plainSize: row.plain_size, plainSha256: row.plain_sha256 };
  }
}
