import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BackupRecord } from '../../../src-shared/domain/backup.js';
import type { Retention } from '../../../src-shared/domain/profile.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { EngineEnv } from '../engine-env.js';
import { ProfilesRepo } from '../catalog/profiles-repo.js';
import { RestoresRepo } from '../restore/journal.js';
import { destinationError } from '../util/fs-errors.js';
import { HashingStream } from '../util/hashing-stream.js';
import { quickVerify, verifyArchive, writeSidecar } from '../verify/verify-archive.js';
import { isEncryptedPath } from '../crypto/encrypt-archive.js';
import { selectRetention, type RetentionDecision } from './select.js';

/** Retention for safety backups (taken before restores): their own rules, not a profile's. */
export const SAFETY_RETENTION: Retention = { keepLast: 5, keepDays: 30, keepDaily: null, keepWeekly: null, keepMonthly: null };

/** Delete one backup's archive, sidecar and catalog row. Refused while a restore reads it. */
export async function deleteBackup(env: EngineEnv, record: BackupRecord, reason: string): Promise<void> {
  if (new RestoresRepo(env.catalog.db).inUse().includes(record.id)) {
    throw new LifeboatError('PROFILE_BUSY', `Backup ${record.id.slice(0, 8)} is being restored right now; delete it afterwards.`, { id: record.id });
  }
  await rm(record.path, { force: true });
  await rm(`${record.path}.sha256`, { force: true });
  env.catalog.backups.delete(record.id);
  env.catalog.audit.append({ actor: env.actor, action: 'backup.delete', target: record.id, outcome: 'success', details: { file: record.path, sha256: record.sha256, size: record.size, reason } });
}

/** One group of backups under one set of rules. */
export interface CleanupGroup {
  readonly name: string;
  readonly rules: Retention;
  readonly decisions: readonly RetentionDecision[];
}

/**
 * Apply retention to every profile's backups (or one profile's), and the safety backups with
 * their own rules. `override` replaces the stored rules; `dryRun` only reports.
 */
export async function cleanup(env: EngineEnv, opts: { profile?: string; override?: Retention; dryRun: boolean }): Promise<CleanupGroup[]> {
  const profiles = new ProfilesRepo(env.catalog.db);
  const inUse = new Set(new RestoresRepo(env.catalog.db).inUse());
  const now = env.now();
  const groups: CleanupGroup[] = [];
  const chosen = opts.profile ? [profiles.get(opts.profile)] : profiles.list();
  for (const p of chosen) {
    const rules = opts.override ?? p.spec.retention;
    groups.push({ name: p.name, rules, decisions: selectRetention(env.catalog.backups.completedOf(p.name), rules, now, inUse) });
  }
  if (!opts.profile) {
    const rules = opts.override ?? SAFETY_RETENTION;
    groups.push({ name: '(safety backups)', rules, decisions: selectRetention(env.catalog.backups.completedOf(null, 'PRE_RESTORE_SAFETY'), rules, now, inUse) });
  }
  if (!opts.dryRun) {
    for (const g of groups) for (const d of g.decisions) if (!d.keep) await deleteBackup(env, d.backup, `retention (${g.name})`);
    env.catalog.audit.append({
      actor: env.actor,
      action: 'retention.cleanup',
      target: opts.profile ?? '*',
      outcome: 'success',
      details: { deleted: groups.flatMap((g) => g.decisions.filter((d) => !d.keep).map((d) => d.backup.id)) },
    });
  }
  return groups;
}

/**
 * Copy a verified backup elsewhere (off-site storage): verify the original first, stream the copy
 * as `.partial` while hashing it, check the copy's SHA-256, rename, and write a `.sha256` sidecar.
 */
export async function exportBackup(env: EngineEnv, record: BackupRecord, dest: string): Promise<{ path: string; sha256: string; size: number }> {
  // An encrypted archive is exported as it is stored, without its key: its stored bytes are checked against the catalog.
  const report = isEncryptedPath(record.path) ? await quickVerify(record.path, { sha256: record.sha256, source: 'catalog' }) : await verifyArchive(record.path, { sha256: record.sha256, source: 'catalog' });
  if (!report.ok) {
    throw new LifeboatError('VERIFY_FAILED', `Backup ${record.id.slice(0, 8)} fails verification, so it is not exported: ${report.problems[0]?.path}: ${report.problems[0]?.problem}`, {
      problems: report.problems,
    });
  }
  const isDir = await stat(dest).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const target = isDir ? join(resolve(dest), basename(record.path)) : resolve(dest);
  const partial = `${target}.partial`;
  const hash = new HashingStream();
  try {
    await pipeline(createReadStream(record.path), hash, createWriteStream(partial, { flags: 'wx', flush: true }));
  } catch (e) {
    await rm(partial, { force: true });
    throw destinationError(e, partial);
  }
  const sha256 = hash.digest();
  if (sha256 !== record.sha256) {
    await rm(partial, { force: true });
    throw new LifeboatError('CHECKSUM_MISMATCH', `The copy at ${target} does not match the original's SHA-256; nothing was kept.`, { path: target });
  }
  await rename(partial, target);
  await writeSidecar(target, sha256);
  env.catalog.audit.append({ actor: env.actor, action: 'backup.export', target: record.id, outcome: 'success', details: { to: target, sha256 } });
  return { path: target, sha256, size: hash.bytes };
}
