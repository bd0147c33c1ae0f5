import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildZip } from '../../../../test-support/zip-builder.js';
import { PackPool, type StoredAt, type UnpackResult } from '../../workers/pack-pool.js';
import { Digest, ZipReader } from './zip-reader.js';

/**
 * Small entries go to the pack workers in batches. The reader must read far enough ahead that
 * several batches are in flight at once: with one batch at a time, every worker but one idles
 * (measured: a restore of 20k small files kept one worker busy and left the other idle 80% of
 * the time).
 */

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A real pool that records how many batches were waiting on the workers at once. */
class CountingPool extends PackPool {
  inFlight = 0;
  maxInFlight = 0;
  batches = 0;

  override async unpackAt(archive: string, items: readonly StoredAt[]): Promise<UnpackResult[]> {
    this.inFlight += 1;
    this.batches += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await super.unpackAt(archive, items);
    } finally {
      this.inFlight -= 1;
    }
  }
}

const text = (i: number): string => createHash('sha256').update(String(i)).digest('hex').repeat(8);
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('small ZIP entries in worker batches', () => {
  it('keeps several batches in flight across the workers, and every digest still comes back in order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-batches-'));
    dirs.push(dir);
    const zip = join(dir, 'many.zip');
    const count = 2000;
    await writeFile(zip, buildZip(Array.from({ length: count }, (_, i) => ({ name: `d${i % 20}/f${i}.txt`, data: text(i), method: i % 3 === 0 ? 0 : 8 }))));
    const pool = new CountingPool(2);
    const seen: string[] = [];
    const reader = await ZipReader.open(zip);
    try {
      await reader.walk(
        true,
        async (e, data) => {
          if (!(data instanceof Digest)) throw new Error(`${e.name} was not decoded by a worker`);
          const i = Number(/f(\d+)\.txt$/.exec(e.name)?.[1]);
          expect(data.sha256, e.name).toBe(sha(text(i)));
          expect(data.size).toBe(text(i).length);
          seen.push(e.name);
        },
        { pool, plan: () => ({ dest: null }) },
      );
    } finally {
      await reader.close();
      await pool.close();
    }
    expect(seen).toEqual(Array.from({ length: count }, (_, i) => `d${i % 20}/f${i}.txt`));
    // 2000 entries make ~32 batches of 64: both workers get work queued, not one batch at a time.
    expect(pool.batches).toBeGreaterThanOrEqual(count / 64);
    expect(pool.maxInFlight).toBeGreaterThanOrEqual(4);
  });

  it('an archive cut short while the workers read it (a racing writer) fails the pass, naming the entry as damaged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-batches-'));
    dirs.push(dir);
    const zip = join(dir, 'cut.zip');
    await writeFile(zip, buildZip(Array.from({ length: 300 }, (_, i) => ({ name: `f${i}.txt`, data: text(i), method: 8 }))));
    const half = Math.floor((await stat(zip)).size / 2);
    // The headers were checked against the full file; the bytes are gone when the worker reads them.
    class CuttingPool extends PackPool {
      override async unpackAt(archive: string, items: readonly StoredAt[]): Promise<UnpackResult[]> {
        await truncate(archive, half);
        return super.unpackAt(archive, items);
      }
    }
    const pool = new CuttingPool(2);
    const reader = await ZipReader.open(zip);
    try {
      await expect(reader.walk(true, async () => undefined, { pool, plan: () => ({ dest: null }) })).rejects.toMatchObject({
        code: 'ARCHIVE_INVALID',
        message: expect.stringMatching(/entry "f\d+\.txt" is damaged \(the archive ends inside the entry/),
      });
    } finally {
      await reader.close();
      await pool.close();
    }
  });
});
