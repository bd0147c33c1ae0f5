import Database from 'better-sqlite3';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIFEBOAT_BIN, lifeboat } from '../../../test-support/cli.js';
import { catalogRows, runWithFault } from '../../../test-support/crash.js';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { describeTree, writeTree } from '../../../test-support/tree.js';
import { LifeboatEngine } from '../lifeboat-engine.js';

const isRoot = process.getuid?.() === 0;

function files(tag: string, n: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < n; i += 1) out[`d${i % 10}/f${i}.txt`] = `${tag} ${i}\n`;
  return out;
}

describe('restore races and stale plans', () => {
  it('a restore killed before its first journal save (journal "{}") does not stop the next start; it is rolled back', async () => {
    const home = await tempDir();
    const engine = await LifeboatEngine.open({ home });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    engine.env.catalog.db
      .prepare(`INSERT INTO restores (id, backup_id, archive_path, archive_sha256, status, started_by, host, pid, started_at, targets, journal) VALUES ('r1', NULL, '/x.zip', 'ab', 'RUNNING', 'me', ?, ?, '2026-11-30T00:00:00Z', '[]', '{}')`)
      .run(engine.env.host, dead);
    engine.close();
    const again = await LifeboatEngine.open({ home });
    expect(again.rolledBack.map((r) => r.id)).toEqual(['r1']);
    expect(catalogRows<{ status: string }>(home, "SELECT status FROM restores WHERE id = 'r1'")).toEqual([{ status: 'ROLLED_BACK' }]);
    again.close();
  });

  it('two processes starting together after a kill recover the restore once: the folder is wholly old', async () => {
    const home = await tempDir();
    const data = join(await tempDir(), 'data');
    await writeTree(data, files('new', 600));
    const b = await lifeboat(['--home', home, 'backup', '--dir', data, '--json']);
    const id = b.json<{ id: string }>().id;
    for (let round = 0; round < 3; round += 1) {
      const { rm } = await import('node:fs/promises');
      await rm(data, { recursive: true, force: true });
      await writeTree(data, files('old', 500));
      const old = await describeTree(data);
      const killed = await runWithFault(['--home', home, 'restore', id, '--no-safety-backup', '--yes'], 'restore:check');
      expect(killed.signal).toBe('SIGKILL');
      // Two starts at once (the app in the tray and a cron job, say).
      const start = () => new Promise<number | null>((resolve) => spawn(process.execPath, [LIFEBOAT_BIN, '--home', home, 'list'], { stdio: 'ignore' }).on('close', resolve));
      const codes = await Promise.all([start(), start()]);
      expect(codes).toEqual([0, 0]);
      expect(await describeTree(data)).toEqual(old);
      expect(catalogRows<{ status: string }>(home, 'SELECT status FROM restores ORDER BY started_at DESC, rowid DESC LIMIT 1')).toEqual([{ status: 'ROLLED_BACK' }]);
    }
  }, 240_000);

  it('a folder that appears at a new --to-dir while the restore stages is never deleted by the rollback', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeTree(src, files('backup', 20));
    const b = await engine.backup(request(out, [folder(src, { name: 'docs' })]));
    const target = join(await tempDir(), 'new-place');
    await expect(
      engine.restore(await engine.resolve(b.id), { toDir: target }, {
        afterStep: async (step) => {
          if (step === 'verified') await writeTree(target, { 'important.txt': 'made by someone else meanwhile' });
        },
      }),
    ).rejects.toMatchObject({ code: 'RESTORE_FAILED' });
    expect(await readFile(join(target, 'important.txt'), 'utf8')).toBe('made by someone else meanwhile');
  });

  it('a SQLite file that appears at a new --to-sqlite while the restore stages is never replaced', async () => {
    const { engine, out } = await testEngine();
    const dir = await tempDir();
    const db = join(dir, 'app.db');
    const w = new Database(db);
    w.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1), (2)');
    w.close();
    const b = await engine.backup(request(out, [{ kind: 'sqlite', path: db, name: 'app' }]));
    const target = join(dir, 'new.db');
    await expect(
      engine.restore(await engine.resolve(b.id), { toSqlite: target }, {
        afterStep: (step) => {
          if (step === 'safety-backup') {
            const app = new Database(target);
            app.exec('CREATE TABLE orders (id); INSERT INTO orders VALUES (42)');
            app.close();
          }
        },
      }),
    ).rejects.toMatchObject({ code: 'RESTORE_FAILED', message: expect.stringContaining('appeared while the restore ran') });
    const check = new Database(target, { readonly: true });
    expect(check.prepare('SELECT id FROM orders').all()).toEqual([{ id: 42 }]);
    check.close();
  });

  it('two restores to the same new folder at once: the folder ends as the backup, never deleted by the loser', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeTree(src, files('backup', 200));
    const want = await describeTree(src);
    const b = await engine.backup(request(out, [folder(src, { name: 'docs' })]));
    const target = join(await tempDir(), 'shared');
    const r = await engine.resolve(b.id);
    const results = await Promise.allSettled([engine.restore(r, { toDir: target, safetyBackup: false }), engine.restore(r, { toDir: target, safetyBackup: false })]);
    expect(results.some((x) => x.status === 'fulfilled')).toBe(true);
    expect(await describeTree(target)).toEqual(want);
  });

  it('a target name as long as a name can be (240 characters) restores: staging names do not add to it', async () => {
    const { engine, out } = await testEngine();
    const parent = await tempDir();
    const src = join(parent, 'D'.repeat(240));
    await writeTree(src, { 'a.txt': 'a' });
    const b = await engine.backup(request(out, [folder(src, { name: 'long' })]));
    await writeFile(join(src, 'a.txt'), 'changed');
    await engine.restore(await engine.resolve(b.id), {});
    expect(await readFile(join(src, 'a.txt'), 'utf8')).toBe('a');
  });

  it('a safety backup that cannot keep an entry (a name that is not UTF-8) stops the restore before anything is replaced', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeTree(src, { 'a.txt': 'a' });
    const b = await engine.backup(request(out, [folder(src, { name: 'docs' })]));
    const odd = Buffer.concat([Buffer.from(`${src}/caf`), Buffer.from([0xe9]), Buffer.from('.txt')]);
    await writeFile(odd, 'only copy');
    await expect(engine.restore(await engine.resolve(b.id), {})).rejects.toMatchObject({ code: 'RESTORE_FAILED', message: expect.stringContaining('could not keep everything') });
    expect((await readFile(odd)).toString()).toBe('only copy');
    expect((await readdir(src)).sort()).toHaveLength(2);
  });

  it.skipIf(!isRoot)(`a filesystem mounted inside a folder target fails the pre-flight${isRoot ? '' : ' (skipped: mounting needs root)'}`, async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeTree(src, { 'notes.txt': 'n', 'data/x': 'x' });
    const b = await engine.backup(request(out, [folder(src, { name: 'docs' })]));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', join(src, 'data')]);
    try {
      await writeFile(join(src, 'data', 'precious'), 'on another filesystem');
      await expect(engine.restore(await engine.resolve(b.id), {})).rejects.toMatchObject({ code: 'PRECHECK_FAILED', message: expect.stringContaining('is a mount point') });
      expect(await readFile(join(src, 'data', 'precious'), 'utf8')).toBe('on another filesystem');
    } finally {
      execFileSync('umount', [join(src, 'data')]);
    }
    await mkdir(join(src, 'data'), { recursive: true });
  });

  it('a SQLite source inside a folder source is stored once (as the database) and the whole backup restores', async () => {
    const { engine, out } = await testEngine();
    const app = await tempDir();
    await writeTree(app, { 'config.ini': 'x=1' });
    const db = join(app, 'app.db');
    const w = new Database(db);
    w.pragma('journal_mode = WAL');
    w.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1), (2), (3)');
    const b = await engine.backup(request(out, [folder(app, { name: 'app-files' }), { kind: 'sqlite', path: db, name: 'app-db' }]));
    expect(b.manifest.entries.map((e) => e.path).filter((p) => p.startsWith('files/')).sort()).toEqual(['files/app-files', 'files/app-files/config.ini']);
    w.exec('DELETE FROM t');
    w.close();
    await writeFile(join(app, 'config.ini'), 'x=2');
    await engine.restore(await engine.resolve(b.id), { confirmSmaller: true });
    expect(await readFile(join(app, 'config.ini'), 'utf8')).toBe('x=1');
    const check = new Database(db, { readonly: true });
    expect((check.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(3);
    check.close();
  });

  it('a row left RUNNING by an earlier process with the same pid (a container restarting at pid 1) is recovered, not taken as alive', async () => {
    const home = await tempDir();
    const engine = await LifeboatEngine.open({ home });
    engine.env.catalog.db
      .prepare(`INSERT INTO restores (id, backup_id, archive_path, archive_sha256, status, started_by, host, pid, started_at, targets, journal) VALUES ('same-pid', NULL, '/x.zip', 'ab', 'RUNNING', 'me', ?, ?, '2026-11-30T00:00:00Z', '[]', '{"phase":"stage","steps":[],"scratch":[]}')`)
      .run(engine.env.host, process.pid);
    engine.close();
    const again = await LifeboatEngine.open({ home });
    expect(again.rolledBack.map((r) => r.id)).toEqual(['same-pid']);
    again.close();
  });
});
