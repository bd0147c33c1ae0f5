import { execFileSync, spawnSync } from 'node:child_process';
import { lstat, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { writeRawTarGz } from '../../../test-support/raw-tar.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { writeTree } from '../../../test-support/tree.js';
import { buildZip } from '../../../test-support/zip-builder.js';
import { detectFormat, listArchive } from '../archive/archive-reader.js';

/** Import `file`, then restore the imported backup into a fresh folder and return that folder. */
async function importAndRestore(file: string): Promise<{ restored: string; paths: string[] }> {
  const { engine } = await testEngine();
  const r = await engine.import(file);
  expect(r.kind).toBe('plain');
  const m = await engine.manifestOf(await engine.resolve(r.id));
  const restored = join(await tempDir(), 'restored');
  await engine.restore(await engine.resolve(r.id), { toDir: restored });
  const prefix = `files/${m.sources[0]?.name ?? ''}/`;
  return { restored, paths: m.entries.map((e) => e.path.slice(prefix.length)).filter((p) => p.length > 0).sort() };
}

const umask = process.umask();

describe('zips made on Windows/DOS (no Unix mode) import with sensible modes', () => {
  it('files 0644 and folders 0755 minus the umask, never mode 000', async () => {
    const dir = await tempDir();
    const file = join(dir, 'from-windows.zip');
    await writeFile(
      file,
      buildZip([
        { name: 'Reports/', host: 0, externalAttrs: 0x10 },
        { name: 'Reports/q1.txt', data: 'q1', host: 0, externalAttrs: 0x20 },
        { name: 'Reports/sub/implied.txt', data: 'no folder entry', host: 0, externalAttrs: 0x20 },
        { name: 'readonly.txt', data: 'ro', host: 0, externalAttrs: 0x21 },
      ]),
    );
    const { restored } = await importAndRestore(file);
    expect((await stat(join(restored, 'Reports/q1.txt'))).mode & 0o777).toBe(0o644 & ~umask);
    expect((await stat(join(restored, 'readonly.txt'))).mode & 0o777).toBe(0o644 & ~umask);
    expect((await stat(join(restored, 'Reports'))).mode & 0o777).toBe(0o755 & ~umask);
    expect(await readFile(join(restored, 'Reports/sub/implied.txt'), 'utf8')).toBe('no folder entry');
  });
});

describe('plain archives with symlinks import (the synthesized entries go through the schema)', () => {
  it('a plain ZIP: the link target is the entry data', async () => {
    const dir = await tempDir();
    const file = join(dir, 'with-link.zip');
    await writeFile(file, buildZip([{ name: 'a.txt', data: 'a' }, { name: 'link', data: 'a.txt', method: 0, externalAttrs: (0o120777 << 16) >>> 0 }]));
    const { restored } = await importAndRestore(file);
    expect(await readlink(join(restored, 'link'))).toBe('a.txt');
  });

  it('a plain tar.gz: the link target is in the header', async () => {
    const dir = await tempDir();
    const file = join(dir, 'with-link.tar.gz');
    await writeRawTarGz(file, [{ name: 'a.txt', data: 'a' }, { name: 'link', type: '2', linkname: 'a.txt' }]);
    const { restored } = await importAndRestore(file);
    expect(await readlink(join(restored, 'link'))).toBe('a.txt');
  });

  it('a ZIP symlink with an empty target is refused, naming it', async () => {
    const { engine } = await testEngine();
    const dir = await tempDir();
    const file = join(dir, 'empty-link.zip');
    await writeFile(file, buildZip([{ name: 'a.txt', data: 'a' }, { name: 'link', data: '', method: 0, externalAttrs: (0o120777 << 16) >>> 0 }]));
    await expect(engine.import(file)).rejects.toMatchObject({ code: 'ARCHIVE_HOSTILE', message: expect.stringContaining('symlink "link" has an empty target') });
  });
});

describe('names and framing other tools write', () => {
  it('UTF-8 names without the UTF-8 flag (macOS) import as UTF-8, not CP437 mojibake', async () => {
    const dir = await tempDir();
    const file = join(dir, 'from-mac.zip');
    await writeFile(file, buildZip([{ name: '世界/', utf8Flag: false }, { name: '世界/hello.txt', data: 'hi', utf8Flag: false }]));
    const { restored, paths } = await importAndRestore(file);
    expect(paths).toContain('世界/hello.txt');
    expect(await readFile(join(restored, '世界/hello.txt'), 'utf8')).toBe('hi');
  });

  it('names that are not valid UTF-8 and carry no flag still read as CP437 (old Windows zips)', async () => {
    const dir = await tempDir();
    const file = join(dir, 'cp437.zip');
    await writeFile(file, buildZip([{ name: Buffer.from([0x63, 0x61, 0x66, 0x82, 0x2e, 0x74, 0x78, 0x74]), data: 'x', utf8Flag: false }]));
    expect((await listArchive(file)).map((e) => e.path)).toEqual(['café.txt']);
  });

  it.each([
    ['with offsets from the archive start (cat stub archive.zip)', false],
    ['with offsets from the file start (zip -A)', true],
  ])('a self-extracting ZIP %s is read as a ZIP', async (_label, adjustOffsets) => {
    const dir = await tempDir();
    const file = join(dir, 'setup.exe');
    const stub = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(8190, 0x90)]);
    await writeFile(file, buildZip([{ name: 'app/readme.txt', data: 'install me' }, { name: 'app/big.txt', data: 'x'.repeat(50_000) }], { prefix: stub, adjustOffsets, comment: 'sfx' }));
    expect(await detectFormat(file)).toBe('zip');
    const { restored } = await importAndRestore(file);
    expect(await readFile(join(restored, 'app/readme.txt'), 'utf8')).toBe('install me');
    expect((await readFile(join(restored, 'app/big.txt'), 'utf8')).length).toBe(50_000);
  });

  it('an empty ZIP (only an end record) is a ZIP', async () => {
    const dir = await tempDir();
    const file = join(dir, 'empty.zip');
    await writeFile(file, buildZip([]));
    expect(await detectFormat(file)).toBe('zip');
  });

  it.each([
    ['a 7-Zip archive', Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]), /7-Zip archive/],
    ['a RAR archive', Buffer.from('Rar!\u001a\u0007\u0001\u0000'), /RAR archive/],
    ['an uncompressed tar', Buffer.concat([Buffer.alloc(257), Buffer.from('ustar\u000000'), Buffer.alloc(247)]), /uncompressed tar.*gzip it first/],
  ])('what is neither is named: %s', async (_label, head, message) => {
    const { engine } = await testEngine();
    const dir = await tempDir();
    const file = join(dir, 'download.bin');
    await writeFile(file, Buffer.concat([head, Buffer.alloc(1024)]));
    await expect(engine.import(file)).rejects.toMatchObject({ code: 'ARCHIVE_INVALID', message: expect.stringMatching(message) });
  });

  it.skipIf(spawnSync('tar', ['--version'], { stdio: 'ignore' }).status !== 0)('a tar.gz made with `tar -C dir .` (./ prefixes) imports', async () => {
    const dir = await tempDir();
    await writeTree(join(dir, 'src'), { 'a.txt': 'a', 'sub/b.txt': 'b' });
    const file = join(dir, 'dot.tar.gz');
    execFileSync('tar', ['-C', join(dir, 'src'), '-czf', file, '.']);
    const { restored, paths } = await importAndRestore(file);
    expect(paths).toEqual(['a.txt', 'sub', 'sub/b.txt']);
    expect(await readFile(join(restored, 'sub/b.txt'), 'utf8')).toBe('b');
  });
});

describe('tar.gz times outside the ustar range', () => {
  const hasTar = spawnSync('tar', ['--version'], { stdio: 'ignore' }).status === 0;

  it.skipIf(!hasTar)('Lifeboat writes 2040, 2300 and 1960 exactly (pax mtime): GNU tar and Lifeboat read them back', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeTree(src, { 'y2040.txt': 'a', 'y2300.txt': 'b', 'y1960.txt': 'c' });
    const times: Record<string, Date> = { 'y2040.txt': new Date('2040-05-01T00:00:00Z'), 'y2300.txt': new Date('2300-05-01T00:00:00Z'), 'y1960.txt': new Date('1960-05-01T00:00:00Z') };
    const { utimes } = await import('node:fs/promises');
    for (const [name, t] of Object.entries(times)) await utimes(join(src, name), t, t);
    const backup = await engine.backup(request(out, [folder(src, { name: 'docs' })], { format: 'tar.gz' }));
    const listing = execFileSync('tar', ['-tvzf', backup.path, '--full-time', '--utc'], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    expect(listing).toMatch(/2040-05-01 00:00:00 files\/docs\/y2040\.txt/);
    expect(listing).toMatch(/2300-05-01 00:00:00 files\/docs\/y2300\.txt/);
    expect(listing).toMatch(/1960-05-01 00:00:00 files\/docs\/y1960\.txt/);
    const restored = join(await tempDir(), 'r');
    await engine.restore(await engine.resolve(backup.id), { toDir: restored });
    for (const [name, t] of Object.entries(times)) expect((await lstat(join(restored, name))).mtime.toISOString()).toBe(t.toISOString());
  });

  it('a valid tar whose mtimes do not fit a JavaScript date (GNU base-256, pax) imports with clamped times', async () => {
    const dir = await tempDir();
    const file = join(dir, 'odd-times.tar.gz');
    const huge = Buffer.alloc(12, 0xff);
    huge[0] = 0x80; // positive base-256: 2^88 - 1 seconds
    const negative = Buffer.alloc(12, 0xff); // base-256 -1: one second before 1970
    await writeRawTarGz(file, [
      { name: 'far-future.txt', data: 'f', mtimeField: huge },
      { name: 'just-before-1970.txt', data: 'n', mtimeField: negative },
      { name: 'pax-huge.txt', data: 'p', pax: { mtime: '99999999999999999999.5' } },
    ]);
    const entries = await listArchive(file);
    expect(entries.map((e) => [e.path, e.mtime.toISOString()])).toEqual([
      ['far-future.txt', '9999-12-31T23:59:59.000Z'],
      ['just-before-1970.txt', '1969-12-31T23:59:59.000Z'],
      ['pax-huge.txt', '9999-12-31T23:59:59.000Z'],
    ]);
    const { restored } = await importAndRestore(file);
    expect(await readFile(join(restored, 'far-future.txt'), 'utf8')).toBe('f');
  });
});
