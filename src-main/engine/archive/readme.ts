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

// Encryption at rest (issue 14): the README.txt kept beside encrypted archives, whose own README is inside the ciphertext.
/** First line of the README.txt Lifeboat writes beside encrypted archives (so it only ever replaces its own). */
export const ENCRYPTED_README_MARK = 'Lifeboat encrypted backups (age format)';

/** The README.txt beside `.zip.age` / `.tar.gz.age` archives: how to decrypt them without Lifeboat. */
export function encryptedArchivesReadme(): string {
  return [
    ENCRYPTED_README_MARK,
    '',
    'Files ending in .zip.age or .tar.gz.age are Lifeboat archives encrypted with age',
    '(https://age-encryption.org). Each .sha256 file beside them holds the SHA-256 of the encrypted file.',
    'Any age implementation decrypts them; with the age command (Debian/Ubuntu: apt install age):',
    '',
    'Encrypted to a public key (age1...): decrypt with the matching identity file (AGE-SECRET-KEY-1...):',
    '     age -d -i key.txt -o BACKUP.zip BACKUP.zip.age',
    '',
    'Encrypted with a passphrase: age asks for it:',
    '     age -d -o BACKUP.zip BACKUP.zip.age',
    '',
    'Then unpack BACKUP.zip (unzip BACKUP.zip -d restored/) or BACKUP.tar.gz (tar -xzf ...);',
    'the README.txt inside says how to restore each database and folder by hand.',
    'With Lifeboat: lifeboat restore BACKUP.zip.age --identity key.txt (or --passphrase-file FILE).',
    '',
  ].join('\n');
}
