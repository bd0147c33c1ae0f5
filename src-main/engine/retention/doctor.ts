import { randomUUID } from 'node:crypto';
import { lstat, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { readManifest } from '../archive/archive-reader.js';
import { ProfilesRepo } from '../catalog/profiles-repo.js';
import type { EngineEnv } from '../engine-env.js';
import { defaultBackupDir } from '../home.js';
import { findClientTools, type ClientTool } from '../sources/client-tools.js';
import { summarize } from '../jobs/manifest-parts.js';
import { readSidecar, verifyArchive } from '../verify/verify-archive.js';

/** What `doctor` found (and, with repair, fixed). */
export interface DoctorReport {
  readonly folders: readonly string[];
  /** Archives on disk that the catalog does not know. */
  readonly orphans: readonly { path: string; registered: string | null; problem: string | null }[];
  /** Catalog rows whose archive is gone. */
  readonly missing: readonly { id: string; path: string }[];
  /** `.partial` files and work folders no running job owns. */
  readonly leftovers: readonly string[];
  readonly repaired: boolean;
  /** The client tools each database source kind needs, found or not, with versions. */
  readonly tools: readonly ClientTool[];
}

const ARCHIVE = /\.(zip|tar\.gz)$/;
const LEFTOVER = /(\.partial$|^\.lifeboat-tmp-|^\.lifeboat-probe-)/;

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Compare the backup folders with the catalog. With `repair`: verified orphan archives are
 * registered from their manifests, rows whose file is gone are marked FAILED (NOT_FOUND), and
 * leftovers of dead jobs are removed.
 */
export async function doctor(env: EngineEnv, repair: boolean): Promise<DoctorReport> {
  const rows = env.catalog.backups.allCompleted();
  const folders = new Set<string>([defaultBackupDir(env.home)]);
  for (const p of new ProfilesRepo(env.catalog.db).list()) if (p.spec.destination) folders.add(p.spec.destination);
  for (const r of rows) folders.add(dirname(r.path));
  const known = new Set(rows.map((r) => r.path));
  // Opening the engine already failed RUNNING rows of dead processes: the rest are live jobs.
  const running = env.catalog.backups.query({ status: 'RUNNING', limit: 10_000 }).rows.map((r) => r.id.slice(0, 8));

  const orphans: { path: string; registered: string | null; problem: string | null }[] = [];
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
      orphans.push({ path, registered: null, problem: null });
    }
  }
  const missing: { id: string; path: string }[] = [];
  for (const r of rows) if (!(await exists(r.path))) missing.push({ id: r.id, path: r.path });

  if (repair) {
    const now = env.now().toISOString();
    for (const o of orphans) {
      try {
        const manifest = await readManifest(o.path);
        const sidecar = await readSidecar(o.path);
        const report = await verifyArchive(o.path, { sha256: sidecar, source: sidecar ? 'sidecar' : 'none' });
        if (!report.ok) throw new Error(`fails verification: ${report.problems[0]?.path}: ${report.problems[0]?.problem}`);
        const id = env.catalog.backups.get(manifest.backupId) ? randomUUID() : manifest.backupId;
        const { size } = await lstat(o.path);
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
          sha256: report.sha256,
          finishedAt: now,
          summary: summarize(manifest),
          warnings: [],
          verifiedAt: now,
        });
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
