import { extname } from 'node:path';
import { constants, deflateRaw, deflateRawSync, type ZlibOptions } from 'node:zlib';

/**
 * Compression decisions and raw-deflate calls. Async zlib runs on libuv's thread pool, so several
 * entries (or several chunks of one big entry) compress on all cores at once.
 */

/** Formats that are already compressed: deflating them again costs CPU and saves nothing. */
const PRECOMPRESSED = new Set(
  (
    'jpg jpeg png gif webp avif heic heif mp4 m4v mov mkv webm avi mp3 m4a aac ogg oga opus flac ' +
    'zip gz tgz bz2 xz zst lz4 lzma 7z rar jar war apk ipa docx xlsx pptx odt ods odp epub ' +
    'parquet orc avro pdf woff woff2 br dmg iso'
  ).split(' '),
);

/** By name: true when the extension names an already-compressed format. */
export function isPrecompressed(name: string): boolean {
  return PRECOMPRESSED.has(extname(name).slice(1).toLowerCase());
}

/** By content: a quick level-1 deflate of a sample; random-looking bytes do not shrink. */
export function sampleCompresses(sample: Buffer): boolean {
  const probe = sample.subarray(0, 128 * 1024);
  if (probe.length < 512) return true;
  return deflateRawSync(probe, { level: 1 }).length < probe.length * 0.92;
}

function run(data: Buffer, opts: ZlibOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => deflateRaw(data, opts, (e, out) => (e ? reject(e) : resolve(out))));
}

/** One whole entry as a complete raw-deflate stream. */
export function deflateWhole(data: Buffer, level: number): Promise<Buffer> {
  return run(data, { level });
}

/** The window a chunk may refer back into, taken from the chunk before it. */
export const DICTIONARY_BYTES = 32 * 1024;

/**
 * One chunk of a big entry, compressed independently (in parallel with its neighbours) but primed
 * with the previous chunk's tail and ended by a sync flush, so the chunks concatenate into one valid
 * deflate stream (the pigz technique). `FINAL_BLOCK` closes that stream.
 */
export function deflateChunk(data: Buffer, level: number, dictionary: Buffer | undefined): Promise<Buffer> {
  return run(data, { level, finishFlush: constants.Z_SYNC_FLUSH, ...(dictionary ? { dictionary } : {}) });
}

/** An empty final fixed-Huffman block: the end of a chunked deflate stream. */
export const FINAL_BLOCK = Buffer.from([0x03, 0x00]);
