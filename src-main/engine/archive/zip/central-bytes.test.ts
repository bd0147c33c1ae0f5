import { describe, expect, it } from 'vitest';
import { CentralBytes } from './central-bytes.js';
import { centralHeader, S_IFREG, type CentralRecord } from './zip-format.js';

/** The central directory kept as bytes is the same directory as one encoded at the end. */
describe('CentralBytes', () => {
  const record = (i: number, zip64: boolean): CentralRecord => ({
    name: Buffer.from(`folder-${i % 7}/${'x'.repeat(i % 200)}-${i}.json`),
    method: i % 2 === 0 ? 8 : 0,
    flags: 0x800,
    crc: (i * 2654435761) >>> 0,
    compressedSize: zip64 ? 5_000_000_000 + i : i * 3,
    size: zip64 ? 6_000_000_000 + i : i * 5,
    offset: zip64 ? 7_000_000_000 + i * 100 : i * 100,
    unixMode: S_IFREG | 0o644,
    mtime: new Date(Date.UTC(2026, 0, 1) + i * 1000),
  });

  it('drains, in order and across many 1 MiB blocks, exactly the records centralHeader encodes (ZIP64 ones too)', async () => {
    const central = new CentralBytes(0xffffffff);
    const expected: Buffer[] = [];
    for (let i = 0; i < 20_000; i += 1) {
      const r = record(i, i % 1000 === 0);
      central.add(r);
      expected.push(centralHeader(r));
    }
    const want = Buffer.concat(expected);
    expect(want.length).toBeGreaterThan(3 * 1024 * 1024);
    expect(central.count).toBe(20_000);
    expect(central.size).toBe(want.length);
    const blocks: Buffer[] = [];
    await central.drain((b) => {
      blocks.push(Buffer.from(b));
    });
    expect(blocks.length).toBeGreaterThan(3);
    expect(Buffer.concat(blocks).equals(want)).toBe(true);
  });
});
