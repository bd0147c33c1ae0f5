import { Writable } from 'node:stream';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { faultPoint } from '../util/fault.js';
import { errnoCode } from '../util/fs-errors.js';
import { sha256File } from '../verify/verify-archive.js';
import type { EncryptionKey } from './age-keys.js';
import { decryptInto, encryptFile, type StreamedFile } from './age-stream.js';

/** The suffix of an encrypted archive: `<name>.zip.age`, `<name>.tar.gz.age`. */
export const AGE_SUFFIX = '.age';

/** Whether a path names an age-encrypted archive. */
export function isEncryptedPath(path: string): boolean {
  return path.toLowerCase().endsWith(AGE_SUFFIX);
}

/** A sink that only counts (the plain bytes of a check are hashed on the way and dropped). */
function discard(): Writable {
  return new Writable({ write: (_c, _e, done) => done() });
}

/**
 * The encryption step of a backup: the verified plain archive `plain` (sha256 `plainSha256`, in a
 * private folder) becomes `staged` at the destination, and the bytes on disk are read back and
 * hashed. With a passphrase, the stored file is also decrypted on the fly and must give back the
 * plain archive's hash (recipients cannot be checked this way: their private key is elsewhere).
 *
 * Every failure is thrown, classified: a full disk is DISK_FULL, anything else ENCRYPTION_FAILED,
 * so a backup that cannot be encrypted fails; it never falls back to keeping the plain archive.
 */
export async function encryptArchive(plain: string, plainSha256: string, staged: string, key: EncryptionKey, signal?: AbortSignal): Promise<StreamedFile> {
  try {
    const written = await encryptFile(plain, staged, key, { ...(signal ? { signal } : {}), onFirstChunk: () => faultPoint('backup:encrypting') });
    const onDisk = await sha256File(staged);
    if (onDisk !== written.sha256) {
      throw new LifeboatError('ENCRYPTION_FAILED', `The encrypted archive ${staged} reads back differently from what was written (SHA-256 ${onDisk}, written ${written.sha256}); check the destination disk.`, { path: staged });
    }
    if (key.kind === 'passphrase') {
      const back = await decryptInto(staged, discard(), key, signal);
      if (back.sha256 !== plainSha256) {
        throw new LifeboatError('ENCRYPTION_FAILED', `The encrypted archive ${staged} does not decrypt back to the verified archive; nothing was kept.`, { path: staged });
      }
    }
    return written;
  } catch (e) {
    if (signal?.aborted) throw e;
    if (e instanceof LifeboatError) throw e;
    const code = errnoCode(e);
    const why = e instanceof Error ? e.message : String(e);
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      throw new LifeboatError('DISK_FULL', `The destination disk filled up while the encrypted archive ${staged} was written; nothing was kept, and no unencrypted copy is at the destination.`, { path: staged, errno: code }, { cause: e });
    }
    throw new LifeboatError('ENCRYPTION_FAILED', `Encrypting the archive into ${staged} failed (${why}); nothing was kept, and no unencrypted copy is at the destination.`, { path: staged, ...(code ? { errno: code } : {}) }, { cause: e });
  }
}
