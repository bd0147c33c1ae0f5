import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testEngine, request, folder } from '../../../test-support/engine.js';
import { walDatabaseWithRowsOnlyInWal } from '../../../test-support/sqlite-fixtures.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { describeTree, seed000Tree, writeTree } from '../../../test-support/tree.js';
import { readManifest, listArchive } from '../archive/archive-reader.js';
import { ARCHIVE_FORMATS } from '../../../src-shared/domain/enums.js';
import { profileSpecSchema } from '../../../src-shared/domain/profile.js';

describe.each(ARCHIVE_FORMATS)('backup to %s', (format) => {
  it('seed 000: a nested tree comes back at identical relative paths with identical SHA-256s, modes and mtimes', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await seed000Tree(src);
    const script = join(src, 'org-1/run.sh');
    await writeTree(src, { 'org-1/run.sh': '#!/bin/sh\necho hi\n' });
    await chmod(script, 0o750);
    const result = await engine.backup(request(out, [folder(src, { name: 'data' })], { format }));

    const extracted = await tempDir();
    if (format === 'zip') execFileSync('unzip', ['-q', result.path, '-d', extracted]);
    else execFileSync('tar', ['-xzpf', result.path, '-C', extracted]);
    expect(await describeTree(join(extracted, 'files/data'))).toEqual(await describeTree(src));
    expect(await describeTree(join(extracted, 'files/data'))).toHaveProperty(['org-2/studies/study-c/source_data'], 'dir');

    const parquet = 'files/data/org-1/studies/study-a/source_data/20240823_143022/measurements.parquet';
    const entry = result.manifest.entries.find((e) => e.path === parquet);
    expect(entry?.mtime).toBe('2024-08-23T14:30:22.000Z');
    expect(result.manifest.entries.find((e) => e.path === 'files/data/org-1/run.sh')?.mode).toBe(0o750);
    expect((await stat(join(extracted, 'files/data/org-1/run.sh'))).mode & 0o777).toBe(0o750);
    if (format === 'tar.gz') expect((await stat(join(extracted, parquet))).mtime.toISOString()).toBe('2024-08-23T14:30:22.000Z');
  });

  it('records a catalog SHA-256 equal to sha256sum of the file, a sidecar, and a manifest that validates', async () => {
    const { engine, out } = await testEngine();
    const dir = await tempDir();
    const writer = walDatabaseWithRowsOnlyInWal(join(dir, 'app.db'), 2000);
    await writeTree(join(dir, 'files'), { 'a.csv': 'x,y\n1,2\n', 'b/c.json': '{}' });
    try {
      const r = await engine.backup(request(out, [{ kind: 'sqlite', path: join(dir, 'app.db') }, folder(join(dir, 'files'))], { format, description: 'nightly' }));
      const sum = execFileSync('sha256sum', [r.path], { encoding: 'utf8' }).split(' ')[0];
      expect(engine.env.catalog.backups.get(r.id)).toMatchObject({ status: 'COMPLETED', sha256: sum, size: (await stat(r.path)).size, format });
      expect(await readFile(`${r.path}.sha256`, 'utf8')).toBe(`${sum}  ${r.fileName}\n`);
      const m = await readManifest(r.path);
      expect(m).toMatchObject({ backupId: r.id, format, type: 'full', description: 'nightly', totals: { rows: 2001, files: 3 } });
      expect(m.sources.map((s) => [s.kind, s.name])).toEqual([
        ['sqlite', 'app'],
        ['folder', 'files'],
      ]);
      expect(m.fileTypes.map((t) => t.ext).sort()).toEqual(['csv', 'json', 'sqlite']);
      const names = (await listArchive(r.path)).map((e) => e.path);
      expect(names).toEqual(expect.arrayContaining(['README.txt', 'manifest.json', 'databases/app.sqlite', 'files/files/a.csv', 'files/files/b/c.json']));
      expect(await readdir(out)).toEqual([r.fileName, `${r.fileName}.sha256`].sort());
    } finally {
      writer.close();
    }
  });
});

describe('backup failures leave nothing behind', () => {
  it('a cancelled job leaves no file and a FAILED/CANCELLED row', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeTree(src, Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`f${i}.bin`, Buffer.alloc(64 * 1024, i)])));
    const abort = new AbortController();
    let id = '';
    const run = engine.backup(request(out, [folder(src)]), {
      signal: abort.signal,
      onStarted: (x) => (id = x),
      onProgress: (p) => {
        // Archiving 12 MiB takes a few milliseconds now: cancel as soon as it has begun.
        if (p.phase === 'archiving') setImmediate(() => abort.abort());
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await readdir(out)).toEqual([]);
    expect(engine.env.catalog.backups.get(id)).toMatchObject({ status: 'FAILED', errorCode: 'CANCELLED', sha256: null });
  });

  it('an empty source (an unmounted disk) fails by default instead of making an empty "successful" backup', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await mkdir(join(src, 'only-folders'));
    await expect(engine.backup(request(out, [folder(src)]))).rejects.toMatchObject({ code: 'SOURCE_EMPTY' });
    expect(await readdir(out)).toEqual([]);
    expect(engine.history({ status: 'FAILED' }).rows[0]?.errorCode).toBe('SOURCE_EMPTY');
    await expect(engine.backup(request(out, [folder(src)], { options: { allowEmpty: true, skipUnreadable: false } }))).resolves.toMatchObject({ status: 'COMPLETED' });
  });

  it('a database that fails while a folder is being archived beside it fails the whole backup, leaving nothing', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeTree(src, Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`f${i}.txt`, `file ${i}\n`.repeat(200)])));
    const dir = await tempDir();
    // Not a database at all: the dump runs beside the folder archiving and fails there.
    await writeTree(dir, { 'fake.db': 'SQLite format 3\u0000 but then garbage '.repeat(300) });
    await expect(engine.backup(request(out, [folder(src), { kind: 'sqlite', path: join(dir, 'fake.db') }]))).rejects.toMatchObject({
      code: expect.stringMatching(/SQLITE_CORRUPT|SOURCE_UNREADABLE/),
      message: expect.stringContaining('fake.db'),
    });
    expect(await readdir(out)).toEqual([]);
    expect(engine.history({}).rows[0]).toMatchObject({ status: 'FAILED' });
  });

  it('a folder plus two databases: the dumps run side by side and all land, checked, in one archive', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeTree(src, { 'a.txt': 'a', 'b/c.txt': 'c' });
    const dir = await tempDir();
    const one = walDatabaseWithRowsOnlyInWal(join(dir, 'one.db'), 300);
    const two = walDatabaseWithRowsOnlyInWal(join(dir, 'two.db'), 700);
    try {
      const r = await engine.backup(request(out, [folder(src), { kind: 'sqlite', path: join(dir, 'one.db') }, { kind: 'sqlite', path: join(dir, 'two.db') }]));
      const m = await readManifest(r.path);
      expect(m.sources.map((x) => [x.kind, x.kind === 'sqlite' ? x.totalRows : null])).toEqual([
        ['folder', null],
        ['sqlite', 301],
        ['sqlite', 701],
      ]);
      expect(r.verifiedAt).not.toBeNull();
      expect((await listArchive(r.path)).map((e) => e.path)).toEqual(expect.arrayContaining(['databases/one.sqlite', 'databases/two.sqlite', 'files/' + m.sources[0]!.name + '/b/c.txt']));
    } finally {
      one.close();
      two.close();
    }
  });

  it('a missing source fails with SOURCE_MISSING and names the path', async () => {
    const { engine, out } = await testEngine();
    await expect(engine.backup(request(out, [{ kind: 'sqlite', path: '/nonexistent/app.db' }]))).rejects.toMatchObject({
      code: 'SOURCE_MISSING',
      message: expect.stringContaining('/nonexistent/app.db'),
    });
  });

  const canMount = process.getuid?.() === 0 && (() => {
    try {
      execFileSync('mount', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!canMount)('a full destination (ENOSPC on a 256 KiB tmpfs) gives DISK_FULL and leaves nothing (needs root for mount)', async () => {
    const { engine } = await testEngine();
    const mnt = await tempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]);
    try {
      const src = await tempDir();
      const { randomBytes } = await import('node:crypto');
      await writeTree(src, { 'random.bin': randomBytes(1024 * 1024) });
      await expect(engine.backup(request(mnt, [folder(src)]))).rejects.toMatchObject({ code: 'DISK_FULL' });
      expect(await readdir(mnt)).toEqual([]);
      expect(engine.history({}).rows[0]).toMatchObject({ status: 'FAILED', errorCode: 'DISK_FULL' });
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it.skipIf(!canMount)('a read-only destination gives DESTINATION_UNWRITABLE (needs root for mount)', async () => {
    const { engine } = await testEngine();
    const mnt = await tempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,ro', 'tmpfs', mnt]);
    try {
      const src = await tempDir();
      await writeTree(src, { 'a.txt': 'a' });
      await expect(engine.backup(request(mnt, [folder(src)]))).rejects.toMatchObject({ code: 'DESTINATION_UNWRITABLE', message: expect.stringContaining(mnt) });
      expect(await readdir(mnt)).toEqual([]);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it('a RUNNING row whose process died is marked FAILED/INTERRUPTED on the next start, and its files removed', async () => {
    const { engine, out, home } = await testEngine();
    const src = await tempDir();
    await writeTree(src, { 'a.txt': 'a' });
    const r = await engine.backup(request(out, [folder(src)]));
    // Simulate a crash after the rename but before COMPLETED: the row is RUNNING with a dead pid.
    engine.env.catalog.db.prepare(`UPDATE backups SET status = 'RUNNING', pid = 999999 WHERE id = ?`).run(r.id);
    engine.close();
    const { LifeboatEngine } = await import('../lifeboat-engine.js');
    const again = await LifeboatEngine.open({ home });
    try {
      expect(again.recovered.map((x) => x.id)).toEqual([r.id]);
      expect(again.env.catalog.backups.get(r.id)).toMatchObject({ status: 'FAILED', errorCode: 'INTERRUPTED' });
      expect(await readdir(out)).toEqual([]);
    } finally {
      again.close();
    }
  });
});

describe('profiles', () => {
  it('flags a sharp drop in file count or size against the profile\'s last good backup', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeTree(src, Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`doc${i}.txt`, 'x'.repeat(5000 + i)])));
    engine.profiles.add('docs', profileSpecSchema.parse({ sources: [folder(src)], destination: out }), new Date().toISOString());
    const first = await engine.backup(request(out, [folder(src)], { profile: 'docs' }));
    expect(first.warnings).toEqual([]);
    const { rm } = await import('node:fs/promises');
    for (let i = 2; i < 20; i += 1) await rm(join(src, `doc${i}.txt`));
    const second = await engine.backup(request(out, [folder(src)], { profile: 'docs' }));
    expect(second.warnings.map((w) => w.code)).toContain('FILE_COUNT_DROP');
    expect(engine.env.catalog.backups.get(second.id)?.warnings.map((w) => w.code)).toContain('FILE_COUNT_DROP');
  });

  it('runs one job per profile at a time: a second request gets PROFILE_BUSY', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeTree(src, Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}.bin`, Buffer.alloc(32 * 1024, i)])));
    const first = engine.backup(request(out, [folder(src)], { profile: 'p1' }));
    await expect(engine.backup(request(out, [folder(src)], { profile: 'p1' }))).rejects.toMatchObject({ code: 'PROFILE_BUSY' });
    await expect(first).resolves.toMatchObject({ status: 'COMPLETED' });
  });
});
