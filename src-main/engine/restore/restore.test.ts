import Database from 'better-sqlite3';
import { chmod, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { countRows, startLiveWriter, walDatabaseWithRowsOnlyInWal } from '../../../test-support/sqlite-fixtures.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { describeTree, seed000Tree, writeTree } from '../../../test-support/tree.js';
import { RestoresRepo } from './journal.js';

/** Paths, hashes, link targets, modes and mtimes of a tree: what "identical" means for a restore. */
async function snapshot(root: string): Promise<Record<string, string>> {
  const tree = await describeTree(root);
  const out: Record<string, string> = {};
  for (const [rel, what] of Object.entries(tree)) {
    const st = await stat(join(root, rel)).catch(() => undefined);
    out[rel] = what.startsWith('->') || !st ? what : `${what} ${(st.mode & 0o7777).toString(8)} ${what === 'dir' ? '' : st.mtime.toISOString()}`;
  }
  return out;
}

async function scenario() {
  const { engine, out } = await testEngine();
  const dir = await tempDir();
  const data = join(dir, 'data');
  await seed000Tree(data);
  await writeTree(data, { 'bin/run.sh': '#!/bin/sh\n' });
  await chmod(join(data, 'bin/run.sh'), 0o750);
  await symlink('../org-1', join(data, 'bin/org-link'));
  await utimes(join(data, 'bin/run.sh'), new Date('2025-01-02T03:04:05Z'), new Date('2025-01-02T03:04:05Z'));
  const db = join(dir, 'app.db');
  const writer = walDatabaseWithRowsOnlyInWal(db, 3000);
  const backup = await engine.backup(request(out, [folder(data, { name: 'data' }), { kind: 'sqlite', path: db, name: 'app' }]));
  const before = await snapshot(data);
  return { engine, out, dir, data, db, writer, backup, before };
}

describe('restore', () => {
  it('round trip: the restored folder and SQLite equal the backup (files, hashes, modes, mtimes, empty folders, symlinks), a safety backup is taken, a connected app sees the restored rows', async () => {
    const s = await scenario();
    try {
      // Damage everything after the backup.
      await rm(join(s.data, 'org-1'), { recursive: true });
      await writeFile(join(s.data, 'stray.txt'), 'not in the backup');
      s.writer.prepare('DELETE FROM events WHERE id > 100').run();
      expect(countRows(s.db, 'events')).toBe(100);

      const r = await s.engine.restore(await s.engine.resolve(s.backup.id), {});
      expect(await snapshot(s.data)).toEqual(s.before);
      // The application's open connection sees the restored database, consistently.
      expect((s.writer.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n).toBe(3000);
      expect(r.safetyBackupId).not.toBeNull();
      const safety = s.engine.env.catalog.backups.get(r.safetyBackupId ?? '');
      expect(safety).toMatchObject({ status: 'COMPLETED', trigger: 'PRE_RESTORE_SAFETY' });
      expect(safety?.summary?.sources.find((x) => x.name === 'app')?.rows).toBe(101);
      expect(new RestoresRepo(s.engine.env.catalog.db).get(r.id)).toMatchObject({ status: 'COMPLETED', safetyBackupId: r.safetyBackupId });
      // No staging or old trees are left beside the target.
      expect((await readdir(s.dir)).filter((n) => n.startsWith('.lifeboat'))).toEqual([]);
      expect(s.engine.audit.list(50).map((e) => e.action)).toEqual(expect.arrayContaining(['restore.start', 'restore.verified', 'restore.complete']));
    } finally {
      s.writer.close();
    }
  });

  it('restores WAL data taken while a live writer was inserting', async () => {
    const { engine, out } = await testEngine();
    const dir = await tempDir();
    const db = join(dir, 'app.db');
    walDatabaseWithRowsOnlyInWal(db, 2000).close();
    const live = await startLiveWriter(db);
    let backupRows: number;
    try {
      await new Promise((r) => setTimeout(r, 150));
      const b = await engine.backup(request(out, [{ kind: 'sqlite', path: db }]));
      backupRows = b.manifest.sources[0]?.kind === 'sqlite' ? (b.manifest.sources[0].tables.find((t) => t.name === 'events')?.rows ?? 0) : 0;
      live.kill('SIGKILL');
      await new Promise((r) => live.once('close', r));
      await engine.restore(await engine.resolve(b.id), { toSqlite: join(dir, 'restored.db') });
    } finally {
      live.kill('SIGKILL');
    }
    expect(backupRows).toBeGreaterThan(2000);
    expect(countRows(join(dir, 'restored.db'), 'events')).toBe(backupRows);
  });

  it('selective (--only) and relocated (--to-dir, --to-sqlite) restores leave the originals alone; dry run changes nothing', async () => {
    const s = await scenario();
    try {
      await writeFile(join(s.data, 'stray.txt'), 'still here afterwards');
      const target = await tempDir();
      const plan = await s.engine.planRestore(await s.engine.resolve(s.backup.id), { only: ['data'], toDir: join(target, 'copy') });
      expect(plan.problems).toEqual([]);
      expect(plan.targets).toEqual([expect.objectContaining({ source: 'data', kind: 'folder', target: join(target, 'copy'), exists: false })]);
      expect(await readdir(target)).toEqual([]);

      await s.engine.restore(await s.engine.resolve(s.backup.id), { only: ['data'], toDir: join(target, 'copy') });
      expect(await snapshot(join(target, 'copy'))).toEqual(s.before);
      expect(await readdir(s.data)).toContain('stray.txt');

      await s.engine.restore(await s.engine.resolve(s.backup.id), { only: ['app'], toSqlite: join(target, 'app-copy.db') });
      expect(countRows(join(target, 'app-copy.db'), 'events')).toBe(3000);
      await expect(s.engine.restore(await s.engine.resolve(s.backup.id), { only: ['nope'] })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('It has: data, app') });
    } finally {
      s.writer.close();
    }
  });

  it('a failure after every target is swapped (before the check passes) rolls the folder back byte-identical and SQLite back to its rows', async () => {
    const s = await scenario();
    try {
      await writeFile(join(s.data, 'stray.txt'), 'changed after the backup');
      s.writer.prepare('DELETE FROM events WHERE id > 10').run();
      s.writer.close();
      const beforeTree = await snapshot(s.data);
      const { readFile } = await import('node:fs/promises');
      const beforeDb = await readFile(s.db);
      let failed = false;
      await expect(
        s.engine.restore(await s.engine.resolve(s.backup.id), {}, {
          afterStep: (step) => {
            if (step === 'swapped' && !failed) {
              failed = true;
              throw new Error('injected failure after the swap');
            }
          },
        }),
      ).rejects.toMatchObject({ message: expect.stringMatching(/Rolled back: .*SQLite .* put back; folder .* put back/) });
      expect(await snapshot(s.data)).toEqual(beforeTree);
      // The SQLite database went back through the backup API: the same rows, a sound file (pages may differ).
      expect(beforeDb.length).toBeGreaterThan(0);
      expect(countRows(s.db, 'events')).toBe(10);
      expect((await readdir(s.dir)).filter((n) => n.startsWith('.lifeboat'))).toEqual([]);
    } finally {
      if (s.writer.open) s.writer.close();
    }
  });

  it('a failure after the SQLite database is replaced puts the previous database back', async () => {
    const s = await scenario();
    try {
      s.writer.prepare('DELETE FROM events WHERE id > 42').run();
      await expect(
        s.engine.restore(await s.engine.resolve(s.backup.id), {}, {
          afterStep: (step) => {
            if (step === 'swapped') throw new Error('injected');
          },
        }),
      ).rejects.toMatchObject({ code: 'RESTORE_FAILED' });
      expect((s.writer.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n).toBe(42);
      const ro = new Database(s.db, { readonly: true });
      expect(ro.pragma('integrity_check', { simple: true })).toBe('ok');
      ro.close();
    } finally {
      s.writer.close();
    }
  });

  it('verifies before touching anything: a damaged archive stops the restore with the targets untouched', async () => {
    const s = await scenario();
    try {
      await writeFile(join(s.data, 'stray.txt'), 'x');
      const before = await snapshot(s.data);
      const { open } = await import('node:fs/promises');
      const fh = await open(s.backup.path, 'r+');
      await fh.write(Buffer.from('XXXX'), 0, 4, 200);
      await fh.close();
      const plan = await s.engine.planRestore(await s.engine.resolve(s.backup.id), {});
      expect(plan.checksumOk).toBe(false);
      await expect(s.engine.restore(await s.engine.resolve(s.backup.id), {})).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
      expect(await snapshot(s.data)).toEqual(before);
      // A relocated restore whose entry fails its hash while staging removes the folders it made for the target.
      const { writeFakeBackup } = await import('../../../test-support/fake-archive.js');
      const forged = join(s.dir, 'forged.zip');
      await writeFakeBackup(forged, [{ name: 'files/docs/a.txt', data: 'a' }], (m) => {
        const e = (m.entries as { path: string; sha256?: string }[]).find((x) => x.path === 'files/docs/a.txt');
        if (e) e.sha256 = '0'.repeat(64);
      });
      const nested = join(s.dir, 'new-parent', 'deeper', 'restored');
      await expect(s.engine.restore(await s.engine.resolve(forged), { toDir: nested })).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
      expect(await readdir(s.dir)).not.toContain('new-parent');
    } finally {
      s.writer.close();
    }
  });

  it('refuses a SQLite database with fewer rows than its manifest says (seed 004\'s empty backup)', async () => {
    const { engine, out } = await testEngine();
    const dir = await tempDir();
    const db = join(dir, 'app.db');
    walDatabaseWithRowsOnlyInWal(db, 500).close();
    const b = await engine.backup(request(out, [{ kind: 'sqlite', path: db }]));
    // Rebuild the archive around an emptied database whose hashes are right but whose rows are gone.
    const { rewriteSqliteInArchive } = await import('../../../test-support/rewrite-archive.js');
    const forged = join(dir, 'forged.zip');
    await rewriteSqliteInArchive(b.path, forged, (d) => d.exec('DELETE FROM events'));
    await expect(engine.restore(await engine.resolve(forged), { toSqlite: join(dir, 'out.db') })).rejects.toMatchObject({
      code: 'SQLITE_CORRUPT',
      message: expect.stringContaining('table events has 0 rows, the manifest says 500'),
    });
    expect(await readdir(dir)).not.toContain('out.db');
  });
});

describe('restore of untrusted databases', () => {
  it('bounds the time spent checking a SQLite file from an archive', async () => {
    const dir = await tempDir();
    const db = join(dir, 'x.db');
    walDatabaseWithRowsOnlyInWal(db, 20_000).close();
    const { inspectSqliteInWorker } = await import('../workers/untrusted-sqlite.js');
    await expect(inspectSqliteInWorker(db, 1)).rejects.toMatchObject({ code: 'SQLITE_CORRUPT', message: expect.stringContaining('took longer than') });
    await expect(inspectSqliteInWorker(db)).resolves.toMatchObject({ integrityCheck: 'ok', totalRows: 20_001 });
  });

  it('never evaluates views: a database with an endlessly recursive view restores normally', async () => {
    const { engine, out } = await testEngine();
    const dir = await tempDir();
    const db = join(dir, 'app.db');
    const w = walDatabaseWithRowsOnlyInWal(db, 10);
    w.exec('CREATE VIEW forever AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c');
    w.close();
    const b = await engine.backup(request(out, [{ kind: 'sqlite', path: db }]));
    await engine.restore(await engine.resolve(b.id), { toSqlite: join(dir, 'copy.db') });
    expect(countRows(join(dir, 'copy.db'), 'events')).toBe(10);
  });

  it.skipIf(process.getuid?.() !== 0)('does not apply recorded owners unless asked (--apply-owners, as root)', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeTree(src, { 'owned.txt': 'by nobody' });
    const { chown } = await import('node:fs/promises');
    await chown(join(src, 'owned.txt'), 65534, 65534);
    const b = await engine.backup(request(out, [folder(src)]));
    const plain = join(await tempDir(), 'plain');
    await engine.restore(await engine.resolve(b.id), { toDir: plain });
    expect((await stat(join(plain, 'owned.txt'))).uid).toBe(0);
    const system = join(await tempDir(), 'system');
    await engine.restore(await engine.resolve(b.id), { toDir: system, applyOwners: true });
    expect((await stat(join(system, 'owned.txt'))).uid).toBe(65534);
  });
});

describe('restore shows what it will destroy', () => {
  it('the plan lists the files it deletes, replaces and adds (counts, bytes, a page of paths)', async () => {
    const s = await scenario();
    try {
      await writeFile(join(s.data, 'stray.txt'), 'a user file added after the backup');
      await writeFile(join(s.data, 'org-1/studies/study-a/source_data/20240823_143022/measurements.parquet'), 'changed');
      await rm(join(s.data, 'org-2'), { recursive: true });
      const plan = await s.engine.planRestore(await s.engine.resolve(s.backup.id), { only: ['data'] });
      const c = plan.targets[0]?.changes;
      expect(c?.deleted).toEqual({ count: 1, bytes: 34, offset: 0, paths: ['stray.txt'] });
      expect(c?.replaced.paths).toEqual(['org-1/studies/study-a/source_data/20240823_143022/measurements.parquet']);
      expect(c?.added.count).toBeGreaterThanOrEqual(10);
      expect(c?.added.paths).toContain('org-2/');
      // Paged: a second page of one path.
      const page = await s.engine.planRestore(await s.engine.resolve(s.backup.id), { only: ['data'], page: { offset: 1, limit: 1 } });
      expect(page.targets[0]?.changes?.added.paths).toHaveLength(1);
      expect(page.targets[0]?.changes?.added.paths[0]).not.toBe(c?.added.paths[0]);
    } finally {
      s.writer.close();
    }
  });

  it('a backup much smaller than its target (0 rows over a live table) needs an explicit confirmation', async () => {
    const { engine, out } = await testEngine();
    const dir = await tempDir();
    const empty = join(dir, 'empty.db');
    const e = new Database(empty);
    e.exec('CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT)');
    e.close();
    const b = await engine.backup(request(out, [{ kind: 'sqlite', path: empty, name: 'app' }], { options: { allowEmpty: true, skipUnreadable: false } }));
    const live = new Database(empty);
    live.prepare("INSERT INTO events (body) SELECT 'row' FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300) SELECT x FROM c)").run();
    live.close();
    await expect(engine.restore(await engine.resolve(b.id), {})).rejects.toMatchObject({ code: 'PRECHECK_FAILED', message: expect.stringMatching(/much smaller[\s\S]*0 rows, the database has 300 now[\s\S]*--confirm-smaller/) });
    expect(countRows(empty, 'events')).toBe(300);
    await engine.restore(await engine.resolve(b.id), { confirmSmaller: true });
    expect(countRows(empty, 'events')).toBe(0);
  });
});
