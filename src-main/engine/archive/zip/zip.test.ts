import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test-support/temp-dir.js';
import { describeTree, writeTree } from '../../../../test-support/tree.js';
import { writeRawZip } from '../../../../test-support/raw-zip.js';
import { PackPool } from '../../workers/pack-pool.js';
import { SourceOpenError } from '../source-file.js';
import { Digest, ZipReader, type EntryData } from './zip-reader.js';
import { ZipWriter, type ZipWriterOptions } from './zip-writer.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const attrs = { mode: 0o644, mtime: new Date('2026-03-04T05:06:08Z') };

async function bytesOf(data: EntryData | null): Promise<Buffer> {
  if (!data) return Buffer.alloc(0);
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Digest) throw new Error('a digest, not bytes');
  const parts: Buffer[] = [];
  for await (const c of data) parts.push(c);
  return Buffer.concat(parts);
}

/** Every entry as our reader sees it: name → { method, sha256 of the bytes }. */
async function readBack(path: string): Promise<Map<string, { method: number; sha256: string; size: number; mode: number; mtime: Date }>> {
  const zip = await ZipReader.open(path);
  const out = new Map<string, { method: number; sha256: string; size: number; mode: number; mtime: Date }>();
  try {
    await zip.walk(true, async (e, data) => {
      const b = await bytesOf(data);
      out.set(e.name, { method: e.method, sha256: sha(b), size: b.length, mode: (e.externalAttrs >>> 16) & 0o7777, mtime: e.mtime });
    });
  } finally {
    await zip.close();
  }
  return out;
}

/** A source tree with every kind of content the writer treats differently. */
async function sources(dir: string): Promise<Record<string, Buffer>> {
  const text = Buffer.from(Array.from({ length: 60_000 }, (_, i) => `row ${i},${(i * 7) % 1000},some text\n`).join(''));
  const files: Record<string, Buffer> = {
    'small.txt': Buffer.from('hello lifeboat\n'),
    'empty.txt': Buffer.alloc(0),
    'big-text.csv': text, // ~1.6 MB: chunked, compressed in parallel
    'random.bin': randomBytes(700 * 1024), // incompressible: stored
    'photo.jpg': Buffer.from('not really a jpeg, but named like one '.repeat(100)), // stored by name
    'ünïcödé näme.txt': Buffer.from('utf-8 names'),
  };
  await writeTree(dir, files);
  return files;
}

async function writeZip(path: string, dir: string, files: Record<string, Buffer>, options: Partial<ZipWriterOptions> = {}): Promise<Map<string, string>> {
  const w = await ZipWriter.create(path, { level: 6, smallFileMax: 256 * 1024, chunkBytes: 128 * 1024, ...options });
  const hashes = new Map<string, string>();
  await w.addDirectory('files', { mode: 0o755, mtime: attrs.mtime });
  const pending = Object.keys(files).map(async (name) => {
    const size = (await stat(join(dir, name))).size;
    const written = await w.addFile(`files/${name}`, { path: join(dir, name), size }, attrs);
    hashes.set(name, written.sha256);
  });
  await Promise.all(pending);
  await w.addSymlink('files/link', 'small.txt', { mode: 0o777, mtime: attrs.mtime });
  await w.addBuffer('manifest.json', Buffer.from('{"ok":true}'), attrs);
  await w.finish();
  return hashes;
}

describe('the ZIP writer', () => {
  it('writes a standard ZIP that unzip tests, lists and extracts byte-identical (stored, deflated, chunked, empty, UTF-8, symlink)', async () => {
    const dir = await tempDir();
    const src = join(dir, 'src');
    const files = await sources(src);
    const zip = join(dir, 'out.zip');
    const hashes = await writeZip(zip, src, files);
    for (const [name, content] of Object.entries(files)) expect(hashes.get(name)).toBe(sha(content));

    expect(execFileSync('unzip', ['-tq', zip], { encoding: 'utf8' })).toContain('No errors detected');
    const listing = execFileSync('zipinfo', [zip], { encoding: 'utf8' });
    expect(listing).toMatch(/defN.*files\/big-text\.csv/);
    expect(listing).toMatch(/stor.*files\/random\.bin/);
    expect(listing).toMatch(/stor.*files\/photo\.jpg/);
    expect(listing).toMatch(/^l.*files\/link/m);

    const out = join(dir, 'unzipped');
    execFileSync('unzip', ['-q', zip, '-d', out]);
    const tree = await describeTree(join(out, 'files'));
    for (const [name, content] of Object.entries(files)) expect(tree[name]).toBe(sha(content));
    expect(tree.link).toBe('-> small.txt');
    // The extended timestamp field carries the exact second (DOS time alone has 2 s steps).
    expect((await stat(join(out, 'files', 'small.txt'))).mtime.toISOString()).toBe(attrs.mtime.toISOString());
  });

  it('hands small entries to worker threads that hash them, or write them where told, with mode and mtime', async () => {
    const dir = await tempDir();
    const src = join(dir, 'src');
    const files = await sources(src);
    const zip = join(dir, 'out.zip');
    await writeZip(zip, src, files);
    const pool = new PackPool();
    const digests = new Map<string, string>();
    try {
      const r = await ZipReader.open(zip);
      await r.walk(
        true,
        async (e, data) => {
          if (data instanceof Digest) digests.set(e.name, data.sha256);
        },
        { pool, plan: (e) => (e.name === 'files/small.txt' ? { dest: { path: join(dir, 'out', 'small.txt'), mode: 0o640, mtime: attrs.mtime.getTime() } } : { dest: null }) },
      );
      await r.close();
    } finally {
      await pool.close();
    }
    for (const [name, content] of Object.entries(files)) expect(digests.get(`files/${name}`)).toBe(sha(content));
    const written = await stat(join(dir, 'out', 'small.txt'));
    expect([written.mode & 0o777, written.mtime.toISOString()]).toEqual([0o640, attrs.mtime.toISOString()]);
    expect(await readFile(join(dir, 'out', 'small.txt'), 'utf8')).toBe('hello lifeboat\n');
  });

  it('reads back through its own reader with the same bytes, modes and times', async () => {
    const dir = await tempDir();
    const src = join(dir, 'src');
    const files = await sources(src);
    const zip = join(dir, 'out.zip');
    await writeZip(zip, src, files);
    const back = await readBack(zip);
    for (const [name, content] of Object.entries(files)) {
      expect(back.get(`files/${name}`)).toMatchObject({ sha256: sha(content), size: content.length, mode: 0o644, mtime: attrs.mtime });
    }
    expect(back.get('files/big-text.csv')?.method).toBe(8);
    expect(back.get('files/random.bin')?.method).toBe(0);
    expect(back.get('files/link')?.sha256).toBe(sha(Buffer.from('small.txt')));
  });

  it('uses ZIP64 records where sizes and offsets pass the limit, and unzip accepts them', async () => {
    const dir = await tempDir();
    const src = join(dir, 'src');
    const files = await sources(src);
    const zip = join(dir, 'z64.zip');
    // A threshold of 1 KiB makes every big value a ZIP64 one, so the 4 GiB paths run on small data.
    await writeZip(zip, src, files, { zip64Threshold: 1024 });
    const raw = await readFile(zip);
    expect(raw.indexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBeGreaterThan(0); // ZIP64 end record
    expect(execFileSync('unzip', ['-tq', zip], { encoding: 'utf8' })).toContain('No errors detected');
    const back = await readBack(zip);
    for (const [name, content] of Object.entries(files)) expect(back.get(`files/${name}`)?.sha256).toBe(sha(content));
  });

  it('leaves out a file that cannot be opened (SourceOpenError) and still writes a good archive', async () => {
    const dir = await tempDir();
    const src = join(dir, 'src');
    await writeTree(src, { 'a.txt': 'a', 'b.txt': 'b' });
    const zip = join(dir, 'out.zip');
    const w = await ZipWriter.create(zip, { level: 6 });
    const a = w.addFile('a.txt', { path: join(src, 'a.txt'), size: 1 }, attrs);
    const gone = w.addFile('gone.txt', { path: join(src, 'gone.txt'), size: 5 }, attrs);
    const bigGone = w.addFile('gone.bin', { path: join(src, 'gone.bin'), size: 50 * 1024 * 1024 }, attrs);
    const b = w.addFile('b.txt', { path: join(src, 'b.txt'), size: 1 }, attrs);
    await expect(gone).rejects.toBeInstanceOf(SourceOpenError);
    await expect(bigGone).rejects.toBeInstanceOf(SourceOpenError);
    await Promise.all([a, b]);
    await w.finish();
    expect([...(await readBack(zip)).keys()]).toEqual(['a.txt', 'b.txt']);
    expect(execFileSync('unzip', ['-tq', zip], { encoding: 'utf8' })).toContain('No errors detected');
  });

  it('refuses a path that is not a regular file once opened (fstat), leaving only that entry out', async () => {
    const dir = await tempDir();
    const zip = join(dir, 'out.zip');
    const w = await ZipWriter.create(zip, { level: 6 });
    // A folder opens fine (O_RDONLY) but is not a regular file: nothing of it is read.
    await expect(w.addFile('folder', { path: dir, size: 10 }, attrs)).rejects.toMatchObject({ kind: 'replaced' });
    await expect(w.addFile('big-folder', { path: dir, size: 10 * 1024 * 1024 }, attrs)).rejects.toMatchObject({ kind: 'replaced' });
    await w.addBuffer('ok.txt', Buffer.from('ok'), attrs);
    await w.finish();
    expect((await readBack(zip)).has('ok.txt')).toBe(true);
  });
});

describe('the ZIP reader', () => {
  it('reads archives made by Info-ZIP, including streamed entries with data descriptors', async () => {
    const dir = await tempDir();
    await writeTree(join(dir, 'tree'), { 'a/one.txt': 'one\n', 'a/b/two.txt': 'two '.repeat(5000), 'three.bin': randomBytes(10_000) });
    execFileSync('zip', ['-qr', join(dir, 'tree.zip'), 'tree'], { cwd: dir });
    execFileSync('sh', ['-c', `printf 'from a pipe\\n' | zip -q ${join(dir, 'tree.zip')} -`]); // "-" is written with a data descriptor
    const back = await readBack(join(dir, 'tree.zip'));
    expect(back.get('tree/a/b/two.txt')?.sha256).toBe(sha(Buffer.from('two '.repeat(5000))));
    expect(back.get('-')?.sha256).toBe(sha(Buffer.from('from a pipe\n')));
    expect(back.has('tree/a/')).toBe(true);
  });

  it('refuses entries that overlap (a zip bomb technique), naming the entry', async () => {
    const dir = await tempDir();
    const zip = join(dir, 'overlap.zip');
    await writeRawZip(zip, [
      { name: 'a.txt', data: 'aaaa' },
      { name: 'b.txt', data: 'bbbb' },
    ]);
    // Point b.txt's central record at a.txt's local header.
    const raw = await readFile(zip);
    const cdOffset = raw.readUInt32LE(raw.length - 22 + 16);
    const second = cdOffset + 46 + 'a.txt'.length;
    raw.writeUInt32LE(0, second + 42);
    await writeFile(zip, raw);
    const reader = await ZipReader.open(zip);
    await expect(reader.walk(true, async () => undefined)).rejects.toMatchObject({ code: expect.stringMatching(/ARCHIVE_HOSTILE|ARCHIVE_INVALID/), message: expect.stringMatching(/b\.txt|a\.txt/) });
    await reader.close();
  });

  it('refuses a damaged entry (CRC-32), an entry that inflates past its declared size, and a truncated file', async () => {
    const dir = await tempDir();
    const crcZip = join(dir, 'crc.zip');
    await writeRawZip(crcZip, [{ name: 'x.txt', data: 'hello hello hello', deflate: true }]);
    const raw = await readFile(crcZip);
    const at = 30 + 'x.txt'.length + 2;
    raw.writeUInt8(raw.readUInt8(at) ^ 0x01, at); // flip a bit in the deflate data
    await writeFile(crcZip, raw);
    const r1 = await ZipReader.open(crcZip);
    await expect(r1.walk(true, async () => undefined)).rejects.toMatchObject({ code: 'ARCHIVE_INVALID', message: expect.stringContaining('x.txt') });
    await r1.close();

    const bomb = join(dir, 'bomb.zip');
    await writeRawZip(bomb, [{ name: 'bomb.bin', data: Buffer.alloc(1_000_000), deflate: true, declaredSize: 1000 }]);
    const r2 = await ZipReader.open(bomb);
    await expect(r2.walk(true, async () => undefined)).rejects.toMatchObject({ code: 'ARCHIVE_HOSTILE', message: expect.stringContaining('bomb.bin') });
    await r2.close();

    // The same damage is named the same way when worker threads decode (as restores and verify do).
    const pool = new PackPool();
    try {
      for (const [file, code, name] of [
        [crcZip, 'ARCHIVE_INVALID', 'x.txt'],
        [bomb, 'ARCHIVE_HOSTILE', 'bomb.bin'],
      ] as const) {
        const r = await ZipReader.open(file);
        await expect(r.walk(true, async () => undefined, { pool, plan: () => ({ dest: null }) })).rejects.toMatchObject({ code, message: expect.stringContaining(name) });
        await r.close();
      }
    } finally {
      await pool.close();
    }

    const cut = join(dir, 'cut.zip');
    await writeFile(cut, (await readFile(crcZip)).subarray(0, 40));
    await expect(ZipReader.open(cut)).rejects.toMatchObject({ code: 'ARCHIVE_INVALID', message: expect.stringContaining('end-of-central-directory') });
  });

  it('refuses a local header whose name differs from the central directory', async () => {
    const dir = await tempDir();
    const zip = join(dir, 'names.zip');
    await writeRawZip(zip, [{ name: 'safe.txt', data: 'x' }]);
    const raw = await readFile(zip);
    raw.write('evil', 30, 'latin1'); // the local header now says "evil.txt"
    await writeFile(zip, raw);
    const r = await ZipReader.open(zip);
    await expect(r.walk(true, async () => undefined)).rejects.toMatchObject({ code: 'ARCHIVE_HOSTILE', message: expect.stringContaining('evil.txt') });
    await r.close();
  });
});
