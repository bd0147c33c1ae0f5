import { execFileSync } from 'node:child_process';
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { writeRawZip } from '../../../test-support/raw-zip.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { describeTree, writeTree } from '../../../test-support/tree.js';

describe('import', () => {
  it('registers a Lifeboat archive from another machine as IMPORTED with its original metadata, restorable like any other', async () => {
    const elsewhere = await testEngine();
    const src = await tempDir();
    await writeTree(src, { 'report.csv': 'a,b\n1,2\n', 'sub/notes.txt': 'n' });
    const made = await elsewhere.engine.backup(request(elsewhere.out, [folder(src, { name: 'reports' })], { description: 'quarterly' }));
    const download = join(await tempDir(), 'backup.zip');
    await copyFile(made.path, download);
    await copyFile(`${made.path}.sha256`, `${download}.sha256`);

    const { engine } = await testEngine();
    const r = await engine.import(download);
    expect(r).toMatchObject({ kind: 'lifeboat', duplicate: false, id: made.id, sha256: made.sha256, warnings: [] });
    expect(engine.env.catalog.backups.get(r.id)).toMatchObject({ trigger: 'IMPORTED', status: 'COMPLETED', description: 'quarterly', createdAt: made.manifest.createdAt, createdBy: made.manifest.user });
    expect(engine.env.catalog.backups.get(r.id)?.verifiedAt).not.toBeNull();

    const again = await engine.import(download);
    expect(again).toMatchObject({ duplicate: true, id: r.id });
    expect(engine.history({}).total).toBe(1);

    const to = join(await tempDir(), 'restored');
    await engine.restore(await engine.resolve(r.id), { toDir: to });
    expect(await describeTree(to)).toEqual(await describeTree(src));
  });

  it('flags a Lifeboat archive without its .sha256 sidecar as having no integrity record from its origin', async () => {
    const elsewhere = await testEngine();
    const src = await tempDir();
    await writeTree(src, { 'a.txt': 'a' });
    const made = await elsewhere.engine.backup(request(elsewhere.out, [folder(src)]));
    await rm(`${made.path}.sha256`);
    const { engine } = await testEngine();
    const r = await engine.import(made.path);
    expect(r.warnings.map((w) => w.code)).toEqual(['UNVERIFIED_ORIGIN']);
  });

  it('offers a plain ZIP as a files-only import with a generated manifest and a warning, never as a full backup', async () => {
    const { engine } = await testEngine();
    const dir = await tempDir();
    await writeTree(join(dir, 'site'), { 'index.html': '<h1>hi</h1>', 'img/logo.svg': '<svg/>' });
    execFileSync('zip', ['-qr', join(dir, 'site-export.zip'), 'site'], { cwd: dir });
    const r = await engine.import(join(dir, 'site-export.zip'));
    expect(r.kind).toBe('plain');
    expect(r.warnings.map((w) => w.code)).toContain('UNVERIFIED_ORIGIN');
    const record = engine.env.catalog.backups.get(r.id);
    expect(record).toMatchObject({ type: 'files', trigger: 'IMPORTED' });
    const m = await engine.manifestOf(await engine.resolve(r.id));
    expect(m.entries.map((e) => e.path)).toEqual(expect.arrayContaining(['files/site-export/site/index.html', 'files/site-export/site/img/logo.svg']));
    expect(m.sources[0]).toMatchObject({ kind: 'folder', path: join(dir, 'site-export') });
    // The same download again is recognised by its own checksum.
    expect(await engine.import(join(dir, 'site-export.zip'))).toMatchObject({ duplicate: true, id: r.id });
  });

  it('refuses a hostile plain ZIP before writing anything', async () => {
    const { engine, home } = await testEngine();
    const dir = await tempDir();
    await writeRawZip(join(dir, 'evil.zip'), [{ name: 'ok.txt', data: 'ok' }, { name: 'x/../../../escape.txt', data: 'pwned' }]);
    await expect(engine.import(join(dir, 'evil.zip'))).rejects.toMatchObject({ code: 'ARCHIVE_HOSTILE' });
    expect(engine.history({}).total).toBe(0);
    expect(await describeTree(home)).not.toHaveProperty('escape.txt');
  });

  it('refuses a file that is not an archive', async () => {
    const { engine } = await testEngine();
    const dir = await tempDir();
    await writeTree(dir, { 'notes.txt': 'just text' });
    await expect(engine.import(join(dir, 'notes.txt'))).rejects.toMatchObject({ code: 'ARCHIVE_INVALID', message: expect.stringContaining('neither a ZIP nor a tar.gz') });
  });
});
