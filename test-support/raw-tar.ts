import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';

/** One entry of a hand-made tar: type '0' file, '1' hardlink, '2' symlink, '3' char device, '5' dir, '6' FIFO, 'x' pax header. */
export interface RawTarEntry {
  readonly name: string;
  readonly type?: '0' | '1' | '2' | '3' | '5' | '6' | 'x';
  readonly data?: string | Buffer;
  readonly linkname?: string;
  readonly mode?: number;
  /** The 12 raw bytes of the mtime field (GNU base-256, overflowing octal...); default 2026-11-01 in octal. */
  readonly mtimeField?: Buffer;
  /** Pax records written in an 'x' header before this entry. */
  readonly pax?: Readonly<Record<string, string>>;
}

function header(e: RawTarEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  const put = (s: string, at: number, len: number): void => void h.write(s.slice(0, len), at, len, 'utf8');
  const octal = (n: number, at: number, len: number): void => put(`${n.toString(8).padStart(len - 1, '0')}\0`, at, len);
  put(e.name, 0, 100);
  octal(e.mode ?? (e.type === '5' ? 0o755 : 0o644), 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  if (e.mtimeField) e.mtimeField.copy(h, 136, 0, 12);
  else octal(Math.floor(Date.UTC(2026, 10, 1) / 1000), 136, 12);
  h.fill(0x20, 148, 156);
  put(e.type ?? '0', 156, 1);
  put(e.linkname ?? '', 157, 100);
  put('ustar\u000000', 257, 8);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

/** Write a tar.gz byte by byte, so tests can build entries no well-behaved packer would write. */
export async function writeRawTarGz(path: string, entries: readonly RawTarEntry[]): Promise<void> {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    if (e.pax) {
      const body = Buffer.from(
        Object.entries(e.pax)
          .map(([k, v]) => {
            const rest = ` ${k}=${v}\n`;
            let len = Buffer.byteLength(rest) + 1;
            while (String(len).length + Buffer.byteLength(rest) !== len) len += 1;
            return `${len}${rest}`;
          })
          .join(''),
      );
      blocks.push(header({ name: 'PaxHeader', type: 'x' }, body.length), body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
    const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data ?? '');
    const size = e.type === undefined || e.type === '0' ? data.length : 0;
    blocks.push(header(e, size));
    if (size > 0) blocks.push(data, Buffer.alloc((512 - (size % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  await writeFile(path, gzipSync(Buffer.concat(blocks)));
}
