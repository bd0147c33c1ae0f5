import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ArchiveFormat } from '../../../src-shared/domain/enums.js';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { writeFakeBackup, type FakeEntry } from '../../../test-support/fake-archive.js';
import { writeRawTarGz, type RawTarEntry } from '../../../test-support/raw-tar.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { describeTree, writeTree } from '../../../test-support/tree.js';
import { checkWrittenArchive } from '../jobs/check-written.js';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Digest, eachChunk, readManifest, walkArchive } from './archive-reader.js';

const FORMATS: ArchiveFormat[] = ['zip', 'tar.gz'];

/** A zero-filled file of `size` bytes, written in 1 MiB blocks. */
async function zeros(path: string, size: number): Promise<void> {
  const fh = await open(path, 'w');
  try {
    const block = Buffer.alloc(1024 * 1024);
    for (let at = 0; at < size; at += block.length) await fh.write(block, 0, Math.min(block.length, size - at));
  } finally {
    await fh.close();
  }
}

async function sha256Of(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

describe.each(FORMATS)('what Lifeboat writes, it verifies and restores byte-exact (%s)', (format) => {
  it('names POSIX allows: tab, newline, backslash, control characters, long names', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    const long = `${'long-name-'.repeat(12)}\nend`;
    await writeTree(src, {
      'a\tb': 'tab',
      'new\nline': 'newline',
      'back\\slash': 'backslash',
      '\u0001ctl': 'control',
      'dir\twith tab/inner\u001f.txt': 'nested',
      [`deep/${long}`]: 'a name past ustar\'s 100 bytes, with a newline',
      'C:not-a-drive': 'a colon is a normal character',
      'caf\u00e9 \u{1f600}.txt': 'utf-8',
    });
    const backup = await engine.backup(request(out, [folder(src)], { format }));
    expect(backup.verifiedAt).not.toBeNull();
    const report = await engine.verify(await engine.resolve(backup.id));
    expect(report.problems).toEqual([]);
    const target = join(await tempDir(), 'restored');
    await engine.restore(await engine.resolve(backup.id), { toDir: target });
    expect(await describeTree(target)).toEqual(await describeTree(src));
    expect((await readdir(target)).sort()).toEqual((await readdir(src)).sort());
  });

  it('zero-filled files of 2 MiB + 1 and 64 MiB (honest data past any compression ratio)', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await zeros(join(src, 'small.img'), 2 * 1024 * 1024 + 1);
    await zeros(join(src, 'disk.img'), 64 * 1024 * 1024);
    const backup = await engine.backup(request(out, [folder(src)], { format }));
    expect((await engine.verify(await engine.resolve(backup.id))).problems).toEqual([]);
    const target = join(await tempDir(), 'restored');
    await engine.restore(await engine.resolve(backup.id), { toDir: target });
    for (const name of ['small.img', 'disk.img']) expect(await sha256Of(join(target, name))).toBe(await sha256Of(join(src, name)));
  });
});

/** The same generated archive as a tar.gz: entries and bytes copied from the ZIP fixture. */
async function fakeTarFrom(zip: string, tar: string, tweak: (e: RawTarEntry) => RawTarEntry = (e) => e): Promise<void> {
  const entries: RawTarEntry[] = [];
  await walkArchive(zip, 'zip', true, async (info, data) => {
    const chunks: Buffer[] = [];
    if (data && !(data instanceof Digest)) await eachChunk(data, (c) => void chunks.push(c));
    const type = info.kind === 'directory' ? '5' : info.kind === 'symlink' ? '2' : info.kind === 'other' ? '6' : '0';
    entries.push(tweak({ name: info.kind === 'directory' ? `${info.path}/` : info.path, type, mode: info.mode, ...(type === '0' ? { data: Buffer.concat(chunks) } : {}), ...(type === '2' ? { linkname: Buffer.concat(chunks).toString() } : {}) }));
  });
  await writeRawTarGz(tar, entries);
}

const ok: FakeEntry = { name: 'files/docs/a.txt', data: 'fine' };

describe('verify and restore apply one rule set: both refuse, with the same code', () => {
  async function both(archive: string): Promise<{ restoreCode: unknown; verifyCodes: unknown[]; sandbox: string }> {
    const { engine } = await testEngine();
    const sandbox = await tempDir('lifeboat-sandbox-');
    let restoreCode: unknown;
    try {
      await engine.restore(await engine.resolve(archive), { toDir: join(sandbox, 'target') });
    } catch (e) {
      restoreCode = (e as { code?: unknown }).code;
    }
    const report = await engine.verify(await engine.resolve(archive));
    expect(report.ok).toBe(false);
    return { restoreCode, verifyCodes: report.problems.map((p) => p.code), sandbox };
  }

  it.each<[string, FakeEntry[], ((m: Record<string, unknown>) => void)?]>([
    ['a ../ entry', [ok, { name: 'files/docs/../../evil.txt', data: 'x' }]],
    ['an absolute path', [ok, { name: '/etc/cron.d/evil', data: 'x' }]],
    ['a NUL byte in a name', [ok, { name: 'files/docs/a\u0000.txt', data: 'x' }]],
    ['an empty path segment', [ok, { name: 'files/docs//a2.txt', data: 'x' }]],
    ['a drive letter', [ok, { name: 'C:/evil.txt', data: 'x' }]],
    ['a FIFO', [ok, { name: 'files/docs/pipe', mode: 0o010644 }]],
    ['a setuid file', [ok, { name: 'files/docs/su', data: '#!/bin/sh', mode: 0o104755 }]],
    ['an encrypted entry', [ok, { name: 'files/docs/secret', data: 'xx', encrypted: true }]],
    ['an entry written through a symlink', [ok, { name: 'files/docs/link', data: '/etc', mode: 0o120777 }, { name: 'files/docs/link/passwd', data: 'x' }]],
    ['a duplicate entry', [ok, { name: 'files/docs/a.txt', data: 'second', unlisted: true }]],
    ['an entry missing from the manifest', [ok, { name: 'files/docs/extra.sh', data: 'x', unlisted: true }]],
    ['an entry inflating past its declared size', [ok, { name: 'files/docs/bomb.bin', data: Buffer.alloc(4 * 1024 * 1024), deflate: true, declaredSize: 1000 }]],
    ['a manifest entry missing from the archive', [ok], (m) => {
      (m.entries as unknown[]).push({ path: 'files/docs/ghost.txt', kind: 'file', source: 'docs', size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', mode: 420, mtime: '2026-11-01T00:00:00.000Z' });
      (m.totals as { files: number }).files += 1;
    }],
  ])('ZIP: %s', async (_label, entries, patch) => {
    const dir = await tempDir();
    const archive = join(dir, 'x.zip');
    await writeFakeBackup(archive, entries, patch);
    const { restoreCode, verifyCodes, sandbox } = await both(archive);
    expect(restoreCode).toMatch(/^ARCHIVE_/);
    expect(verifyCodes).toContain(restoreCode);
    expect(await readdir(sandbox)).toEqual([]);
  });

  it.each<[string, FakeEntry[], ((e: RawTarEntry) => RawTarEntry)?]>([
    ['a ../ entry', [ok, { name: 'files/docs/../../evil.txt', data: 'x' }]],
    ['an absolute path', [ok, { name: '/etc/cron.d/evil', data: 'x' }]],
    ['a FIFO', [ok, { name: 'files/docs/pipe', mode: 0o010644 }]],
    ['a setuid file', [ok, { name: 'files/docs/su', data: '#!/bin/sh', mode: 0o104755 }]],
    ['an entry written through a symlink', [ok, { name: 'files/docs/link', data: '/etc', mode: 0o120777 }, { name: 'files/docs/link/passwd', data: 'x' }]],
    ['an entry missing from the manifest', [ok, { name: 'files/docs/extra.sh', data: 'x', unlisted: true }]],
    // The tar header declares more than the manifest: the entry would inflate past its declared size.
    ['an entry larger than the manifest declares', [ok, { name: 'files/docs/liar.bin', data: 'x'.repeat(10) }], (e) => (e.name === 'files/docs/liar.bin' ? { ...e, data: Buffer.alloc(5000, 1) } : e)],
  ])('tar.gz: %s', async (_label, entries, tweak) => {
    const dir = await tempDir();
    // The ZIP reader refuses these names itself, so the fixture goes through it disguised.
    const disguise = (n: string): string => n.replaceAll('..', '@@').replace(/^\//, '%');
    const reveal = (n: string): string => n.replaceAll('@@', '..').replace(/^%/, '/');
    await writeFakeBackup(join(dir, 'x.zip'), entries.map((e) => ({ ...e, name: disguise(e.name) })), (m) => {
      for (const e of m.entries as { path: string }[]) e.path = reveal(e.path);
    });
    const archive = join(dir, 'x.tar.gz');
    await fakeTarFrom(join(dir, 'x.zip'), archive, (e) => (tweak ?? ((x: RawTarEntry) => x))({ ...e, name: reveal(e.name) }));
    const { restoreCode, verifyCodes, sandbox } = await both(archive);
    expect(restoreCode).toMatch(/^ARCHIVE_/);
    expect(verifyCodes).toContain(restoreCode);
    expect(await readdir(sandbox)).toEqual([]);
  });
});

describe('tar.gz framing: no entry inflates past its declared size', () => {
  it('5000 bytes behind a header that declares 10 are refused by verify and restore alike', async () => {
    const dir = await tempDir();
    await writeFakeBackup(join(dir, 'x.zip'), [ok, { name: 'files/docs/liar.bin', data: 'x'.repeat(10) }]);
    const archive = join(dir, 'x.tar.gz');
    await fakeTarFrom(join(dir, 'x.zip'), archive);
    // Splice 5000 bytes of data in after the 10-byte entry's padded block.
    const tar = gunzipSync(await readFile(archive));
    const header = tar.indexOf(Buffer.from('files/docs/liar.bin\0'));
    const after = header + 512 + 512;
    await writeFile(archive, gzipSync(Buffer.concat([tar.subarray(0, after), Buffer.alloc(5120, 0x41), tar.subarray(after)])));
    const { engine } = await testEngine();
    const sandbox = await tempDir('lifeboat-sandbox-');
    const restored = engine.restore(await engine.resolve(archive), { toDir: join(sandbox, 'target') });
    await expect(restored).rejects.toMatchObject({ code: 'ARCHIVE_INVALID', message: expect.stringContaining('checksum') });
    const report = await engine.verify(await engine.resolve(archive));
    expect(report.problems.map((p) => p.code)).toContain('ARCHIVE_INVALID');
    expect(await readdir(sandbox)).toEqual([]);
  });
});

describe('a backup whose archive restore would refuse fails instead of completing', () => {
  it('names that fold together where the target folds names (LIFEBOAT_FOLD_NAMES fault switch)', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeTree(src, { 'Readme.md': '1', 'README.md': '2' });
    process.env.LIFEBOAT_FOLD_NAMES = '1';
    try {
      await expect(engine.backup(request(out, [folder(src)]))).rejects.toMatchObject({ code: 'VERIFY_FAILED', message: expect.stringMatching(/would be refused by restore.*collides with/) });
    } finally {
      delete process.env.LIFEBOAT_FOLD_NAMES;
    }
    expect(engine.history({}).rows[0]).toMatchObject({ status: 'FAILED', errorCode: 'VERIFY_FAILED' });
    expect((await readdir(out)).filter((n) => !n.startsWith('.'))).toEqual([]);
  });

  it('the post-write check runs the restore rules on the written archive', async () => {
    const dir = await tempDir();
    const archive = join(dir, 'x.zip');
    await writeFakeBackup(archive, [ok, { name: 'files/docs/su', data: '#!/bin/sh', mode: 0o104755 }]);
    const manifest = await readManifest(archive);
    await expect(checkWrittenArchive(archive, 'zip', manifest)).rejects.toMatchObject({ code: 'VERIFY_FAILED', details: { rule: 'ARCHIVE_HOSTILE' } });
  });
});

const canMount =
  process.getuid?.() === 0 &&
  (() => {
    try {
      execFileSync('mount', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

describe('bomb defence judges declared sizes against free space', () => {
  it.skipIf(!canMount).each(FORMATS)('a restore declaring more than the disk holds is refused with DISK_FULL before anything is written (%s; needs root to mount a tmpfs)', async (format) => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await zeros(join(src, 'disk.img'), 16 * 1024 * 1024);
    const backup = await engine.backup(request(out, [folder(src)], { format }));
    const mnt = await tempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
    try {
      await mkdir(join(mnt, 'data'));
      await expect(engine.restore(await engine.resolve(backup.id), { toDir: join(mnt, 'data', 'target') })).rejects.toMatchObject({
        code: 'DISK_FULL',
        message: expect.stringMatching(new RegExp(`needs 16\\.0 MiB.*${mnt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*free`)),
        details: { needBytes: 16 * 1024 * 1024 },
      });
      expect(await readdir(join(mnt, 'data'))).toEqual([]);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });
});
