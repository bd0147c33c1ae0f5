import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { BackupRecord } from '../../../src-shared/domain/backup.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { EngineEnv } from '../engine-env.js';
import { readSidecar, sha256File, verifyArchive, type VerifyReport } from '../verify/verify-archive.js';
import type { DecryptionKey } from './age-keys.js';
import { decryptFile } from './age-stream.js';
import { AGE_SUFFIX, isEncryptedPath } from './encrypt-archive.js';
import { EncryptionRepo } from './encryption-repo.js';
import { makePrivateDir, privateTempPath } from './private-temp.js';

/**
 * The read side of encryption at rest: verify, restore and import work on the plain archive,
 * decrypted as a stream into a private 0700 folder (see private-temp.ts) that is removed as soon
 * as the operation ends; the next start sweeps it if the process was killed.
 */

/** A backup as the readers see it: the archive file and its catalog record. */
export interface ArchiveTarget {
  readonly path: string;
  readonly record: BackupRecord | null;
  /**
   * Set on the decrypted copy handed to the readers: the encrypted file the user chose and the
   * SHA-256 of its stored bytes. Whatever outlives the operation (the restores row, the audit)
   * names this, never `path`, which is a private temporary that is gone when the operation ends.
   */
  readonly stored?: { readonly path: string; readonly sha256: string };
}

function needKey(path: string, key: DecryptionKey | undefined): DecryptionKey {
  // Said for both doors: the app (keys kept in the keychain) and the CLI (key files).
  if (!key) {
    throw new LifeboatError(
      'DECRYPT_KEY_MISSING',
      `${path} is encrypted (age) and no key for it was given or is kept on this computer. The app looks in the keychain (a profile's Encryption settings keep its passphrase or private key); on the command line, give --identity FILE or --passphrase-file FILE.`,
      { path },
    );
  }
  return key;
}

/** The plain SHA-256 the catalog holds for an encrypted backup, if any. */
export function recordedPlainSha256(env: EngineEnv, record: BackupRecord | null): string | null {
  return record ? (new EncryptionRepo(env.catalog.db).get(record.id)?.plainSha256 ?? null) : null;
}

/**
 * Run `fn` on the plain form of `target`: the target itself when it is not encrypted, else a
 * decrypted private copy whose record carries the plain archive's SHA-256 (so the readers' own
 * whole-file check compares like with like). A wrong key is DECRYPT_KEY_WRONG before `fn` runs.
 */
export async function withPlainTarget<T>(env: EngineEnv, target: ArchiveTarget, key: DecryptionKey | undefined, fn: (plain: ArchiveTarget) => Promise<T>): Promise<T> {
  if (!isEncryptedPath(target.path)) return fn(target);
  const k = needKey(target.path, key);
  const dir = privateTempPath(env.home, randomUUID());
  await makePrivateDir(dir);
  try {
    // Same base name without .age, so messages and the restore journal still say which backup it is.
    const plainPath = join(dir, basename(target.path).slice(0, -AGE_SUFFIX.length));
    const plain = await decryptFile(target.path, plainPath, k);
    if (target.record?.sha256 && target.record.sha256 !== plain.storedSha256) {
      throw new LifeboatError('CHECKSUM_MISMATCH', `${target.path} has SHA-256 ${plain.storedSha256}, the catalog says ${target.record.sha256}: the encrypted file changed after it was written.`, { path: target.path });
    }
    const recorded = recordedPlainSha256(env, target.record);
    if (recorded && recorded !== plain.sha256) {
      throw new LifeboatError('CHECKSUM_MISMATCH', `${target.path} decrypts to an archive with SHA-256 ${plain.sha256}, the catalog says ${recorded}.`, { path: target.path });
    }
    const record = target.record ? { ...target.record, path: plainPath, sha256: recorded ?? plain.sha256 } : null;
    return await fn({ path: plainPath, record, stored: { path: target.path, sha256: plain.storedSha256 } });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Full verification of an encrypted archive: the stored bytes against the catalog (or sidecar)
 * SHA-256, the decryption (every chunk authenticated) against the catalog's plain SHA-256, then
 * everything verifyArchive checks inside. The report names the encrypted file and its hash.
 */
export async function verifyEncrypted(env: EngineEnv, target: ArchiveTarget, key: DecryptionKey | undefined, onBytes?: (n: number) => void): Promise<VerifyReport> {
  needKey(target.path, key);
  const sidecar = target.record?.sha256 ? null : await readSidecar(target.path);
  const expected = target.record?.sha256 ?? sidecar;
  const checksumSource = target.record?.sha256 ? ('catalog' as const) : sidecar ? ('sidecar' as const) : ('none' as const);
  const sha256 = await sha256File(target.path);
  const storedProblems =
    expected && expected !== sha256 ? [{ path: basename(target.path), problem: `encrypted archive SHA-256 is ${sha256}, the ${checksumSource} says ${expected}` }] : [];
  const inner = await withPlainTarget(env, target, key, (plain) =>
    verifyArchive(plain.path, { sha256: recordedPlainSha256(env, target.record), source: recordedPlainSha256(env, target.record) ? 'catalog' : 'none' }, onBytes),
  );
  const problems = [...storedProblems, ...inner.problems];
  return { ...inner, path: target.path, sha256, expectedSha256: expected, checksumSource, problems, ok: problems.length === 0 };
}
