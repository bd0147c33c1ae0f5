import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { TarArchive, ZipArchive } from 'archiver';
import { describe, expect, it } from 'vitest';
import { folder, request, testEngine } from '../../../../test-support/engine.js';
import { digest, extractZipListing, fileBytes, folderListing, hasUnzip, lifeboatListing, texts, unzipListing } from '../../../../test-support/oracle.js';
import { tempDir } from '../../../../test-support/temp-dir.js';
import { writeTree } from '../../../../test-support/tree.js';
import { zipCorpus } from '../../../../test-support/zip-corpus.js';
import { ZipWriter } from './zip-writer.js';

/** What the archiver-made archives hold: names a real tree has, modes, an empty file, a link. */
const CONTENT: readonly { name: string; data: Buffer; mode: number }[] = [
  { name: 'readme.txt', data: Buffer.from('hello from archiver\n'), mode: 0o644 },
  { name: 'bin/run.sh', data: Buffer.from('#!/bin/sh\necho run\n'), mode: 0o755 },
  { name: 'private/key.pem', data: Buffer.from('-----BEGIN-----\n'), mode: 0o600 },
  { name: 'empty.txt', data: Buffer.alloc(0), mode: 0o644 },
  { name: 'deep/er/still/x.bin', data: randomBytes(300_000), mode: 0o644 },
  { name: 'zeros.bin', data: Buffer.alloc(2 * 1024 * 1024 + 1), mode: 0o644 },
  { name: 'ünïcode 世界.txt', data: Buffer.from('utf-8 name'), mode: 0o644 },
];

async function archiverWrite(path: string, archive: ZipArchive | TarArchive): Promise<void> {
  for (const c of CONTENT) archive.append(c.data, { name: c.name, mode: c.mode });
  archive.append(Buffer.alloc(0), { name: 'made-dir/', mode: 0o750 });
  archive.symlink('link-to-readme', 'readme.txt', 0o777);
  const done = pipeline(archive, createWriteStream(path));
  await archive.finalize();
  await done;
}

describe('archives written by archiver (the design card\'s writer) read the same in Lifeboat', () => {
  it.each([
    ['zip', (): ZipArchive => new ZipArchive({ zlib: { level: 6 } })],
    ['zip64', (): ZipArchive => new ZipArchive({ forceZip64: true })],
    ['tar.gz', (): TarArchive => new TarArchive({ gzip: true })],
  ] as const)('%s: names, bytes, modes and link targets agree', async (kind, make) => {
    const dir = await tempDir();
    const path = join(dir, `made-by-archiver.${kind === 'tar.gz' ? 'tar.gz' : 'zip'}`);
    await archiverWrite(path, make());
    const got = await lifeboatListing(path);
    expect(fileBytes(got)).toEqual(Object.fromEntries(CONTENT.map((c) => [c.name, digest(c.data)]).sort(([a], [b]) => (a! < b! ? -1 : 1))));
    for (const c of CONTENT) expect({ name: c.name, mode: got.modes.get(c.name) }).toEqual({ name: c.name, mode: c.mode });
    expect(got.dirs.has('made-dir')).toBe(true);
    expect(got.modes.get('made-dir')).toBe(0o750);
    expect(Object.fromEntries(got.links)).toEqual({ 'link-to-readme': 'readme.txt' });
  });
});

describe('archives written by Lifeboat extract the same with extract-zip (the design card\'s extractor)', () => {
  it('a real backup (worker-packed small files, chunked big files, folders, a link): names and bytes agree', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeTree(src, {
      'a.txt': 'a',
      'sub/b.txt': 'b'.repeat(10_000),
      'sub/deeper/c.bin': randomBytes(100_000),
      'big/zeros.bin': Buffer.alloc(40 * 1024 * 1024),
      'big/random.bin': randomBytes(9 * 1024 * 1024),
      'empty.txt': '',
      'ünïcode 世界.txt': 'utf-8',
    });
    const backup = await engine.backup(request(out, [folder(src, { name: 'docs' })]));
    const extracted = join(await tempDir(), 'x');
    const oracle = await extractZipListing(backup.path, extracted);
    const original = await folderListing(src);
    const prefixed = Object.fromEntries(Object.entries(fileBytes(original)).map(([k, v]) => [`files/docs/${k}`, v]));
    const oracleFiles = fileBytes(oracle);
    for (const [k, v] of Object.entries(prefixed)) expect({ k, v: oracleFiles[k] === v }).toEqual({ k, v: true });
    // And Lifeboat's own reading of it is extract-zip's reading, file for file.
    expect(fileBytes(await lifeboatListing(backup.path))).toEqual(oracleFiles);
  });

  it('ZipWriter with ZIP64 fields on every entry, folders and a link: extract-zip agrees', async () => {
    const dir = await tempDir();
    const path = join(dir, 'z64.zip');
    const w = await ZipWriter.create(path, { level: 6, zip64Threshold: 1 });
    const attrs = { mode: 0o644, mtime: new Date('2026-01-02T03:04:05Z') };
    await w.addDirectory('d', { mode: 0o755, mtime: attrs.mtime });
    await w.addBuffer('d/one.txt', Buffer.from('one'), attrs);
    await w.addBuffer('d/empty', Buffer.alloc(0), attrs);
    await w.addBuffer('two.bin', randomBytes(70_000), attrs);
    await w.addSymlink('d/link', 'one.txt', { mode: 0o777, mtime: attrs.mtime });
    await w.finish();
    const oracle = await extractZipListing(path, join(dir, 'x'));
    const ours = await lifeboatListing(path);
    expect(fileBytes(oracle)).toEqual(fileBytes(ours));
    expect(Object.fromEntries(oracle.links)).toEqual({ 'd/link': 'one.txt' });
    expect(Object.fromEntries(ours.links)).toEqual({ 'd/link': 'one.txt' });
  });
});

describe('a corpus of foreign ZIPs: Lifeboat reads what extract-zip reads, or refuses saying why', () => {
  const corpus = zipCorpus();
  it.each(corpus.map((m) => [m.name, m] as const))('%s', async (_name, member) => {
    const dir = await tempDir();
    const path = join(dir, member.name);
    await writeFile(path, member.bytes);
    const verdict = member.verdict;
    switch (verdict.kind) {
      case 'agree': {
        const ours = await lifeboatListing(path);
        const oracle = await extractZipListing(path, join(dir, 'x'));
        expect(fileBytes(ours)).toEqual(fileBytes(oracle));
        for (const d of ours.dirs) expect(oracle.dirs.has(d)).toBe(true);
        break;
      }
      case 'expect': {
        const ours = await lifeboatListing(path);
        expect(texts(ours)).toEqual(Object.fromEntries(Object.entries(verdict.files).sort(([a], [b]) => (a < b ? -1 : 1))));
        // The oracle's different reading is the documented reason, not an accident: check it still differs.
        const yauzl = await extractZipListing(path, join(dir, 'x')).then(texts, (e: Error) => e.message);
        expect(yauzl).not.toEqual(texts(ours));
        break;
      }
      case 'refuse':
        await expect(lifeboatListing(path)).rejects.toMatchObject({ code: verdict.code, message: expect.stringMatching(verdict.message) });
        break;
    }
  });

  it.skipIf(!hasUnzip())('where extract-zip reads otherwise by design, Info-ZIP unzip reads what Lifeboat reads (self-extractor)', async () => {
    const member = corpus.find((m) => m.name === 'sfx-unadjusted.zip');
    if (!member || member.verdict.kind !== 'expect') throw new Error('corpus member missing');
    const dir = await tempDir();
    const path = join(dir, member.name);
    await writeFile(path, member.bytes);
    expect(texts(await unzipListing(path, join(dir, 'u')))).toEqual(texts(await lifeboatListing(path)));
  });
});

const hasZip = spawnSync('zip', ['-v'], { stdio: 'ignore' }).status === 0;
const ascii = (name: string): boolean => /^[\x20-\x7e]*$/.test(name);

/**
 * Info-ZIP zip as installed here stores UTF-8 names without the UTF-8 flag (and without a 0x7075
 * field), as macOS does. The truth is the tree that was zipped: Lifeboat must read exactly it.
 * extract-zip (yauzl) decodes such names as CP437 by design, so it is held to the same bytes under
 * the same ASCII names, and to the same bytes under its own spelling of the others.
 */
describe.skipIf(!hasZip)('ZIPs made at test time by Info-ZIP zip: Lifeboat reads the zipped tree; extract-zip agrees', () => {
  it.each([
    ['zip -r (deflate, folder entries, UT/ux extras)', ['-qr']],
    ['zip -0 (stored)', ['-qr0']],
    ['zip -9 -X (no extra fields)', ['-qr9X']],
    ['zip -y (symlinks stored as links)', ['-qry']],
    ['zip -D (no folder entries)', ['-qrD']],
  ])('%s', async (_label, flags) => {
    const dir = await tempDir();
    await writeTree(join(dir, 'tree'), { 'a.txt': 'a', 'sub/b.txt': 'b'.repeat(5000), 'sub/deep/c.bin': randomBytes(20_000), 'empty': '', 'ünï 世界.txt': 'u' });
    await symlink('a.txt', join(dir, 'tree', 'link'));
    const path = join(dir, 'made.zip');
    execFileSync('zip', [...flags, path, 'tree'], { cwd: dir });
    const truth = await folderListing(join(dir, 'tree'));
    const ours = await lifeboatListing(path);
    const oracle = await extractZipListing(path, join(dir, 'x'));
    const follows = flags[0]!.includes('y') ? {} : { 'tree/link': digest(Buffer.from('a')) };
    const truthFiles = Object.fromEntries([...Object.entries(fileBytes(truth))].filter(([k]) => k !== 'link').map(([k, v]) => [`tree/${k}`, v]));
    expect(fileBytes(ours)).toEqual({ ...truthFiles, ...follows });
    expect(Object.fromEntries(ours.links)).toEqual(flags[0]!.includes('y') ? { 'tree/link': 'a.txt' } : {});
    expect(Object.fromEntries(oracle.links)).toEqual(Object.fromEntries(ours.links));
    const oursFiles = fileBytes(ours);
    const oracleFiles = fileBytes(oracle);
    const split = (files: Record<string, string>, wantAscii: boolean): string[] => Object.entries(files).filter(([k]) => ascii(k) === wantAscii).map(([k, v]) => (wantAscii ? `${k} ${v}` : v)).sort();
    expect(split(oracleFiles, true)).toEqual(split(oursFiles, true));
    expect(split(oracleFiles, false)).toEqual(split(oursFiles, false));
  });

  it('zip from a pipe is refused, naming the entry: Info-ZIP stores stdin\'s own mode, a FIFO', async () => {
    const dir = await tempDir();
    const path = join(dir, 'piped.zip');
    execFileSync('sh', ['-c', `head -c 300000 /dev/urandom | zip -q ${JSON.stringify(path)} -`]);
    // extract-zip writes it as a file; Lifeboat never recreates special files and refuses the entry.
    expect(Object.keys(fileBytes(await extractZipListing(path, join(dir, 'x'))))).toEqual(['-']);
    await expect(lifeboatListing(path)).rejects.toMatchObject({ code: 'ARCHIVE_HOSTILE', message: expect.stringContaining('"-" is a device, FIFO') });
  });
});
