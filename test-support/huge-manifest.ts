import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { crc32, createDeflateRaw, createGzip } from 'node:zlib';

/**
 * Archives whose `manifest.json` is valid JSON padded with `bytes` of spaces: a few hundred KB on
 * disk that inflate to hundreds of MB (the memory-exhaustion shape). The padding is streamed
 * through zlib in 1 MiB chunks, so building one costs the test process no memory.
 */
const CHUNK = Buffer.alloc(1024 * 1024, 0x20);
const JSON_BODY = Buffer.from('{"formatVersion":1}');

/** Push `bytes` of spaces then the JSON body through `sink`, returning the CRC-32 of all of it. */
async function pad(sink: NodeJS.WritableStream, bytes: number): Promise<number> {
  let crc = 0;
  for (let left = bytes; left > 0; left -= CHUNK.length) {
    const part = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
    crc = crc32(part, crc);
    if (!sink.write(part)) await once(sink, 'drain');
  }
  sink.write(JSON_BODY);
  return crc32(JSON_BODY, crc);
}

async function deflated(bytes: number): Promise<{ data: Buffer; crc: number }> {
  const deflate = createDeflateRaw({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (c: Buffer) => parts.push(c));
  const crc = await pad(deflate, bytes);
  deflate.end();
  await once(deflate, 'end');
  return { data: Buffer.concat(parts), crc };
}

/** A ZIP: README.txt, then a deflated manifest.json that inflates to `bytes` + 19 bytes. */
export async function writeHugeManifestZip(path: string, bytes: number): Promise<void> {
  const size = bytes + JSON_BODY.length;
  const { data, crc } = await deflated(bytes);
  const readme = Buffer.from('fixture');
  const entries = [
    { name: Buffer.from('README.txt'), method: 0, crc: crc32(readme), body: readme, size: readme.length },
    { name: Buffer.from('manifest.json'), method: 8, crc, body: data, size },
  ];
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(e.crc, 14);
    local.writeUInt32LE(e.body.length, 18);
    local.writeUInt32LE(e.size, 22);
    local.writeUInt16LE(e.name.length, 26);
    locals.push(local, e.name, e.body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(e.method, 10);
    central.writeUInt32LE(e.crc, 16);
    central.writeUInt32LE(e.body.length, 20);
    central.writeUInt32LE(e.size, 24);
    central.writeUInt16LE(e.name.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, e.name);
    offset += 30 + e.name.length + e.body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  await writeFile(path, Buffer.concat([...locals, cd, end]));
}

function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 8, 'latin1');
  h.write('0000000\0', 108, 8, 'latin1');
  h.write('0000000\0', 116, 8, 'latin1');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 12, 'latin1');
  h.write(`${Math.floor(Date.UTC(2026, 10, 1) / 1000).toString(8).padStart(11, '0')}\0`, 136, 12, 'latin1');
  h.fill(0x20, 148, 156);
  h.write('0', 156, 1, 'latin1');
  h.write('ustar\u000000', 257, 8, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return h;
}

/** A tar.gz: README.txt, then a manifest.json of `bytes` + 19 bytes, gzip-streamed to `path`. */
export async function writeHugeManifestTarGz(path: string, bytes: number): Promise<void> {
  const gzip = createGzip({ level: 9 });
  const out = createWriteStream(path);
  gzip.pipe(out);
  const readme = Buffer.from('fixture');
  gzip.write(Buffer.concat([tarHeader('README.txt', readme.length), readme, Buffer.alloc(512 - readme.length)]));
  const size = bytes + JSON_BODY.length;
  gzip.write(tarHeader('manifest.json', size));
  await pad(gzip, bytes);
  gzip.end(Buffer.concat([Buffer.alloc((512 - (size % 512)) % 512), Buffer.alloc(1024)]));
  await once(out, 'close');
}
