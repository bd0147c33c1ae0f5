import { extname } from 'node:path';
import { deflateRaw, deflateRawSync } from 'node:zlib';

/** Compression decisions and the raw-deflate pieces the ZIP writer uses outside the pack workers. */

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

/** One whole entry as a complete raw-deflate stream, on the thread pool. */
export function deflateWhole(data: Buffer, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) => deflateRaw(data, { level }, (e, out) => (e ? reject(e) : resolve(out))));
}

/**
 * Big entries are compressed in chunks, in parallel (by the pack workers): each chunk is primed
 * with the previous chunk's last `DICTIONARY_BYTES` and ended by a sync flush, so the chunks
 * concatenate into one valid deflate stream (the pigz technique); `FINAL_BLOCK` closes it.
 */
export const DICTIONARY_BYTES = 32 * 1024;

/** An empty final fixed-Huffman block: the end of a chunked deflate stream. */
export const FINAL_BLOCK = Buffer.from([0x03, 0x00]);
