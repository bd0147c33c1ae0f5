import { lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testEngine } from '../../../test-support/engine.js';
import { writeFakeBackup, type FakeEntry, type FakeOptions } from '../../../test-support/fake-archive.js';
import { tempDir } from '../../../test-support/temp-dir.js';

/** Restore a generated archive into <sandbox>/target and return what exists in the sandbox afterwards. */
async function attempt(entries: FakeEntry[], patch?: (m: Record<string, unknown>) => void, options?: FakeOptions): Promise<{ error: unknown; sandbox: string[] }> {
  const { engine } = await testEngine();
  const sandbox = await tempDir('lifeboat-sandbox-');
  const archive = join(sandbox, options?.format === 'tar.gz' ? 'download.tar.gz' : 'download.zip');
  await writeFakeBackup(archive, entries, patch, options);
  let error: unknown;
  try {
    await engine.restore(await engine.resolve(archive), { toDir: join(sandbox, 'target') });
  } catch (e) {
    error = e;
  }
  return { error, sandbox: (await readdir(sandbox)).sort() };
}

const ok: FakeEntry = { name: 'files/docs/a.txt', data: 'fine' };

describe('hostile and broken archives are refused, naming the entry, with nothing written', () => {
  it.each<[string, FakeEntry, string, RegExp]>([
    ['a ../ entry', { name: 'files/docs/../../evil.txt', data: 'x' }, 'ARCHIVE_HOSTILE', /evil\.txt/],
    ['an absolute path', { name: '/etc/cron.d/evil', data: 'x' }, 'ARCHIVE_HOSTILE', /\/etc\/cron\.d\/evil/],
    ['a drive-letter path', { name: 'C:/Windows/evil.txt', data: 'x' }, 'ARCHIVE_HOSTILE', /drive letter|absolute/],
    ['a NUL byte in a name', { name: 'files/docs/a\u0000.txt', data: 'x' }, 'ARCHIVE_HOSTILE', /\\x00|NUL|invalid characters/],
    ['a FIFO', { name: 'files/docs/pipe', mode: 0o010644 }, 'ARCHIVE_HOSTILE', /pipe.*special file/],
    ['a setuid file', { name: 'files/docs/su', data: '#!/bin/sh', mode: 0o104755 }, 'ARCHIVE_HOSTILE', /su.*setuid/],
    ['an encrypted entry', { name: 'files/docs/secret', data: 'xx', encrypted: true }, 'ARCHIVE_HOSTILE', /secret.*encrypted/],
    ['a ZIP entry that inflates past its declared size', { name: 'files/docs/bomb.bin', data: Buffer.alloc(20 * 1024 * 1024), deflate: true, declaredSize: 1000 }, 'ARCHIVE_HOSTILE', /bomb\.bin.*inflates to more than the 1000 bytes/],
  ])('%s', async (_label, entry, code, message) => {
    const { error, sandbox } = await attempt([ok, entry]);
    expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
    expect(sandbox).toEqual(['download.zip']);
  });

  it('a symlink pointing outside, followed by an entry written through it', async () => {
    const { error, sandbox } = await attempt([ok, { name: 'files/docs/link', data: '/etc', mode: 0o120777 }, { name: 'files/docs/link/passwd', data: 'root::0:0' }]);
    expect(error).toMatchObject({ code: 'ARCHIVE_HOSTILE', message: expect.stringContaining('through the symlink "files/docs/link"') });
    expect(sandbox).toEqual(['download.zip']);
  });

  it.each<'zip' | 'tar.gz'>(['zip', 'tar.gz'])('a folder source whose root entry is a symlink to a folder outside (%s)', async (format) => {
    const outside = await tempDir('lifeboat-outside-');
    const { error, sandbox } = await attempt([], undefined, { format, root: { name: 'files/docs', data: outside, mode: 0o120777 } });
    expect(error).toMatchObject({ code: 'ARCHIVE_HOSTILE', message: expect.stringContaining('"files/docs" is a symlink but becomes the restore target of source "docs"') });
    expect(sandbox).toEqual([format === 'zip' ? 'download.zip' : 'download.tar.gz']);
  });

  it('a folder source root symlink never replaces an existing target folder', async () => {
    const { engine } = await testEngine();
    const sandbox = await tempDir('lifeboat-sandbox-');
    const outside = await tempDir('lifeboat-outside-');
    const archive = join(sandbox, 'download.zip');
    await writeFakeBackup(archive, [], undefined, { root: { name: 'files/docs', data: outside, mode: 0o120777 } });
    await mkdir(join(sandbox, 'target'));
    await expect(engine.restore(await engine.resolve(archive), { toDir: join(sandbox, 'target') })).rejects.toMatchObject({ code: 'ARCHIVE_HOSTILE' });
    expect((await lstat(join(sandbox, 'target'))).isDirectory()).toBe(true);
  });

  it('a folder source whose place in the layout is not files/<name>/ (a prefix shared with the whole files/ tree)', async () => {
    const { error } = await attempt([ok], (m) => {
      (m.sources as { prefix: string }[])[0]!.prefix = 'files/';
    });
    expect(error).toMatchObject({ code: 'ARCHIVE_HOSTILE', message: expect.stringContaining('a folder source\'s place is "files/docs/"') });
  });

  it('a database source whose entry is a symlink (the restored database file would be a link)', async () => {
    const { error, sandbox } = await attempt([ok, { name: 'databases/app.sqlite', data: '/etc/passwd', mode: 0o120777 }], (m) => {
      (m.sources as unknown[]).push({ kind: 'sqlite', name: 'app', path: '/srv/app.sqlite', entry: 'databases/app.sqlite', sqliteVersion: '3', journalMode: 'wal', integrityCheck: 'ok', pageSize: 4096, pageCount: 1, tables: [], totalRows: 0 });
      const e = (m.entries as { path: string; source: string }[]).find((x) => x.path === 'databases/app.sqlite');
      if (e) e.source = 'app';
    });
    expect(error).toMatchObject({ code: 'ARCHIVE_HOSTILE', message: expect.stringContaining('"databases/app.sqlite" is a symlink but becomes the restore target of source "app", which must be a regular file') });
    expect(sandbox).toEqual(['download.zip']);
  });

  it('duplicate entries', async () => {
    const { error } = await attempt([ok, { name: 'files/docs/a.txt', data: 'second', unlisted: true }]);
    expect(error).toMatchObject({ code: 'ARCHIVE_HOSTILE', message: expect.stringContaining('"files/docs/a.txt" appears twice') });
  });

  it('names that collide after Unicode normalization or case folding, where the target folds names', async () => {
    process.env.LIFEBOAT_FOLD_NAMES = '1';
    try {
      const nfc = await attempt([ok, { name: 'files/docs/caf\u00e9.txt', data: '1' }, { name: 'files/docs/cafe\u0301.txt', data: '2' }]);
      expect(nfc.error).toMatchObject({ code: 'ARCHIVE_HOSTILE', message: expect.stringContaining('collides with') });
      const cased = await attempt([ok, { name: 'files/docs/Readme.md', data: '1' }, { name: 'files/docs/README.md', data: '2' }]);
      expect(cased.error).toMatchObject({ code: 'ARCHIVE_HOSTILE', message: expect.stringContaining('collides with') });
      const throughFolded = await attempt([ok, { name: 'files/docs/Link', data: '/etc', mode: 0o120777 }, { name: 'files/docs/link/passwd', data: 'x' }]);
      expect(throughFolded.error).toMatchObject({ code: 'ARCHIVE_HOSTILE', message: expect.stringContaining('through the symlink "files/docs/Link"') });
    } finally {
      delete process.env.LIFEBOAT_FOLD_NAMES;
    }
  });

  it.skipIf(process.platform === 'win32' || process.platform === 'darwin')('names that differ only in case are two files on Linux, and both restore', async () => {
    const { error, sandbox } = await attempt([ok, { name: 'files/docs/Readme.md', data: '1' }, { name: 'files/docs/README.md', data: '2' }]);
    expect(error).toBeUndefined();
    expect(sandbox).toEqual(['download.zip', 'target']);
  });

  it('a stream longer than its declared size', async () => {
    const { error, sandbox } = await attempt([ok, { name: 'files/docs/liar.bin', data: Buffer.alloc(5000, 1), declaredSize: 10 }]);
    expect(error).toMatchObject({ code: expect.stringMatching(/ARCHIVE_HOSTILE|ARCHIVE_INVALID/), message: expect.stringContaining('liar.bin') });
    expect(sandbox).toEqual(['download.zip']);
  });

  it('an entry that is not in the manifest', async () => {
    const { error } = await attempt([ok, { name: 'files/docs/extra.sh', data: 'rm -rf /', unlisted: true }]);
    expect(error).toMatchObject({ code: 'ARCHIVE_HOSTILE', message: expect.stringContaining('"files/docs/extra.sh" is in the archive but not in its manifest') });
  });

  it('a manifest entry missing from the archive', async () => {
    const { error } = await attempt([ok], (m) => {
      (m.entries as unknown[]).push({ path: 'files/docs/ghost.txt', kind: 'file', source: 'docs', size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', mode: 420, mtime: '2026-11-01T00:00:00.000Z' });
      (m.totals as { files: number }).files += 1;
    });
    expect(error).toMatchObject({ code: 'ARCHIVE_INCOMPLETE', message: expect.stringContaining('files/docs/ghost.txt') });
  });

  it('a manifest of an unknown future format version', async () => {
    const { error } = await attempt([ok], (m) => {
      m.formatVersion = 99;
    });
    expect(error).toMatchObject({ code: 'ARCHIVE_INVALID', message: expect.stringContaining('formatVersion') });
  });

  it('a bit-flipped entry (checksum mismatch, no catalog record)', async () => {
    const { engine } = await testEngine();
    const sandbox = await tempDir('lifeboat-sandbox-');
    const archive = join(sandbox, 'x.zip');
    await writeFakeBackup(archive, [ok], (m) => {
      const e = (m.entries as { path: string; sha256?: string }[]).find((x) => x.path === 'files/docs/a.txt');
      if (e) e.sha256 = 'f'.repeat(64);
    });
    await expect(engine.restore(await engine.resolve(archive), { toDir: join(sandbox, 'target') })).rejects.toMatchObject({
      code: 'CHECKSUM_MISMATCH',
      message: expect.stringContaining('files/docs/a.txt'),
    });
    expect((await readdir(sandbox)).sort()).toEqual(['x.zip']);
  });

  it('a truncated archive', async () => {
    const { engine } = await testEngine();
    const sandbox = await tempDir('lifeboat-sandbox-');
    const archive = join(sandbox, 'x.zip');
    await writeFakeBackup(archive, [ok]);
    const { truncate } = await import('node:fs/promises');
    await truncate(archive, 100);
    await expect(engine.restore(await engine.resolve(archive), { toDir: join(sandbox, 'target') })).rejects.toMatchObject({ code: 'ARCHIVE_INVALID' });
    expect((await readdir(sandbox)).sort()).toEqual(['x.zip']);
  });
});

describe('hostile tar.gz archives are refused too', () => {
  async function tarAttempt(entries: import('../../../test-support/raw-tar.js').RawTarEntry[]): Promise<{ error: unknown; sandbox: string[] }> {
    const { writeRawTarGz } = await import('../../../test-support/raw-tar.js');
    const { engine } = await testEngine();
    const sandbox = await tempDir('lifeboat-sandbox-');
    const archive = join(sandbox, 'download.tar.gz');
    await writeRawTarGz(archive, [{ name: 'README.txt', data: 'x' }, ...entries]);
    let error: unknown;
    try {
      await engine.import(archive);
    } catch (e) {
      error = e;
    }
    return { error, sandbox: (await readdir(sandbox)).sort() };
  }

  it.each<[string, import('../../../test-support/raw-tar.js').RawTarEntry[], RegExp]>([
    ['a ../ entry', [{ name: 'data/../../escape.txt', data: 'x' }], /escape\.txt.*climbs out/],
    ['an absolute path', [{ name: '/etc/passwd', data: 'x' }], /\/etc\/passwd.*absolute/],
    ['a hardlink', [{ name: 'data/a.txt', data: 'a' }, { name: 'data/hard', type: '1', linkname: '/etc/shadow' }], /data\/hard.*hardlink/],
    ['a character device', [{ name: 'data/null', type: '3' }], /data\/null.*device/],
    ['a FIFO', [{ name: 'data/fifo', type: '6' }], /data\/fifo.*FIFO/],
    ['a symlink followed by an entry written through it', [{ name: 'data/l', type: '2', linkname: '/tmp' }, { name: 'data/l/x.txt', data: 'x' }], /through the symlink "data\/l"/],
  ])('%s', async (_label, entries, message) => {
    const { error, sandbox } = await tarAttempt(entries);
    expect(error).toMatchObject({ code: 'ARCHIVE_HOSTILE', message: expect.stringMatching(message) });
    expect(sandbox).toEqual(['download.tar.gz']);
  });
});
