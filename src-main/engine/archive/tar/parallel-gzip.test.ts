import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import * as tar from 'tar';
import { afterEach, describe, expect, it } from 'vitest';
import { MEMBER_BYTES, ParallelGzip } from './parallel-gzip.js';
import { TarGzWriter } from './tar-writer.js';

/** Compressible, deterministic text (hex of chained SHA-256s, in lines). */
function seededText(seed: number, n: number): string {
  const parts: string[] = [];
  let h = createHash('sha256').update(String(seed)).digest('hex');
  for (let len = 0; len < n; len += 80) {
    h = createHash('sha256').update(h).digest('hex');
    parts.push(`${len} ${h.slice(0, 16)} row of data\n`.padEnd(80, '.'));
  }
  return parts.join('').slice(0, n);
}

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'lifeboat-pgzip-'));
  dirs.push(d);
  return d;
}

/** Offsets where a gzip member header written by zlib starts (magic, deflate, no flags). */
function memberStarts(gz: Buffer): number[] {
  const starts: number[] = [];
  for (let i = gz.indexOf(Buffer.from([0x1f, 0x8b, 0x08, 0x00])); i >= 0; i = gz.indexOf(Buffer.from([0x1f, 0x8b, 0x08, 0x00]), i + 1)) starts.push(i);
  return starts;
}

async function collect(write: (g: ParallelGzip) => Promise<void>): Promise<Buffer> {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on('data', (c: Buffer) => parts.push(c));
  const g = new ParallelGzip(out, 6);
  await write(g);
  await g.end();
  return Buffer.concat(parts);
}

describe('ParallelGzip (pigz technique: one gzip member per block)', () => {
  it('writes independent members, in order, that any gzip reader reads as one stream', async () => {
    const input = Buffer.from(seededText(1, Math.round(3.5 * MEMBER_BYTES)));
    // Odd-sized writes, so blocks are cut across them.
    const gz = await collect(async (g) => {
      for (let at = 0; at < input.length; at += 77_777) await g.write(input.subarray(at, at + 77_777));
    });
    expect(memberStarts(gz)[0]).toBe(0);
    expect(memberStarts(gz).length).toBeGreaterThanOrEqual(4);
    expect(gunzipSync(gz).equals(input)).toBe(true);
    // gzip(1) too: it tests every member's CRC and length.
    const dir = await tempDir();
    await writeFile(join(dir, 'x.gz'), gz);
    expect(execFileSync('gzip', ['-dc', join(dir, 'x.gz')], { maxBuffer: 1 << 26 }).equals(input)).toBe(true);
  });

  it('an empty input is still a valid gzip file', async () => {
    const gz = await collect(() => Promise.resolve());
    expect(gunzipSync(gz).length).toBe(0);
  });

  it('a failing output fails end(), not silently', async () => {
    const failing = new Writable({ write: (_c, _e, cb) => cb(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' })) });
    failing.on('error', () => undefined);
    const g = new ParallelGzip(failing, 6, 2);
    const written = (async (): Promise<void> => {
      for (let i = 0; i < 6; i += 1) await g.write(Buffer.alloc(MEMBER_BYTES, i));
      await g.end();
    })();
    await expect(written).rejects.toThrow(/no space|write after|destroyed/);
  });
});

describe('TarGzWriter on every core', () => {
  it('writes a multi-member tar.gz that GNU tar and node-tar extract byte-identical', async () => {
    const dir = await tempDir();
    const big = Buffer.from(seededText(7, 5 * MEMBER_BYTES + 123));
    await writeFile(join(dir, 'big.txt'), big);
    const archive = join(dir, 'a.tar.gz');
    const w = new TarGzWriter(archive, 6);
    const attrs = { mode: 0o644, mtime: new Date('2026-01-02T03:04:05Z') };
    await w.addDirectory('data', { ...attrs, mode: 0o755 });
    const written = await w.addFile('data/big.txt', { path: join(dir, 'big.txt'), size: big.length }, attrs);
    await w.addBuffer('data/small.json', Buffer.from('{"a":1}'), attrs);
    const result = await w.finish();
    const gz = await readFile(archive);
    expect(memberStarts(gz).length).toBeGreaterThanOrEqual(5);
    expect(result.sha256).toBe(createHash('sha256').update(gz).digest('hex'));
    expect(written.sha256).toBe(createHash('sha256').update(big).digest('hex'));
    for (const [name, extract] of [
      ['gnu', (to: string): void => void execFileSync('tar', ['-xzf', archive, '-C', to])],
      ['node-tar', (to: string): void => tar.x({ file: archive, cwd: to, sync: true })],
    ] as const) {
      const to = join(dir, name);
      await mkdir(to);
      extract(to);
      expect((await readFile(join(to, 'data', 'big.txt'))).equals(big)).toBe(true);
      expect(await readFile(join(to, 'data', 'small.json'), 'utf8')).toBe('{"a":1}');
    }
  });
});
