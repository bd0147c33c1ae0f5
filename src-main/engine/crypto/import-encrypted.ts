import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { EngineEnv } from '../engine-env.js';
import { defaultBackupDir } from '../home.js';
import { copyInto, insertImported, type ImportResult } from '../import/import-archive.js';
import { statIdentity, type FileIdentity } from '../import/inspect-archive.js';
import { readSidecar, sha256File, verifyArchive, writeSidecar } from '../verify/verify-archive.js';
import type { DecryptionKey } from './age-keys.js';
import { withPlainTarget } from './encrypted-archive.js';
import { EncryptionRepo } from './encryption-repo.js';
import { holdPoint } from '../util/fault.js';

/**
 * Import an encrypted Lifeboat archive (`.zip.age` / `.tar.gz.age`): it is decrypted into a private
 * folder and verified like any import, then the *encrypted* file is what is copied into the backup
 * folder and registered (stored and plain SHA-256 both recorded); no plain copy is kept.
 */
export async function importEncrypted(env: EngineEnv, file: string, key: DecryptionKey | undefined, expected?: FileIdentity): Promise<ImportResult> {
  const path = resolve(file);
  const sha256 = await sha256File(path);
  await holdPoint('import:hashed');
  // A drop: only the file that was inspected (and shown) is imported.
  if (expected && (expected.sha256 !== sha256 || (await statIdentity(path)).ino !== expected.ino)) {
    throw new LifeboatError('SOURCE_CHANGED', `${path} changed after it was inspected; nothing was imported. Drop it again to see what it is now.`, { path });
  }
  const dup = env.catalog.backups.findBySha256(sha256);
  if (dup) {
    env.catalog.audit.append({ actor: env.actor, action: 'import.duplicate', target: dup.id, outcome: 'info', details: { file: path, sha256, kind: 'lifeboat' } });
    return { id: dup.id, kind: 'lifeboat', duplicate: true, path: dup.path, sha256, warnings: [] };
  }
  const sidecar = await readSidecar(path);
  if (sidecar && sidecar !== sha256) {
    throw new LifeboatError('CHECKSUM_MISMATCH', `${path} has SHA-256 ${sha256}, its .sha256 sidecar says ${sidecar}; nothing was imported.`, { path });
  }
  const checked = await withPlainTarget(env, { path, record: null }, key, async (plain) => {
    // The bytes decrypted are the bytes hashed above (and, for a drop, inspected): a file rewritten
    // between the two reads is refused, not imported under the first read's checksum.
    if (plain.stored && plain.stored.sha256 !== sha256) {
      throw new LifeboatError('SOURCE_CHANGED', `${path} changed while it was being imported (SHA-256 ${sha256} when first read, ${plain.stored.sha256} when decrypted); nothing was imported. Import it again once nothing writes to it.`, { path });
    }
    const report = await verifyArchive(plain.path, { sha256: null, source: 'none' });
    if (!report.ok || !report.manifest) {
      const first = report.problems[0];
      throw new LifeboatError('VERIFY_FAILED', `${path} decrypts but fails verification, so it was not imported: ${first?.path}: ${first?.problem}`, { problems: report.problems });
    }
    return { manifest: report.manifest, plainSha256: report.sha256, plainSize: (await stat(plain.path)).size };
  });
  const { manifest } = checked;
  const { path: target } = await copyInto(path, defaultBackupDir(env.home), sha256);
  const size = (await stat(target)).size;
  await writeSidecar(target, sha256);
  const k = key as DecryptionKey; // withPlainTarget has required it
  const { id, warnings } = env.catalog.db.transaction(() => {
    const row = insertImported(env, manifest, { path: target, size, sha256 }, Boolean(sidecar));
    // The stanzas do not name the public keys, so an imported recipients archive records none.
    new EncryptionRepo(env.catalog.db).record({ backupId: row.id, mode: k.kind === 'passphrase' ? 'passphrase' : 'recipients', recipients: [], plainSize: checked.plainSize, plainSha256: checked.plainSha256 });
    return row;
  })();
  env.catalog.audit.append({ actor: env.actor, action: 'import.complete', target: id, outcome: 'success', details: { file: path, sha256, plainSha256: checked.plainSha256, kind: 'lifeboat', encrypted: true } });
  return { id, kind: 'lifeboat', duplicate: false, path: target, sha256, warnings };
}
