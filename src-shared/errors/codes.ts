/**
 * The closed set of error codes that cross module, process and IPC boundaries.
 * Each code maps to one short hint that tells the user what to do next.
 */
export const ERROR_CODES = [
  'USAGE',
  'NOT_FOUND',
  'SOURCE_MISSING',
  'SOURCE_EMPTY',
  'SOURCE_UNREADABLE',
  'SOURCE_BUSY',
  'SOURCE_CHANGED',
  'SQLITE_CORRUPT',
  'PG_DUMP_NOT_FOUND',
  'PG_DUMP_TOO_OLD',
  'PG_AUTH_FAILED',
  'PG_UNREACHABLE',
  'PG_DATABASE_MISSING',
  'PG_TIMEOUT',
  'PG_DUMP_FAILED',
  'MYSQL_TOOL_NOT_FOUND',
  'MYSQL_TOOL_TOO_OLD',
  'MYSQL_AUTH_FAILED',
  'MYSQL_UNREACHABLE',
  'MYSQL_DATABASE_MISSING',
  'MYSQL_DUMP_FAILED',
  'MYSQL_RESTORE_FAILED',
  'DESTINATION_UNWRITABLE',
  'DISK_FULL',
  'ARCHIVE_INVALID',
  'ARCHIVE_INCOMPLETE',
  'ARCHIVE_HOSTILE',
  'CHECKSUM_MISMATCH',
  'VERIFY_FAILED',
  'PRECHECK_FAILED',
  'TARGET_UNWRITABLE',
  'PG_RESTORE_FAILED',
  'RESTORE_FAILED',
  'PROFILE_BUSY',
  'PROFILE_EXISTS',
  'CANCELLED',
  'INTERRUPTED',
  'AUDIT_TAMPERED',
  'IPC_REJECTED',
  // Encryption at rest (issue 14)
  'ENCRYPTION_FAILED',
  'DECRYPT_KEY_MISSING',
  'DECRYPT_KEY_WRONG',
  'INTERNAL',
  // --- safe restores (issue 12, item 3) ---
  'CANCEL_TOO_LATE',
  // --- issue 12 item 7: pre/post-backup commands ---
  'HOOK_FAILED',
  // Off-site remote destinations (issue 14)
  'REMOTE_UNREACHABLE',
  'REMOTE_AUTH_FAILED',
  'REMOTE_NOT_FOUND',
  'REMOTE_HOST_UNKNOWN',
  'REMOTE_HOST_CHANGED',
  'REMOTE_FULL',
  'REMOTE_TOOL_NOT_FOUND',
  'REMOTE_FAILED',
] as const;

/** One of the closed set of error codes. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** What the user should do when they see a code. One place, so the CLI and the UI agree. */
export const ERROR_HINTS: Readonly<Record<ErrorCode, string>> = {
  USAGE: 'Check the command line; run with --help for the options.',
  NOT_FOUND: 'Check the id or path; `lifeboat list` shows the backups in the catalog.',
  SOURCE_MISSING: 'Check that the path exists and that its disk is mounted.',
  SOURCE_EMPTY:
    'An empty source usually means an unmounted disk or a wrong path. Check it, or pass --allow-empty if empty is expected.',
  SOURCE_UNREADABLE: 'Fix the file permissions, or pass --skip-unreadable to leave such files out (they are listed in the manifest).',
  SOURCE_BUSY: 'Another program holds an exclusive lock on the database. Retry when it has finished writing.',
  SOURCE_CHANGED:
    'A file kept changing (or was replaced) while it was read. Stop the program writing it and run the backup again, or set onChangedFile to "warn" (--on-changed-file warn) to store it as read with a warning.',
  SQLITE_CORRUPT: 'The database fails PRAGMA integrity_check. Repair it (sqlite3 .recover) before backing it up.',
  PG_DUMP_NOT_FOUND:
    'Install the PostgreSQL client tools (Debian/Ubuntu: apt install postgresql-client; macOS: brew install libpq) or point --pg-dump / LIFEBOAT_PG_DUMP at pg_dump.',
  PG_DUMP_TOO_OLD: 'pg_dump must be at least the server\'s major version. Install the newer client, or point --pg-dump at it.',
  PG_AUTH_FAILED:
    'Give the password in the URL, in PGPASSWORD, or in ~/.pgpass (or the file PGPASSFILE names, mode 0600); check the user name and pg_hba.conf on the server.',
  PG_UNREACHABLE: 'Check host and port, that the server is running, and that a firewall lets you through.',
  PG_DATABASE_MISSING: 'Check the database name in the URL; `psql -l` lists the databases.',
  PG_TIMEOUT:
    'The PostgreSQL server stopped answering within the time limit. Check its load and locks, or raise LIFEBOAT_PG_CONNECT_TIMEOUT / LIFEBOAT_PG_QUERY_TIMEOUT / LIFEBOAT_PG_TOOL_TIMEOUT (seconds).',
  PG_DUMP_FAILED: 'Read pg_dump\'s message above; it usually names the object or permission at fault.',
  MYSQL_TOOL_NOT_FOUND:
    'Install the MariaDB or MySQL client (Debian/Ubuntu: apt install mariadb-client; RHEL: dnf install mariadb; macOS: brew install mariadb-connector-c or mysql-client), or set LIFEBOAT_MYSQL_DUMP / LIFEBOAT_MYSQL to the tools.',
  MYSQL_TOOL_TOO_OLD: 'The dump tool is older than the server. Install the client tools of the server\'s version (or newer).',
  MYSQL_AUTH_FAILED: 'Give the password in the URL (it is moved to a private option file at once), in MYSQL_PWD, or in ~/.my.cnf ([client] password=...); check the user and its host in mysql.user.',
  MYSQL_UNREACHABLE: 'Check host and port (or the socket path), that the server is running, and that a firewall lets you through.',
  MYSQL_DATABASE_MISSING: 'Check the database name in the URL; `SHOW DATABASES` lists them.',
  MYSQL_DUMP_FAILED: 'Read mariadb-dump\'s message above; it usually names the object or privilege at fault.',
  MYSQL_RESTORE_FAILED: 'Read the client\'s message above. The target database was left as it was before the restore.',
  DESTINATION_UNWRITABLE: 'Choose a destination folder you can write to, or fix its permissions or mount options.',
  DISK_FULL: 'Free space on the destination disk, or choose another destination. Nothing was kept from this attempt.',
  ARCHIVE_INVALID: 'The file is not a Lifeboat archive, or it is damaged. Re-download or re-copy it.',
  ARCHIVE_INCOMPLETE: 'The archive does not hold what its manifest lists. Take a new backup.',
  ARCHIVE_HOSTILE:
    'The archive holds an entry that could write outside the target or is otherwise unsafe. Do not restore it; find out where it came from.',
  CHECKSUM_MISMATCH: 'The file changed since it was written (disk or copy damage). Use another copy of this backup.',
  VERIFY_FAILED: 'Do not rely on this backup. Take a new one and check the destination disk.',
  PRECHECK_FAILED: 'Nothing was changed. Fix every problem listed, then run the restore again (--check repeats the pre-flight alone).',
  TARGET_UNWRITABLE: 'Restore to a place you can write to (--to-dir / --to-sqlite), or fix its permissions.',
  PG_RESTORE_FAILED: 'Read pg_restore\'s message above. The target database was left as it was before the restore.',
  RESTORE_FAILED: 'The targets were rolled back to their state before the restore. The safety backup is in the catalog if you need it.',
  PROFILE_BUSY: 'A backup of this profile is already running. Wait for it to finish.',
  PROFILE_EXISTS: 'Choose another name, or remove the existing profile first.',
  CANCELLED: 'The job was cancelled; nothing was kept.',
  INTERRUPTED: 'The process stopped while the job ran (crash, kill or power loss). Nothing was kept; run it again.',
  AUDIT_TAMPERED: 'An audit row was edited or deleted outside Lifeboat. Keep a copy of the catalog for investigation.',
  IPC_REJECTED: 'The app refused a malformed or foreign request. Reload the window; report it if it happens again.',
  // Encryption at rest (issue 14)
  ENCRYPTION_FAILED: 'The backup was not kept, and no unencrypted copy was left at the destination. Check the recipients (age1...) or passphrase file of the profile, and free space, then run it again.',
  DECRYPT_KEY_MISSING: 'This archive is encrypted (age). Give the key: in the app, choose the profile key, an identity file or the passphrase; on the command line, --identity FILE (an AGE-SECRET-KEY-1... file) or --passphrase-file FILE.',
  DECRYPT_KEY_WRONG: 'The key given does not open this archive. Use the identity or passphrase from the profile\'s recovery kit. Nothing is wrong with the archive itself.',
  INTERNAL: 'This is a bug in Lifeboat. Please report it with the message above.',
  // --- safe restores (issue 12, item 3) ---
  CANCEL_TOO_LATE: 'The restore has already replaced its targets and is finishing; let it finish, then use "Undo this restore" to put back the safety backup.',
  HOOK_FAILED: 'The profile\'s pre-backup command failed or ran out of time, so the backup did not run. Read its output in the run log (`lifeboat log ID`), fix the command or raise its time limit, then run the backup again.',
  // Off-site remote destinations (issue 14)
  REMOTE_UNREACHABLE: 'Check the host, port or endpoint and your network; the local backup is kept and `lifeboat remote sync` retries the upload.',
  REMOTE_AUTH_FAILED: 'Check the credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws/credentials for S3, the SSH key, agent or password for SFTP, the rclone config for rclone.',
  REMOTE_NOT_FOUND: 'Check the bucket, path or rclone remote name in the remote URL; create the bucket or folder first.',
  REMOTE_HOST_UNKNOWN: 'The server\'s host key is not in known_hosts. Compare the fingerprint shown with the server\'s own (ssh-keygen -lf on the server), then add it (ssh-keyscan -p PORT HOST >> ~/.ssh/known_hosts) or accept it in the app.',
  REMOTE_HOST_CHANGED: 'The server presents a different host key than known_hosts records: this can be an attack. Do not connect until the server\'s administrator confirms the new key.',
  REMOTE_FULL: 'The remote storage is full or over its quota. Free space there (or raise the quota), then run `lifeboat remote sync`.',
  REMOTE_TOOL_NOT_FOUND: 'Install rclone (Debian/Ubuntu: apt install rclone) or set LIFEBOAT_RCLONE to its path.',
  REMOTE_FAILED: 'Read the message above; the local backup is kept and `lifeboat remote sync` retries the upload.',
};
