import { randomUUID } from 'node:crypto';
import type { Profile, ProfileSpec } from '../../../src-shared/domain/profile.js';
import { PROFILE_NAME_PATTERN, profileSpecSchema } from '../../../src-shared/domain/profile.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { parseMysqlUrl } from '../sources/mysql-conn.js';
import { serverTarget } from '../sources/pg-server.js';
import type { CatalogDb } from './open-catalog.js';

interface ProfileRow {
  id: string;
  name: string;
  spec: string;
  created_at: string;
  updated_at: string;
}

function toProfile(row: ProfileRow): Profile {
  return { id: row.id, name: row.name, spec: profileSpecSchema.parse(JSON.parse(row.spec)), createdAt: row.created_at, updatedAt: row.updated_at };
}

/** The `profiles` table: named sets of sources with destination, format and retention. */
export class ProfilesRepo {
  constructor(private readonly db: CatalogDb) {}

  add(name: string, spec: ProfileSpec, now: string): Profile {
    if (!PROFILE_NAME_PATTERN.test(name)) {
      throw new LifeboatError('USAGE', `Profile name "${name}" is not allowed: use letters, digits, dot, dash or underscore (at most 64).`);
    }
    for (const s of spec.sources) {
      if (s.kind === 'postgres' && serverTarget(s.url).password !== undefined) {
        throw new LifeboatError(
          'USAGE',
          `Profile "${name}": the PostgreSQL URL holds a password. Profiles never store passwords; put it in ~/.pgpass or PGPASSWORD instead.`,
        );
      }
      if (s.kind === 'mysql' && parseMysqlUrl(s.url).password !== undefined) {
        throw new LifeboatError('USAGE', `Profile "${name}": the MariaDB/MySQL URL holds a password. Profiles never store passwords; put it in ~/.my.cnf ([client] password=...) or MYSQL_PWD instead.`);
      }
    }
    if (this.find(name)) throw new LifeboatError('PROFILE_EXISTS', `A profile named "${name}" already exists.`, { name });
    const row: ProfileRow = { id: randomUUID(), name, spec: JSON.stringify(spec), created_at: now, updated_at: now };
    this.db.prepare('INSERT INTO profiles (id, name, spec, created_at, updated_at) VALUES (@id, @name, @spec, @created_at, @updated_at)').run(row);
    return toProfile(row);
  }

  /** Replace a profile's spec in one transaction: if the new spec is refused, the old one stays. */
  replace(name: string, spec: ProfileSpec, now: string): Profile {
    return this.db.transaction(() => {
      this.remove(name);
      return this.add(name, spec, now);
    })();
  }

  find(name: string): Profile | undefined {
    const row = this.db.prepare('SELECT * FROM profiles WHERE name = ?').get(name) as ProfileRow | undefined;
    return row ? toProfile(row) : undefined;
  }

  get(name: string): Profile {
    const p = this.find(name);
    if (!p) throw new LifeboatError('NOT_FOUND', `No profile named "${name}". \`lifeboat profile list\` shows the profiles.`, { name });
    return p;
  }

  list(): Profile[] {
    return (this.db.prepare('SELECT * FROM profiles ORDER BY name').all() as ProfileRow[]).map(toProfile);
  }

  /** Put back a removed profile as it was (same id, spec and creation time): the UI's Undo. */
  reinsert(p: Profile, now: string): Profile {
    if (this.find(p.name)) throw new LifeboatError('PROFILE_EXISTS', `A profile named "${p.name}" exists again; the removed one cannot be put back under that name.`, { name: p.name });
    const row: ProfileRow = { id: p.id, name: p.name, spec: JSON.stringify(p.spec), created_at: p.createdAt, updated_at: now };
    this.db.prepare('INSERT INTO profiles (id, name, spec, created_at, updated_at) VALUES (@id, @name, @spec, @created_at, @updated_at)').run(row);
    return toProfile(row);
  }

  remove(name: string): void {
    const r = this.db.prepare('DELETE FROM profiles WHERE name = ?').run(name);
    if (r.changes === 0) throw new LifeboatError('NOT_FOUND', `No profile named "${name}".`, { name });
  }
}
