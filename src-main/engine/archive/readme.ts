import type { Manifest } from '../../../src-shared/manifest/schema.js';

/** The README.txt stored in every archive: how to restore it by hand, without Lifeboat. */
export function archiveReadme(m: Pick<Manifest, 'backupId' | 'createdAt' | 'host' | 'user' | 'format' | 'sources' | 'description'>, fileName: string): string {
  const lines = [
    `Lifeboat backup ${m.backupId}`,
    `Created ${m.createdAt} on ${m.host} by ${m.user}.${m.description ? ` "${m.description}"` : ''}`,
    '',
    'This archive is self-describing. manifest.json lists every entry with its size and SHA-256,',
    'plus row counts per table. You can restore it by hand, without Lifeboat:',
    '',
    '1. Unpack it:',
    m.format === 'zip' ? `     unzip ${fileName} -d restored/` : `     mkdir restored && tar -xzf ${fileName} -C restored/`,
    '   Check file hashes against manifest.json with sha256sum.',
    '',
  ];
  for (const s of m.sources) {
    switch (s.kind) {
      case 'sqlite':
        lines.push(
          `- SQLite "${s.name}" (from ${s.path}): ${s.entry}`,
          `     cp restored/${s.entry} /path/to/app.db   # with the application stopped; remove stale app.db-wal/-shm`,
          `     sqlite3 /path/to/app.db 'PRAGMA integrity_check'`,
        );
        break;
      case 'postgres':
        lines.push(
          `- PostgreSQL "${s.name}" (database ${s.database}, server ${s.serverVersion}): ${s.entry}`,
          `     createdb ${s.database}_restored`,
          `     pg_restore --no-owner -d ${s.database}_restored restored/${s.entry}`,
          `   (pg_restore ${s.pgDumpVersion.split('.')[0]} or newer)`,
        );
        break;
      case 'mysql':
        lines.push(
          `- MariaDB/MySQL "${s.name}" (database ${s.database}, server ${s.serverVersion}): ${s.entry}`,
          `     mariadb -e 'CREATE DATABASE ${s.database}_restored'`,
          `     mariadb ${s.database}_restored < restored/${s.entry}`,
        );
        break;
      case 'folder':
        lines.push(`- Folder "${s.name}" (from ${s.path}): ${s.prefix}`, `     cp -a restored/${s.prefix}. /path/to/target/`);
        break;
    }
  }
  lines.push('');
  return lines.join('\n');
}
