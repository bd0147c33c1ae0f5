import { join } from 'node:path';
import { AuditHead } from '../audit/audit-head.js';
import { AuditLog } from '../audit/audit-log.js';
import { BackupsRepo } from './backups-repo.js';
import { openCatalogDb, type CatalogDb } from './open-catalog.js';

/** The catalog database file inside a Lifeboat home. */
export const CATALOG_FILE = 'catalog.sqlite';

/** The catalog: backups, profiles and the audit trail in one SQLite file. */
export class Catalog {
  readonly backups: BackupsRepo;
  readonly audit: AuditLog;

  private constructor(
    readonly db: CatalogDb,
    home: string,
  ) {
    this.backups = new BackupsRepo(db);
    this.audit = new AuditLog(db, undefined, new AuditHead(home));
  }

  static open(home: string): Catalog {
    return new Catalog(openCatalogDb(join(home, CATALOG_FILE)), home);
  }

  close(): void {
    this.db.close();
  }
}
