import { createReadStream, createWriteStream } from 'node:fs';
import { Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Decrypter, Encrypter } from 'age-encryption';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { errnoCode } from '../util/fs-errors.js';
import { HashingStream } from '../util/hashing-stream.js';
import type { DecryptionKey, EncryptionKey } from './age-keys.js';
import { PassphraseIdentity, PassphraseRecipient } from './scrypt-stanza.js';

/**
 * age encryption and decryption as streams (the library's STREAM chunks of 64 KiB, so memory stays
 * flat whatever the archive size: measured ~40 MB above the process baseline for a 200 MB archive,
 * against ~770 MB when the same library encrypts a whole buffer).
 */

/** Size and SHA-256 of the bytes that went by. */
export interface StreamedFile {
  readonly size: number;
  readonly sha256: string;
}

/** A decryption: the plain bytes written, and the SHA-256 of the stored (encrypted) bytes read. */
export interface DecryptedFile extends StreamedFile {
  readonly storedSha256: string;
}

/*
 * The library's streams are web streams; Node's file streams are not. The casts are needed where
 * this file is compiled with the DOM lib too (the e2e harness), whose ReadableStream type differs
 * from node:stream/web's, and are no-ops under the Node-only config.
 */
function toWeb(r: Readable): ReadableStream<Uint8Array> {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  return Readable.toWeb(r) as unknown as ReadableStream<Uint8Array>;
}

function fromWeb(s: ReadableStream<Uint8Array>): Readable {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  return Readable.fromWeb(s as unknown as Parameters<typeof Readable.fromWeb>[0]);
}

function encrypterFor(key: EncryptionKey): Encrypter {
  const e = new Encrypter();
  if (key.kind === 'passphrase') {
    if (key.passphrase.length === 0) throw new LifeboatError('ENCRYPTION_FAILED', 'The encryption passphrase is empty; the backup was not started.');
    // Not e.setPassphrase: the library's scrypt would block this thread for seconds (scrypt-stanza.ts).
    e.addRecipient(new PassphraseRecipient(key.passphrase));
  } else {
    for (const r of key.recipients) e.addRecipient(r);
  }
  return e;
}

function decrypterFor(key: DecryptionKey): Decrypter {
  const d = new Decrypter();
  if (key.kind === 'passphrase') d.addIdentity(new PassphraseIdentity(key.passphrase));
  else for (const i of key.identities) d.addIdentity(i);
  return d;
}

/** Calls `onFirst` once, after the first chunk passed (a fault point between "started" and "done"). */
function firstChunk(onFirst: () => void): Transform {
  let seen = false;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
      done(null, chunk);
      if (!seen) {
        seen = true;
        onFirst();
      }
    },
  });
}

/**
 * Encrypt `src` into `dest` (created new, 0600, flushed to disk before this resolves) and return
 * the size and SHA-256 of the encrypted bytes. On any failure `dest` may hold a fragment: the
 * caller removes it (it is a `.partial` name).
 */
export async function encryptFile(src: string, dest: string, key: EncryptionKey, hooks: { signal?: AbortSignal; onFirstChunk?: () => void } = {}): Promise<StreamedFile> {
  const encrypter = encrypterFor(key);
  const input = createReadStream(src);
  const cipher = await encrypter.encrypt(toWeb(input)).catch((e: unknown) => {
    input.destroy();
    throw e;
  });
  const hash = new HashingStream();
  const stages: (Readable | Transform | Writable)[] = [fromWeb(cipher), hash];
  if (hooks.onFirstChunk) stages.push(firstChunk(hooks.onFirstChunk));
  stages.push(createWriteStream(dest, { flags: 'wx', mode: 0o600, flush: true }));
  await (pipeline as (...s: unknown[]) => Promise<void>)(...stages, ...(hooks.signal ? [{ signal: hooks.signal }] : []));
  return { size: hash.bytes, sha256: hash.digest() };
}

/** The library says "no identity matched" for a wrong key; everything else is damage or a format problem. */
function decryptError(e: unknown, path: string, key: DecryptionKey): LifeboatError {
  if (e instanceof LifeboatError) return e;
  const code = errnoCode(e);
  if (code === 'ENOENT') return new LifeboatError('NOT_FOUND', `The archive ${path} is gone from disk.`, { path });
  if (code === 'ENOSPC' || code === 'EDQUOT') return new LifeboatError('DISK_FULL', `No room to decrypt ${path} into a temporary file; free space and retry.`, { path });
  const msg = e instanceof Error ? e.message : String(e);
  if (/no identity matched/.test(msg)) {
    const given = key.kind === 'passphrase' ? 'the passphrase given' : `the identity given (${key.identities.length} key${key.identities.length === 1 ? '' : 's'})`;
    return new LifeboatError('DECRYPT_KEY_WRONG', `${path} is encrypted to another key: ${given} does not open it.`, { path, keyKind: key.kind });
  }
  if (/scrypt recipient is not the only one/.test(msg)) return new LifeboatError('ARCHIVE_INVALID', `${path} has a malformed age header (a passphrase stanza beside others).`, { path });
  // A header or chunk that fails its MAC: the bytes changed after they were written.
  return new LifeboatError('CHECKSUM_MISMATCH', `${path} does not decrypt: ${msg}. The encrypted file is damaged or not an age file.`, { path });
}

/** A Lifeboat header is a few hundred bytes; age-header.ts reads 64 KiB of it too. */
const HEADER_LIMIT = 64 * 1024;
const HEADER_END = Buffer.from('\n---');

/**
 * Fails the read when no header end (`\n---`) came within HEADER_LIMIT bytes. The library reads a
 * header line until its newline, buffering without bound (twice: the line and its transcript), so
 * a file with a huge first stanza line (damaged, or made to) would be held whole in memory.
 */
function headerBound(path: string): Transform {
  let seen = Buffer.alloc(0);
  let ended = false;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
      if (!ended) {
        seen = Buffer.concat([seen, chunk.subarray(0, HEADER_LIMIT + HEADER_END.length)]).subarray(0, HEADER_LIMIT + HEADER_END.length);
        if (seen.includes(HEADER_END)) ended = true;
        else if (seen.length > HEADER_LIMIT) {
          done(new LifeboatError('ARCHIVE_INVALID', `${path} ends in .age but its age header runs past ${HEADER_LIMIT / 1024} KiB without ending; it is damaged or not an age file, and was not read further.`, { path }));
          return;
        }
      }
      done(null, chunk);
    },
  });
}

/**
 * Decrypt `src` (an age file) into `sink` and return size and SHA-256 of the plain bytes. Every
 * chunk is authenticated before it is passed on, and the end of the stream is authenticated too,
 * so a truncated or altered file rejects (the caller throws the partial output away).
 */
export async function decryptInto(src: string, sink: Writable, key: DecryptionKey, signal?: AbortSignal): Promise<DecryptedFile> {
  const hash = new HashingStream();
  // The stored bytes are hashed on the same read (the restore row and the checks record the file
  // the user chose, not the plain temporary copy); a read error reaches the decrypter through it.
  const stored = new HashingStream();
  const input = createReadStream(src);
  (pipeline as (...s: unknown[]) => Promise<void>)(input, headerBound(src), stored).catch(() => undefined);
  try {
    const plain = await decrypterFor(key).decrypt(toWeb(stored));
    await (pipeline as (...s: unknown[]) => Promise<void>)(fromWeb(plain), hash, sink, ...(signal ? [{ signal }] : []));
  } catch (e) {
    input.destroy();
    stored.destroy();
    sink.destroy();
    throw decryptError(e, src, key);
  }
  return { size: hash.bytes, sha256: hash.digest(), storedSha256: stored.digest() };
}

/** Decrypt `src` into a new file `dest` (0600), flushed before this resolves. */
export async function decryptFile(src: string, dest: string, key: DecryptionKey, signal?: AbortSignal): Promise<DecryptedFile> {
  return decryptInto(src, createWriteStream(dest, { flags: 'wx', mode: 0o600, flush: true }), key, signal);
}
