import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { buildZip } from '../../../../test-support/zip-builder.js';
import { PackPool } from '../../workers/pack-pool.js';
import { Digest, ZipReader } from './zip-reader.js';

/**
 * Big entries (past the whole-read limits) handed to the pack workers, which read them from the
 * archive by offset: the same checks as on the main thread (size, CRC-32, bombs), named the same.
 */

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'lifeboat-big-'));
  dirs.push(d);
  return d;
}
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

// Stored: 40 MiB of random bytes (past the 32 MiB whole-read limit). Deflated: 6 MiB of random
// bytes compress to more than 4 MiB (past the compressed whole-read limit).
const STORED = randomBytes(40 * 1024 * 1024);
const DEFLATED = randomBytes(6 * 1024 * 1024);

async function walkAll(zip: string, dest: (name: string) => string | null): Promise<Map<string, Digest>> {
  const pool = new PackPool();
  const got = new Map<string, Digest>();
  const r = await ZipReader.open(zip);
  try {
    await r.walk(
      true,
      async (e, data) => {
        if (data instanceof Digest) got.set(e.name, data);
        else if (data) throw new Error(`${e.name} came to the main thread`);
      },
      { pool, big: true, plan: (e) => ({ dest: dest(e.name) ? { path: dest(e.name)!, mode: 0o640, mtime: Date.UTC(2026, 0, 2) } : null }) },
    );
  } finally {
    await r.close();
    await pool.close();
  }
  return got;
}

describe('big ZIP entries in the pack workers', () => {
  it('hashes and writes big stored and deflated entries, with mode and mtime, next to small ones', async () => {
    const dir = await tempDir();
    const zip = join(dir, 'a.zip');
    await writeFile(zip, buildZip([
      { name: 'small.txt', data: 'hello' },
      { name: 'stored.bin', data: STORED, method: 0 },
      { name: 'deflated.bin', data: DEFLATED, method: 8 },
      { name: 'after.txt', data: 'after the big ones' },
    ]));
    const got = await walkAll(zip, (name) => (name.endsWith('.bin') ? join(dir, 'out', name) : null));
    expect(got.get('stored.bin')?.sha256).toBe(sha(STORED));
    expect(got.get('deflated.bin')?.sha256).toBe(sha(DEFLATED));
    expect(got.get('after.txt')?.sha256).toBe(sha(Buffer.from('after the big ones')));
    expect((await readFile(join(dir, 'out', 'deflated.bin'))).equals(DEFLATED)).toBe(true);
    const st = await stat(join(dir, 'out', 'stored.bin'));
    expect([st.size, st.mode & 0o777, st.mtime.toISOString()]).toEqual([STORED.length, 0o640, '2026-01-02T00:00:00.000Z']);
  });

  it('a flipped byte in a big entry is a CRC-32 mismatch naming the entry', async () => {
    const dir = await tempDir();
    const zip = join(dir, 'flip.zip');
    const bytes = buildZip([{ name: 'stored.bin', data: STORED, method: 0 }]);
    const at = bytes.indexOf(STORED.subarray(1000, 1064)) + 20 * 1024 * 1024;
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    await writeFile(zip, bytes);
    await expect(walkAll(zip, () => null)).rejects.toMatchObject({ code: 'ARCHIVE_INVALID', message: expect.stringMatching(/stored\.bin.*CRC-32/) });
  });

  it('a big entry that inflates past its declared size is refused as hostile, and its target holds no more than declared', async () => {
    const dir = await tempDir();
    const zip = join(dir, 'bomb.zip');
    // 64 MiB of zeros deflate to a few KiB; pad with random bytes past the compressed limit, and
    // declare the size (and CRC) of the first 40 MiB only.
    const zeros = Buffer.alloc(64 * 1024 * 1024);
    const real = Buffer.concat([randomBytes(5 * 1024 * 1024), zeros]);
    const declared = real.subarray(0, 40 * 1024 * 1024);
    const bytes = buildZip([{ name: 'bomb.bin', data: real, method: 8 }]);
    // Patch the declared size and CRC in the local header and the central directory.
    const patched = patchSizes(bytes, real.length, declared.length, crc32(real), crc32(declared));
    await writeFile(zip, patched);
    const target = join(dir, 'out', 'bomb.bin');
    await expect(walkAll(zip, () => target)).rejects.toMatchObject({ code: 'ARCHIVE_HOSTILE', message: expect.stringMatching(/bomb\.bin.*inflates to more than/) });
    expect((await stat(target)).size).toBeLessThanOrEqual(declared.length);
  });
});

/** Replace every (size, crc) field pair written for the entry: sizes as 32-bit little-endian. */
function patchSizes(zip: Buffer, size: number, newSize: number, crc: number, newCrc: number): Buffer {
  const out = Buffer.from(zip);
  const le = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    return b;
  };
  for (const [from, to] of [
    [le(size), le(newSize)],
    [le(crc), le(newCrc)],
  ] as const) {
    for (let i = out.indexOf(from); i >= 0; i = out.indexOf(from, i + 4)) to.copy(out, i);
  }
  return out;
}
