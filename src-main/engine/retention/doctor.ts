import { randomUUID } from 'node:crypto';
import { lstat, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ProfilesRepo } from '../catalog/profiles-repo.js';
import type { EngineEnv } from '../engine-env.js';
import { defaultBackupDir } from '../home.js';
import { findClientTools, type ClientTool } from '../sources/client-tools.js';
import { summarize } from '../jobs/manifest-parts.js';
import { readSidecar, sha256File, verifyArchive, type VerifyReport } from '../verify/verify-archive.js';
import type { DecryptionKey } from '../crypto/age-keys.js';
import { isEncryptedPath } from '../crypto/encrypt-archive.js';
import { withPlainTarget } from '../crypto/encrypted-archive.js';
import { EncryptionRepo } from '../crypto/encryption-repo.js';
import type { Manifest } from '../../../src-shared/manifest/schema.js';

/** What `doctor` found (and, with repair, fixed). */
export interface DoctorReport {
  readonly folders: readonly string[];
  /** Archives on disk that the catalog does not know (plain, or encrypted `.age`). */
  readonly orphans: readonly { path: string; encrypted: boolean; registered: string | null; problem: string | null }[];
  /** Catalog rows whose archive is gone. */
  readonly missing: readonly { id: string; path: string }[];
  /** `.partial` files and work folders no running job owns. */
  readonly leftovers: readonly string[];
  readonly repaired: boolean;
  /** The client tools each database source kind needs, found or not, with versions. */
  readonly tools: readonly ClientTool[];
}

// An encrypted archive is an archive too: `.zip.age`, `.tar.gz.age` (its temporaries are `.partial`).
const ARCHIVE = /\.(zip|tar\.gz)(\.age)?$/i;
const LEFTOVER = /(\.partial$|^\.lifeboat-tmp-|^\.lifeboat-probe-)/;

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

interface Checked {
  readonly manifest: Manifest;
  /** The stored file's SHA-256 (the encrypted bytes, for an .age). */
  readonly sha256: string;
  readonly plain: { sha256: string; size: number; mode: 'passphrase' | 'recipients' } | null;
}

function verifiedOrThrow(report: VerifyReport): Manifest {
  if (!report.ok || !report.manifest) throw new Error(`fails verification: ${report.problems[0]?.path}: ${report.problems[0]?.problem}`);
  return report.manifest;
}

/**
 * Verify an orphan before it is registered. An encrypted one is decrypted into the private temp
 * (never beside it) with the key given, and both hashes are kept; without a key it stays listed,
 * with what to run.
 */
async function checkOrphan(env: EngineEnv, path: string, key: DecryptionKey | undefined): Promise<Checked> {
  const sidecar = await readSidecar(path);
  if (!isEncryptedPath(path)) {
    const report = await verifyArchive(path, { sha256: sidecar, source: sidecar ? 'sidecar' : 'none' });
    return { manifest: verifiedOrThrow(report), sha256: report.sha256, plain: null };
  }
  if (!key) throw new Error('encrypted (age): run doctor --repair with --identity FILE or --passphrase-file FILE to register it');
  const sha256 = await sha256File(path);
  if (sidecar && sidecar !== sha256) throw new Error(`SHA-256 ${sha256}, its .sha256 sidecar says ${sidecar}`);
  return withPlainTarget(env, { path, record: null }, key, async (plain) => {
    const report = await verifyArchive(plain.path, { sha256: null, source: 'none' });
    const { size } = await lstat(plain.path);
    return { manifest: verifiedOrThrow(report), sha256, plain: { sha256: report.sha256, size, mode: key.kind === 'passphrase' ? 'passphrase' : 'recipients' } };
  });
}

/**
 * Compare the backup folders with the catalog. With `repair`: verified orphan archives are
 * registered from their manifests (encrypted ones when `key` opens them), rows whose file is gone
 * are marked FAILED (NOT_FOUND), and leftovers of dead jobs are removed.
 */
export async function doctor(env: EngineEnv, repair: boolean, key?: DecryptionKey): Promise<DoctorReport> {
  const rows = env.catalog.backups.allCompleted();
  const folders = new Set<string>([defaultBackupDir(env.home)]);
  for (const p of new ProfilesRepo(env.catalog.db).list()) if (p.spec.destination) folders.add(p.spec.destination);
  for (const r of rows) folders.add(dirname(r.path));
  const known = new Set(rows.map((r) => r.path));
  // Opening the engine already failed RUNNING rows of dead processes: the rest are live jobs.
  const running = env.catalog.backups.query({ status: 'RUNNING', limit: 10_000 }).rows.map((r) => r.id.slice(0, 8));

  const orphans: { path: string; encrypted: boolean; registered: string | null; problem: string | null }[] = [];
  const leftovers: string[] = [];
  for (const dir of folders) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const path = join(dir, name);
      if (LEFTOVER.test(name)) {
        if (!running.some((id) => name.includes(id))) leftovers.push(path);
        continue;
      }
      if (!ARCHIVE.test(name) || known.has(path)) continue;
      orphans.push({ path, encrypted: isEncryptedPath(path), registered: null, problem: null });
    }
  }
  const missing: { id: string; path: string }[] = [];
  for (const r of rows) if (!(await exists(r.path))) missing.push({ id: r.id, path: r.path });

  if (repair) {
    const now = env.now().toISOString();
    for (const o of orphans) {
      try {
        const { manifest, sha256, plain } = await checkOrphan(env, o.path, key);
        const id = env.catalog.backups.get(manifest.backupId) ? randomUUID() : manifest.backupId;
        const { size } = await lstat(o.path);
        const insert = (): void => {
          env.catalog.backups.insertCompleted({
            id,
            fileName: basename(o.path),
            path: o.path,
            format: manifest.format,
            type: manifest.type,
            trigger: manifest.trigger,
            description: manifest.description,
            createdBy: manifest.user,
            host: manifest.host,
            pid: process.pid,
            createdAt: manifest.createdAt,
            profile: manifest.profile,
            searchText: [manifest.description, basename(o.path), manifest.profile ?? '', ...manifest.sources.map((s) => s.name)].join(' '),
            size,
            sha256,
            finishedAt: now,
            summary: summarize(manifest),
            warnings: [],
            verifiedAt: now,
          });
          // The header does not name the public keys, so none are recorded (as for an import).
          if (plain) new EncryptionRepo(env.catalog.db).record({ backupId: id, mode: plain.mode, recipients: [], plainSize: plain.size, plainSha256: plain.sha256 });
        };
        env.catalog.db.transaction(insert)();
        o.registered = id;
      } catch (e) {
        o.problem = (e as Error).message;
      }
    }
    for (const m of missing) env.catalog.backups.markMissing(m.id, now);
    for (const l of leftovers) await rm(l, { recursive: true, force: true });
    env.catalog.audit.append({
      actor: env.actor,
      action: 'doctor.repair',
      target: env.home,
      outcome: 'success',
      details: { registered: orphans.filter((o) => o.registered).map((o) => o.path), missing: missing.map((m) => m.id), removed: leftovers },
    });
  }
  return { folders: [...folders], orphans, missing, leftovers, repaired: repair, tools: await findClientTools() };
}
