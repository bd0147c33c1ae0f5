import { constants } from 'node:fs';
import { access, open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SourceSpec } from '../../../src-shared/domain/profile.js';
import type { SourceEstimateView } from '../../../src-shared/ipc/contract.js';
import { LifeboatError, toErrorInfo } from '../../../src-shared/errors/lifeboat-error.js';
import { scanFolder } from '../sources/folder-scan.js';
import { classifyPgError, connectFirst, parsePgUrl, redact } from '../sources/postgres-source.js';
import { assignNames } from '../sources/source-names.js';

/** One source checked and measured (the shape crosses IPC: see the contract). */
export type SourceEstimate = SourceEstimateView;

const SQLITE_HEADER = 'SQLite format 3\0';

async function sqliteEstimate(path: string): Promise<{ bytes: number; detail: string }> {
  const st = await stat(path);
  if (!st.isFile()) throw new LifeboatError('SOURCE_MISSING', `${path} is not a file: choose the database file itself.`, { path });
  await access(path, constants.R_OK);
  if (st.size > 0) {
    const fh = await open(path, 'r');
    try {
      const { buffer, bytesRead } = await fh.read(Buffer.alloc(16), 0, 16, 0);
      if (bytesRead < 16 || buffer.toString('latin1') !== SQLITE_HEADER) throw new LifeboatError('SOURCE_MISSING', `${path} is not a SQLite database (its header is not "SQLite format 3").`, { path });
    } finally {
      await fh.close();
    }
  }
  // Rows still in the write-ahead log are read too.
  const wal = await stat(`${path}-wal`).then((s) => s.size, () => 0);
  return { bytes: st.size + wal, detail: wal ? `database file and ${wal} bytes of write-ahead log` : 'database file' };
}

async function postgresEstimate(url: string): Promise<{ bytes: number; detail: string }> {
  const wanted = parsePgUrl(url);
  const { client, target } = await connectFirst(wanted, wanted.database);
  try {
    const r = await client.query<{ v: string; b: string }>(`SELECT current_setting('server_version') AS v, pg_database_size(current_database()) AS b`);
    return { bytes: Number(r.rows[0]?.b ?? 0), detail: `PostgreSQL ${r.rows[0]?.v ?? '?'}, database ${target.database} (on-disk size; the dump is usually smaller)` };
  } catch (e) {
    throw classifyPgError(e, target);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Check and measure each source the way a backup would reach it, without reading any data: a
 * folder is walked with its include/exclude rules (sizes only), a SQLite file's header and size
 * are read, a PostgreSQL server is asked for its database size. A source that fails is reported
 * with the error code and message a backup would give, never thrown: the caller shows them all.
 */
export async function estimateSources(sources: readonly SourceSpec[]): Promise<SourceEstimate[]> {
  const named = assignNames([...sources]);
  return Promise.all(
    named.map(async (s): Promise<SourceEstimate> => {
      const where = s.kind === 'postgres' ? redact(s.url) : s.kind === 'mysql' ? s.url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@') : s.path;
      const base = { name: s.name, kind: s.kind, where };
      try {
        switch (s.kind) {
          case 'folder': {
            const scan = await scanFolder(resolve(s.path), { include: s.include, exclude: s.exclude, gitignore: s.gitignore, avoid: [], skipUnreadable: true });
            const skipped = scan.skipped.length;
            return { ...base, ok: true, bytes: scan.bytes, files: scan.files, problem: null, code: null, detail: `${scan.files} files${skipped ? `, ${skipped} unreadable (left out only if "skip unreadable" is on)` : ''}` };
          }
          case 'sqlite': {
            const r = await sqliteEstimate(resolve(s.path));
            return { ...base, ok: true, bytes: r.bytes, files: 1, problem: null, code: null, detail: r.detail };
          }
          case 'postgres': {
            const r = await postgresEstimate(s.url);
            return { ...base, ok: true, bytes: r.bytes, files: 1, problem: null, code: null, detail: r.detail };
          }
          case 'mysql':
            return { ...base, ok: true, bytes: null, files: 1, problem: null, code: null, detail: 'size known once dumped (checked when the backup runs)' };
        }
      } catch (e) {
        const info = toErrorInfo(e);
        const errno = (e as NodeJS.ErrnoException).code;
        const code = errno === 'ENOENT' || errno === 'ENOTDIR' ? 'SOURCE_MISSING' : errno === 'EACCES' || errno === 'EPERM' ? 'SOURCE_UNREADABLE' : info.code;
        const what = errno === 'ENOENT' || errno === 'ENOTDIR' ? `${where} does not exist` : errno === 'EACCES' || errno === 'EPERM' ? `${where} cannot be read (permission denied)` : info.message;
        return { ...base, ok: false, bytes: null, files: null, problem: what, code, detail: null };
      }
    }),
  );
}
