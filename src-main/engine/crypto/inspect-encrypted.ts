import { basename, resolve } from 'node:path';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { EngineEnv } from '../engine-env.js';
import { inspectArchive, statIdentity, type ArchiveInspection, type FileIdentity } from '../import/inspect-archive.js';
import { readSidecar, sha256File } from '../verify/verify-archive.js';
import type { DecryptionKey } from './age-keys.js';
import { readAgeHeader, type AgeHeaderFacts } from './age-header.js';
import { withPlainTarget } from './encrypted-archive.js';

/**
 * The drop preview of an encrypted Lifeboat archive (`.zip.age`, `.tar.gz.age`). Without a key it
 * says what the file is and which key it needs (from the age header), and checks the stored bytes
 * against a `.sha256` that came with it. With a key the archive is decrypted into the private temp
 * (never beside it) and inspected like a plain drop, but the identity that the import must find
 * unchanged is the encrypted file's, and so is every hash shown.
 */

/** An inspection of an encrypted archive: the plain inspection's facts, plus what the header says. */
export interface EncryptedInspection extends ArchiveInspection {
  readonly encryption: AgeHeaderFacts & { readonly opened: boolean };
}

function formatOf(path: string): 'zip' | 'tar.gz' {
  return /\.tar\.gz\.age$/i.test(path) ? 'tar.gz' : 'zip';
}

/** The stored bytes against a `.sha256` beside them; `mismatch` is a problem (absent is only unvouched). */
async function storedCheck(path: string, sha256: string): Promise<{ ok: boolean; text: string; mismatch: boolean }> {
  const sidecar = await readSidecar(path);
  const name = basename(path);
  if (!sidecar) return { ok: false, mismatch: false, text: `No ${name}.sha256 came with it: nothing from its origin vouches for the encrypted file as a whole.` };
  return sidecar === sha256
    ? { ok: true, mismatch: false, text: `The encrypted file's SHA-256 matched the ${name}.sha256 that came with it.` }
    : { ok: false, mismatch: true, text: `The encrypted file's SHA-256 (${sha256}) does not match the ${name}.sha256 beside it (${sidecar}).` };
}

/** Inspect an encrypted archive where it lies; `key` opens it (DECRYPT_KEY_WRONG when it does not). */
export async function inspectEncrypted(env: EngineEnv, file: string, key: DecryptionKey | undefined): Promise<EncryptedInspection> {
  const path = resolve(file);
  const before = await statIdentity(path);
  const header = await readAgeHeader(path);
  if (!key) {
    // Only the stored bytes can be checked; the contents wait for the key.
    const sha256 = await sha256File(path);
    const stored = await storedCheck(path, sha256);
    const dup = env.catalog.backups.findBySha256(sha256);
    return {
      identity: { ...before, sha256 },
      fileName: basename(path),
      format: formatOf(path),
      kind: 'lifeboat',
      files: 0,
      manifest: null,
      checks: [{ ok: stored.ok, text: stored.text }, { ok: false, text: 'Encrypted (age): its contents are read and checked once you give the key.' }],
      vouchedBy: 'none',
      duplicateOf: dup ? { id: dup.id, fileName: dup.fileName } : null,
      problems: stored.mismatch ? [stored.text] : [],
      encryption: { ...header, opened: false },
    };
  }
  let storedSha = '';
  const plain = await withPlainTarget(env, { path, record: null }, key, async (t) => {
    storedSha = t.stored?.sha256 ?? '';
    return inspectArchive(env, t.path);
  });
  const identity: FileIdentity = { ...before, sha256: storedSha };
  const after = await statIdentity(path);
  if (after.size !== before.size || after.mtimeMs !== before.mtimeMs || after.ino !== before.ino) {
    throw new LifeboatError('SOURCE_CHANGED', `${path} changed while it was inspected (another program is still writing it). Wait until the download or copy has finished, then drop it again.`, { path });
  }
  const stored = await storedCheck(path, storedSha);
  // The plain inspection's own sidecar line is about the temporary copy (which has none): replaced by the stored file's.
  const checks = [...plain.checks.filter((c) => !c.text.includes('.sha256')), { ok: stored.ok, text: stored.text }, { ok: true, text: 'Decrypted with the key given: every chunk of the encrypted file authenticated.' }];
  const dup = env.catalog.backups.findBySha256(storedSha);
  const problems = stored.mismatch ? [...plain.problems, stored.text] : plain.problems;
  return {
    ...plain,
    identity,
    fileName: basename(path),
    checks,
    vouchedBy: problems.length > 0 ? 'none' : stored.ok ? 'sidecar' : plain.manifest ? 'manifest' : 'none',
    duplicateOf: dup ? { id: dup.id, fileName: dup.fileName } : null,
    problems,
    encryption: { ...header, opened: true },
  };
}
