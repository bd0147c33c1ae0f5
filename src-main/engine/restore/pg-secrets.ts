import { splitPassword, withPassword } from '../sources/postgres-source.js';
import { connectMysqlAdmin, type MysqlAdmin } from './mysql-admin.js';
import { connectAdmin, type PgAdmin } from './pg-admin.js';

/**
 * Passwords for the PostgreSQL URLs a restore journals, held in memory only: the journal (and so
 * the catalog) stores each URL without its password. A restore resumed after a crash connects with
 * what libpq itself finds (PGPASSWORD, ~/.pgpass, peer or trust).
 */
export class PgSecrets {
  private readonly byUrl = new Map<string, string>();

  /** Split the password off `url`; returns the URL that may be stored. */
  keep(url: string): string {
    if (/^(mysql|mariadb):/i.test(url)) return this.keepUrl(url);
    let split: { bare: string; password: string | undefined };
    try {
      split = splitPassword(url);
    } catch {
      return url;
    }
    if (split.password === undefined) return url;
    this.byUrl.set(split.bare, split.password);
    return split.bare;
  }

  private keepUrl(url: string): string {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return url;
    }
    if (!u.password) return url;
    const password = decodeURIComponent(u.password);
    u.password = '';
    const bare = u.toString();
    this.byUrl.set(bare, password);
    return bare;
  }

  /** A MariaDB / MySQL admin session for a stored URL, with its password if this process knows it. */
  connectMysql(url: string): Promise<MysqlAdmin> {
    const password = this.byUrl.get(url);
    if (password === undefined) return connectMysqlAdmin(url);
    const u = new URL(url);
    u.password = encodeURIComponent(password);
    return connectMysqlAdmin(u.toString());
  }

  /** A stored URL with its password put back, if this process knows it (memory only: never stored). */
  connectUrl(url: string): string {
    return withPassword(url, this.byUrl.get(url));
  }

  /** An admin connection for a stored URL, with its password if this process knows it. */
  connect(url: string): Promise<PgAdmin> {
    return connectAdmin(withPassword(url, this.byUrl.get(url)));
  }
}

/** For recovery on the next start: no passwords but libpq's own sources. */
export const NO_SECRETS = new PgSecrets();
