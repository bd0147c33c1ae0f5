import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAll, walkArchive } from '../src-main/engine/archive/archive-reader.js';
import { writeRawZip, type RawZipEntry } from './raw-zip.js';

/**
 * Copy a Lifeboat ZIP, changing its SQLite database with `edit` and fixing the manifest's size and
 * SHA-256 for it, but not its row counts: a forged "consistent-looking" backup.
 */
export async function rewriteSqliteInArchive(from: string, to: string, edit: (db: Database.Database) => void): Promise<void> {
  const entries: { name: string; data: Buffer; mode: number }[] = [];
  await walkArchive(from, 'zip', true, async (e, data) => {
    entries.push({ name: e.kind === 'directory' ? `${e.path}/` : e.path, data: data ? await readAll(data, e.path, Number.MAX_SAFE_INTEGER) : Buffer.alloc(0), mode: e.mode | (e.kind === 'directory' ? 0o040000 : 0o100000) });
  });
  const work = await mkdtemp(join(tmpdir(), 'lifeboat-forge-'));
  try {
    const dbEntry = entries.find((e) => e.name.startsWith('databases/'));
    if (!dbEntry) throw new Error('no database in archive');
    const file = join(work, 'db.sqlite');
    await writeFile(file, dbEntry.data);
    const db = new Database(file);
    edit(db);
    db.exec('VACUUM');
    db.close();
    dbEntry.data = await readFile(file);
    const manifestEntry = entries.find((e) => e.name === 'manifest.json');
    if (!manifestEntry) throw new Error('no manifest');
    const m = JSON.parse(manifestEntry.data.toString()) as { entries: { path: string; size: number; sha256?: string }[]; totals: { bytes: number } };
    const me = m.entries.find((e) => e.path === dbEntry.name);
    if (me) {
      m.totals.bytes += dbEntry.data.length - me.size;
      me.size = dbEntry.data.length;
      me.sha256 = createHash('sha256').update(dbEntry.data).digest('hex');
    }
    manifestEntry.data = Buffer.from(JSON.stringify(m));
    await writeRawZip(to, entries.map((e): RawZipEntry => ({ name: e.name, data: e.data, mode: e.mode })));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
