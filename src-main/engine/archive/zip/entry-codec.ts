import { createHash } from 'node:crypto';
import { crc32, createInflateRaw, inflateRaw, inflateRawSync } from 'node:zlib';
import { METHOD_STORE } from './zip-format.js';

/**
 * Decoding one whole ZIP entry: inflate (or take as stored), then check the size and CRC-32 the
 * directory declares. One module, used by the ZIP reader on the main thread and by the pack
 * workers, so both judge an entry by the same rules and name its faults the same way.
 */

/** What the directory says about an entry's bytes. */
export interface EntryClaim {
  readonly method: number;
  readonly size: number;
  readonly crc: number;
}

/**
 * Why an entry's bytes are not what its directory record says: `too-large` inflates past the
 * declared size (a bomb), `damaged` does not inflate, `size` inflates short, `crc` fails CRC-32.
 * `detail` is the inflater's message, or the inflated length for `size`.
 */
export interface EntryFault {
  readonly fault: 'too-large' | 'damaged' | 'size' | 'crc';
  readonly detail: string;
}

/** Entries whose compressed bytes are at most this inflate on the calling thread (cheaper than a hand-off). */
export const SYNC_INFLATE_MAX = 16 * 1024;

function inflateFault(e: unknown): EntryFault {
  return { fault: (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? 'too-large' : 'damaged', detail: (e as Error).message };
}

/** The size and CRC-32 check of decoded bytes: null when they are what the claim says. */
export function checkDecoded(out: Buffer, claim: EntryClaim): EntryFault | null {
  if (out.length !== claim.size) return { fault: 'size', detail: String(out.length) };
  if (crc32(out) !== claim.crc) return { fault: 'crc', detail: '' };
  return null;
}

// Inflating never produces more than the declared size (maxOutputLength): a bomb stops there.
const inflateOptions = (size: number): { maxOutputLength: number; chunkSize: number } => ({
  maxOutputLength: Math.max(size, 1),
  chunkSize: Math.min(Math.max(size, 64 * 1024), 8 * 1024 * 1024),
});

/** Decode a whole entry on this thread and check it. */
export function decodeEntrySync(raw: Buffer, claim: EntryClaim): Buffer | EntryFault {
  let out: Buffer;
  if (claim.method === METHOD_STORE) out = raw;
  else {
    try {
      out = inflateRawSync(raw, inflateOptions(claim.size));
    } catch (e) {
      return inflateFault(e);
    }
  }
  return checkDecoded(out, claim) ?? out;
}

/** Decode a whole entry (inflating on libuv's thread pool unless it is tiny) and check it. */
export async function decodeEntry(raw: Buffer, claim: EntryClaim): Promise<Buffer | EntryFault> {
  if (claim.method === METHOD_STORE || raw.length <= SYNC_INFLATE_MAX) return decodeEntrySync(raw, claim);
  const out = await new Promise<Buffer | EntryFault>((resolve) => inflateRaw(raw, inflateOptions(claim.size), (e, o) => resolve(e ? inflateFault(e) : o)));
  if (!Buffer.isBuffer(out)) return out;
  return checkDecoded(out, claim) ?? out;
}

/** SHA-256 of decoded bytes, as the manifest records it. */
export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Decode a big entry from its stored bytes as they come, checking as it goes: inflating stops
 * with `too-large` as soon as it passes the declared size, and the total and CRC-32 are checked
 * at the end. Each decoded chunk goes to `onChunk` (awaited) before the next is produced. Null
 * when the entry is what its record says.
 */
export async function decodeEntryStream(stored: AsyncIterable<Buffer>, claim: EntryClaim, onChunk: (chunk: Buffer) => Promise<void> | void): Promise<EntryFault | null> {
  let size = 0;
  let crc = 0;
  const take = async (chunk: Buffer): Promise<EntryFault | null> => {
    size += chunk.length;
    if (size > claim.size) return { fault: 'too-large', detail: '' };
    crc = crc32(chunk, crc);
    await onChunk(chunk);
    return null;
  };
  if (claim.method === METHOD_STORE) {
    for await (const chunk of stored) {
      const fault = await take(chunk);
      if (fault) return fault;
    }
  } else {
    const inflater = createInflateRaw({ chunkSize: 256 * 1024 });
    const feeding = (async (): Promise<void> => {
      for await (const chunk of stored) if (!inflater.write(chunk)) await new Promise((resolve) => inflater.once('drain', resolve));
      inflater.end();
    })();
    feeding.catch((e: unknown) => inflater.destroy(e instanceof Error ? e : new Error(String(e))));
    try {
      for await (const chunk of inflater as AsyncIterable<Buffer>) {
        const fault = await take(chunk);
        if (fault) {
          inflater.destroy();
          return fault;
        }
      }
      await feeding;
    } catch (e) {
      return inflateFault(e);
    }
  }
  if (size !== claim.size) return { fault: 'size', detail: String(size) };
  if (crc !== claim.crc) return { fault: 'crc', detail: '' };
  return null;
}
