import { access, rm } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { BackupRecord, HistoryPage, HistoryQuery } from '../../src-shared/domain/backup.js';
import type { Retention } from '../../src-shared/domain/profile.js';
import { LifeboatError } from '../../src-shared/errors/lifeboat-error.js';
import type { Manifest } from '../../src-shared/manifest/schema.js';
import { appVersion } from './app-version.js';
import { readManifest } from './archive/archive-reader.js';
import type { AuditLog } from './audit/audit-log.js';
import { Catalog } from './catalog/catalog.js';
import type { InterruptedBackup } from './catalog/backups-repo.js';
import { ProfilesRepo } from './catalog/profiles-repo.js';
import { processAlive, type EngineEnv } from './engine-env.js';
import { runBackup, workDirFor, type BackupRequest, type BackupResult, type RunHooks } from './jobs/backup-job.js';
import { importArchive, type ImportResult } from './import/import-archive.js';
import { doctor, type DoctorReport } from './retention/doctor.js';
import { cleanup, deleteBackup, exportBackup, type CleanupGroup } from './retention/housekeeping.js';
import { runRestore, type RestoreHooks, type RestoreResult } from './restore/restore-job.js';
import { planRestore, type RestorePlan, type RestoreRequest } from './restore/restore-plan.js';
import { sweepStaleVerifyTemps } from './util/temp-sweep.js';
import { recoverRestores, type RecoveredRestore } from './restore/recover.js';
import { quickVerify, readSidecar, verifyArchive, type VerifyReport } from './verify/verify-archive.js';
// Encryption at rest (issue 14)
import type { DecryptionKey } from './crypto/age-keys.js';
import { isEncryptedPath } from './crypto/encrypt-archive.js';
import { verifyEncrypted, withPlainTarget } from './crypto/encrypted-archive.js';
import { importEncrypted } from './crypto/import-encrypted.js';
import { sweepPrivateTemps } from './crypto/private-temp.js';

/** Options for opening an engine. */
export interface OpenOptions {
  readonly home: string;
  readonly actor?: string;
  readonly now?: () => Date;
}

/** A backup found either in the catalog or as an archive file on disk. */
export interface ResolvedTarget {
  readonly path: string;
  readonly record: BackupRecord | null;
  /** Issue 14 (encryption): for a decrypted copy, the stored .age file and its SHA-256 (see crypto/encrypted-archive.ts). */
  readonly stored?: { readonly path: string; readonly sha256: string };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

/**
 * The engine the CLI and the desktop app share: one catalog, the jobs, verification. Opening it
 * recovers from a crash: RUNNING rows of dead processes become FAILED and their files are removed.
 */
export class LifeboatEngine {
  readonly env: EngineEnv;
  readonly profiles: ProfilesRepo;
  readonly recovered: readonly InterruptedBackup[];
  /** Restores found interrupted at start, rolled back or (past their commit) forward. */
  readonly rolledBack: readonly RecoveredRestore[];
  private readonly busyProfiles = new Set<string>();

  private constructor(env: EngineEnv, recovered: InterruptedBackup[], rolledBack: RecoveredRestore[]) {
    this.env = env;
    this.profiles = new ProfilesRepo(env.catalog.db);
    this.recovered = recovered;
    this.rolledBack = rolledBack;
  }

  static async open(opts: OpenOptions): Promise<LifeboatEngine> {
    const home = resolve(opts.home);
    const catalog = Catalog.open(home);
    const env: EngineEnv = { home, catalog, appVersion: appVersion(), actor: opts.actor ?? currentUser(), host: hostname(), now: opts.now ?? (() => new Date()) };
    const dead = catalog.backups.failInterrupted((h, pid) => processAlive(h, pid, env.host, false), env.now().toISOString());
    for (const d of dead) {
      await Promise.all([rm(d.path, { force: true }), rm(`${d.path}.partial`, { force: true }), rm(`${d.path}.sha256`, { force: true })]);
      await rm(workDirFor(dirname(d.path), d.id), { recursive: true, force: true });
      catalog.audit.append({ actor: env.actor, action: 'backup.interrupted', target: d.id, outcome: 'failure', details: { path: d.path, cleaned: true } });
    }
    // A restore killed mid-way (kill -9, power loss) is finished from its journal: back before its commit, forward after.
    const rolledBack = await recoverRestores(env);
    // Verification temp folders of killed processes.
    await sweepStaleVerifyTemps(env.host);
    await sweepPrivateTemps(env.home, env.host);
    return new LifeboatEngine(env, dead, rolledBack);
  }

  /** The restore pre-flight (changes nothing). */
  async planRestore(target: ResolvedTarget, req: RestoreRequest, key?: DecryptionKey): Promise<RestorePlan> {
    return withPlainTarget(this.env, target, key, (plain) => planRestore(this.env, plain, req));
  }

  /** Restore a backup; see runRestore. */
  async restore(target: ResolvedTarget, req: RestoreRequest, hooks: RestoreHooks = {}, key?: DecryptionKey): Promise<RestoreResult> {
    return withPlainTarget(this.env, target, key, (plain) => runRestore(this.env, plain, req, hooks));
  }

  get audit(): AuditLog {
    return this.env.catalog.audit;
  }

  /** Run a backup; only one per profile at a time, across processes too. */
  async backup(req: BackupRequest, hooks: RunHooks = {}): Promise<BackupResult> {
    const profile = req.profile;
    if (profile) {
      const running = this.env.catalog.backups.runningForProfile(profile, (h, pid) => processAlive(h, pid, this.env.host));
      if (this.busyProfiles.has(profile) || running.length > 0) {
        throw new LifeboatError('PROFILE_BUSY', `A backup of profile "${profile}" is already running${running[0] ? ` (${running[0].id.slice(0, 8)}, started ${running[0].createdAt})` : ''}.`, {
          profile,
        });
      }
      this.busyProfiles.add(profile);
    }
    try {
      return await runBackup(this.env, req, hooks);
    } finally {
      if (profile) this.busyProfiles.delete(profile);
    }
  }

  history(q: HistoryQuery): HistoryPage {
    return this.env.catalog.backups.query(q);
  }

  /** `idOrPath` is an existing archive file, else a catalog id or unique id prefix. */
  async resolve(idOrPath: string): Promise<ResolvedTarget> {
    if (await exists(idOrPath)) {
      const path = resolve(idOrPath);
      return { path, record: this.env.catalog.backups.findByPath(path) ?? null };
    }
    const record = this.env.catalog.backups.get(idOrPath);
    if (!record) throw new LifeboatError('NOT_FOUND', `"${idOrPath}" is neither an archive file nor a backup id in the catalog (${this.env.home}).`, { target: idOrPath });
    return { path: record.path, record };
  }

  async manifestOf(target: ResolvedTarget): Promise<Manifest> {
    if (target.record && target.record.status !== 'COMPLETED') {
      throw new LifeboatError('NOT_FOUND', `Backup ${target.record.id.slice(0, 8)} is ${target.record.status}; it has no archive.`, { id: target.record.id });
    }
    if (!(await exists(target.path))) throw new LifeboatError('NOT_FOUND', `The archive ${target.path} is gone from disk.`, { path: target.path });
    return readManifest(target.path);
  }

  /**
   * Verify a backup: by default everything (see verifyArchive). `quick` only re-hashes the whole
   * file against the recorded checksum, which proves the bytes on disk are unchanged but not that
   * they hold a good backup, so it does not mark the backup verified.
   */
  async verify(target: ResolvedTarget, onBytes?: (n: number) => void, options: { quick?: boolean; key?: DecryptionKey } = {}): Promise<VerifyReport> {
    if (!(await exists(target.path))) throw new LifeboatError('NOT_FOUND', `The archive ${target.path} is gone from disk.`, { path: target.path });
    const sidecar = target.record?.sha256 ? null : await readSidecar(target.path);
    const expected = target.record?.sha256
      ? { sha256: target.record.sha256, source: 'catalog' as const }
      : { sha256: sidecar, source: sidecar ? ('sidecar' as const) : ('none' as const) };
    if (options.quick && !expected.sha256) {
      throw new LifeboatError('USAGE', `${target.path} has no recorded checksum (no catalog entry, no .sha256 sidecar) to check quickly against; run a full verify.`, { path: target.path });
    }
    const report = options.quick
      ? await quickVerify(target.path, expected, onBytes)
      : isEncryptedPath(target.path)
        ? await verifyEncrypted(this.env, target, options.key, onBytes)
        : await verifyArchive(target.path, expected, onBytes);
    const at = this.env.now().toISOString();
    if (report.ok && target.record && !options.quick) this.env.catalog.backups.markVerified(target.record.id, at);
    this.audit.append({
      actor: this.env.actor,
      action: 'backup.verify',
      target: target.record?.id ?? target.path,
      outcome: report.ok ? 'success' : 'failure',
      details: { sha256: report.sha256, quick: options.quick === true, problems: report.problems.slice(0, 20) },
    });
    return report;
  }

  /** Import an archive made elsewhere (verified; duplicates reported). */
  async import(file: string, key?: DecryptionKey): Promise<ImportResult> {
    return isEncryptedPath(file) ? importEncrypted(this.env, file, key) : importArchive(this.env, file);
  }

  /** Apply retention; see cleanup(). */
  async cleanup(opts: { profile?: string; override?: Retention; dryRun: boolean }): Promise<CleanupGroup[]> {
    return cleanup(this.env, opts);
  }

  /** Delete one backup (archive, sidecar, catalog row; audited). */
  async delete(record: BackupRecord): Promise<void> {
    return deleteBackup(this.env, record, 'deleted by user');
  }

  /** A verified copy elsewhere, with a .sha256 sidecar. */
  async export(record: BackupRecord, dest: string): Promise<{ path: string; sha256: string; size: number }> {
    return exportBackup(this.env, record, dest);
  }

  /** Compare backup folders with the catalog; optionally repair. */
  async doctor(repair: boolean): Promise<DoctorReport> {
    return doctor(this.env, repair);
  }

  /** A catalog record by id (or unique prefix); NOT_FOUND otherwise. */
  record(idOrPrefix: string): BackupRecord {
    const r = this.env.catalog.backups.get(idOrPrefix);
    if (!r) throw new LifeboatError('NOT_FOUND', `No backup "${idOrPrefix}" in the catalog (${this.env.home}).`, { id: idOrPrefix });
    return r;
  }

  close(): void {
    this.env.catalog.close();
  }
}
