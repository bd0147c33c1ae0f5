import { join } from 'node:path';
import { AuditLog } from '../audit/audit-log.js';
import { BackupsRepo } from './backups-repo.js';
import { openCatalogDb, type CatalogDb } from './open-catalog.js';

/** The catalog database file inside a Lifeboat home. */
export const CATALOG_FILE = 'catalog.sqlite';

/** The catalog: backups, profiles and the audit trail in one SQLite file. */
export class Catalog {
  readonly backups: BackupsRepo;
  readonly audit: AuditLog;

  private constructor(readonly db: CatalogDb) {
    this.backups = new BackupsRepo(db);
    this.audit = new AuditLog(db);
  }

  static open(home: string): Catalog {
    return new Catalog(openCatalogDb(join(home, CATALOG_FILE)));
  }

  close(): void {
    this.db.close();
  }
}
