import { access, constants, lstat, statfs } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { SourceKind } from '../../../src-shared/domain/enums.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { ARCHIVE_LAYOUT, type Manifest, type ManifestSource } from '../../../src-shared/manifest/schema.js';
import { formatBytes } from '../../../src-shared/domain/format.js';
import { detectFormat, listWithManifest } from '../archive/archive-reader.js';
import { DROP_RATIO } from '../jobs/drop-warnings.js';
import { nearestExisting } from '../util/nearest-existing.js';
import { inspectSqliteInWorker } from '../workers/untrusted-sqlite.js';
import { folderChanges, type FolderChanges } from './target-changes.js';
import { selectedBy, splitOnly, type SelectedPaths } from './selection.js';
import { linksOnTheWay } from './selection-swap.js';
import type { EngineEnv } from '../engine-env.js';
import { processAlive } from '../engine-env.js';
import type { ResolvedTarget } from '../lifeboat-engine.js';
import { resolvePgTool } from '../sources/pg-tools.js';
import { parsePgUrl, redact } from '../sources/postgres-source.js';
import { readSidecar, sha256File } from '../verify/verify-archive.js';
import { assertManifestMatches, assertRoomFor, assertSafeEntries } from './entry-safety.js';
import { redactMysqlUrl } from '../sources/mysql-conn.js';
import { planMysqlTarget } from './mysql-plan.js';
import { connectAdmin, urlWithDatabase } from './pg-admin.js';
import type { PgRestoreOptions } from '../../../src-shared/domain/pg-options.js';

/** What to restore and where. */
export interface RestoreRequest {
  /**
   * Sources to restore (default: all): `NAME` restores a source whole, `NAME:path` or `NAME:glob`
   * only those paths of a folder source (file-level restore; see selection.ts).
   */
  readonly only?: readonly string[];
  readonly toDir?: string;
  readonly toSqlite?: string;
  readonly toPostgres?: string;
  /** A MariaDB / MySQL URL to restore the (one selected) mysql source into. */
  readonly toMysql?: string;
  /** Issue 13: a PostgreSQL server; every selected PostgreSQL source goes to its own database name there (whole-server restores, globals first). */
  readonly toPostgresServer?: string;
  /** Issue 13: pgAdmin-style restore choices for the PostgreSQL targets (clean-and-replace or new database, no owner, sections, jobs). */
  readonly pg?: PgRestoreOptions;
  readonly safetyBackup?: boolean;
  readonly pgRestorePath?: string;
  /** Apply the owners recorded in the manifest (a system restore, as root). Off by default. */
  readonly applyOwners?: boolean;
  /** The user confirmed restoring a backup much smaller than what is at the target now. */
  readonly confirmSmaller?: boolean;
  /** Sources whose target recorded in an archive from elsewhere the user confirmed (see TargetOrigin). */
  readonly useRecorded?: readonly string[];
  /** Which page of changed paths the plan lists per kind (default the first 200). */
  readonly page?: { readonly offset: number; readonly limit: number };
}

/** One source and where it will go. */
export interface PlannedTarget {
  readonly source: string;
  readonly kind: SourceKind;
  /** A path, or a PostgreSQL URL without password. */
  readonly target: string;
  /** Where the target came from (the wizard and the CLI show it). */
  readonly origin: TargetOrigin;
  /** The URL to connect with (may hold a password given on the command line); never shown. */
  readonly connectUrl?: string;
  readonly exists: boolean;
  /** Bytes the restore writes for this source. */
  readonly writeBytes: number;
  /** Bytes currently at the target that will be replaced (null for databases on a server). */
  readonly overwriteBytes: number | null;
  /** For an existing folder target: what the restore deletes, replaces and adds (a page of paths each). */
  readonly changes?: FolderChanges;
  /** For an existing database target: rows there now, and rows in the backup. */
  readonly liveRows?: number | null;
  readonly backupRows?: number;
  /** A file-level restore of a folder source: only these paths are replaced or added. */
  readonly selection?: SelectedPaths;
}

/** The pre-flight's result: nothing has been changed. */
export interface RestorePlan {
  /** The archive read (for an encrypted backup: its decrypted private copy, gone after the restore). */
  readonly archive: string;
  /** Issue 14: an encrypted backup's stored .age file and its SHA-256: what is shown and recorded. */
  readonly stored?: { readonly path: string; readonly sha256: string };
  readonly format: 'zip' | 'tar.gz';
  readonly sha256: string;
  readonly checksumSource: 'catalog' | 'sidecar' | 'none';
  readonly backupId: string | null;
  readonly manifest: Manifest;
  readonly targets: readonly PlannedTarget[];
  readonly problems: readonly string[];
  /** The backup is much smaller than what it replaces: the restore needs `confirmSmaller`. */
  readonly smaller: readonly string[];
  readonly checksumOk: boolean;
}

function sourceBytes(m: Manifest, s: ManifestSource): number {
  if (s.kind === 'folder') return s.bytes;
  return m.entries.find((e) => e.path === s.entry)?.size ?? 0;
}

/**
 * Where a target came from: `chosen` by the user (--to-*), from this machine's own `catalog`
 * backup, or `recorded` in an archive that did not come from this machine's catalog (imported,
 * dropped, another host), which is never used without the user's confirmation.
 */
export type TargetOrigin = 'chosen' | 'catalog' | 'recorded';

/** Text for each origin, shared by the CLI and the problems below. */
export const ORIGIN_TEXT: Readonly<Record<TargetOrigin, string>> = {
  chosen: 'chosen by you',
  catalog: "this machine's backup",
  recorded: 'recorded in the archive',
};

/** An archive restores to its recorded targets only if this machine made it and its catalog says so. */
function fromThisCatalog(env: EngineEnv, resolved: ResolvedTarget, m: Manifest): boolean {
  const r = resolved.record;
  return r !== null && r.trigger !== 'IMPORTED' && r.host === env.host && m.host === env.host && r.id === m.backupId;
}

/** A recorded target is only ever an absolute path (or a PostgreSQL URL); anything else is refused outright. */
function recordedTargetProblem(s: ManifestSource): string | null {
  if (s.kind === 'postgres' || s.kind === 'mysql') return null;
  return isAbsolute(s.path) && resolve(s.path) === s.path.replace(/\/+$/, '') ? null : `the archive records "${s.path}" as ${s.name}'s place, which is not an absolute, normalized path; give --to-${s.kind === 'folder' ? 'dir' : 'sqlite'}`;
}

function chooseTargets(m: Manifest, req: RestoreRequest, trusted: boolean): { source: ManifestSource; target: string; connectUrl?: string; origin: TargetOrigin }[] {
  const names = new Set(m.sources.map((s) => s.name));
  for (const n of req.only ?? []) {
    if (!names.has(n)) throw new LifeboatError('USAGE', `--only ${n}: the backup has no source of that name. It has: ${[...names].join(', ')}.`);
  }
  const chosen = m.sources.filter((s) => !req.only?.length || req.only.includes(s.name));
  const count = (k: SourceKind): number => chosen.filter((s) => s.kind === k).length;
  if (req.toSqlite && count('sqlite') !== 1) throw new LifeboatError('USAGE', `--to-sqlite needs exactly one SQLite source; ${count('sqlite')} are selected. Add --only NAME.`);
  if (req.toPostgres && req.toPostgresServer) throw new LifeboatError('USAGE', '--to-postgres and --to-postgres-server exclude each other: one database, or a whole server.');
  if (req.toPostgresServer && count('postgres') === 0) throw new LifeboatError('USAGE', '--to-postgres-server was given, but no PostgreSQL source is selected.');
  if (req.toPostgres && count('postgres') !== 1) throw new LifeboatError('USAGE', `--to-postgres needs exactly one PostgreSQL source; ${count('postgres')} are selected. Add --only NAME.`);
  if (req.toMysql && count('mysql') !== 1) throw new LifeboatError('USAGE', `--to-mysql needs exactly one MariaDB/MySQL source; ${count('mysql')} are selected. Add --only NAME.`);
  if (req.toDir && count('folder') === 0) throw new LifeboatError('USAGE', '--to-dir was given, but no folder source is selected.');
  const recorded: TargetOrigin = trusted ? 'catalog' : 'recorded';
  return chosen.map((s) => {
    switch (s.kind) {
      case 'folder':
        return req.toDir
          ? { source: s, target: count('folder') === 1 ? resolve(req.toDir) : join(resolve(req.toDir), s.name), origin: 'chosen' as const }
          : { source: s, target: s.path, origin: recorded };
      case 'sqlite':
        return req.toSqlite ? { source: s, target: resolve(req.toSqlite), origin: 'chosen' as const } : { source: s, target: s.path, origin: recorded };
      case 'postgres': {
        const url = req.toPostgresServer ? urlWithDatabase(req.toPostgresServer, s.database) : (req.toPostgres ?? s.url);
        return { source: s, target: redact(url), connectUrl: url, origin: req.toPostgres || req.toPostgresServer ? ('chosen' as const) : recorded };
      }
      case 'mysql': {
        const url = req.toMysql ?? s.url;
        return { source: s, target: redactMysqlUrl(url), connectUrl: url, origin: req.toMysql ? ('chosen' as const) : recorded };
      }
    }
  });
}

/**
 * The pre-flight: verify the archive checksum, refuse hostile or inconsistent archives, choose
 * targets, and check disk space, writability, PostgreSQL reachability and pg_restore's version and
 * that no backup of the same profile is running. Changes nothing; reports every problem found.
 */
export async function planRestore(env: EngineEnv, resolved: ResolvedTarget, req: RestoreRequest): Promise<RestorePlan> {
  const archive = resolved.path;
  const format = await detectFormat(archive);
  // The checksum is read alongside the listing; nothing is decided before both are in.
  const hashing = sha256File(archive);
  hashing.catch(() => undefined); // awaited below
  const listed = await listWithManifest(archive, format);
  const entries = listed.entries;
  assertSafeEntries(entries);
  const manifest = await listed.manifest;
  if (!manifest) throw new LifeboatError('ARCHIVE_INVALID', `${archive} holds no ${ARCHIVE_LAYOUT.manifest}; it was not written by Lifeboat. Import it first (lifeboat import, or drop it on the window).`, { path: archive });
  assertManifestMatches(manifest, entries);

  const problems: string[] = [];
  if (req.applyOwners && process.getuid?.() !== 0) problems.push('--apply-owners needs root: only root can give files to other users');
  const expected = resolved.record?.sha256 ?? (await readSidecar(archive));
  const checksumSource = resolved.record?.sha256 ? 'catalog' : expected ? 'sidecar' : 'none';
  const sha256 = await hashing;
  const checksumOk = !expected || expected === sha256;
  if (!checksumOk) problems.push(`archive checksum ${sha256} does not match the ${checksumSource}'s ${expected}: the file is damaged or was altered`);

  const targets: PlannedTarget[] = [];
  // File-level restore: `NAME:path` selections are resolved (and hostile ones refused) first.
  const split = splitOnly(manifest, req.only ?? []);
  const chosenTargets = chooseTargets(manifest, { ...req, only: split.sources }, fromThisCatalog(env, resolved, manifest));
  for (const t of chosenTargets) {
    if (t.origin !== 'recorded') continue;
    const bad = recordedTargetProblem(t.source);
    if (bad) problems.push(`${t.source.name}: ${bad}`);
    else if (!req.useRecorded?.includes(t.source.name)) {
      problems.push(
        `${t.source.name}: this archive did not come from this machine's catalog (imported, dropped or made on ${manifest.host}), so its recorded target ${t.target} is not used unless you confirm it. Choose a target (--to-${t.source.kind === 'folder' ? 'dir' : t.source.kind}) or confirm this one (--use-recorded ${t.source.name})`,
      );
    }
  }
  for (const t of chosenTargets) {
    const selection = split.partial.get(t.source.name);
    const writeBytes = selection ? selection.bytes : sourceBytes(manifest, t.source);
    if (t.source.kind === 'postgres') {
      const url = t.connectUrl ?? '';
      let dbExists = false;
      try {
        const tool = await resolvePgTool('pg_restore', req.pgRestorePath ?? process.env.LIFEBOAT_PG_RESTORE);
        const dumpMajor = Number(t.source.pgDumpVersion.split('.')[0]);
        if (tool.major < dumpMajor) problems.push(`pg_restore ${tool.version} (${tool.path}) is older than the pg_dump ${t.source.pgDumpVersion} that made the dump; install a newer client`);
        const admin = await connectAdmin(urlWithDatabase(url, 'postgres'));
        try {
          dbExists = await admin.exists(parsePgUrl(url).database);
        } finally {
          await admin.close();
        }
      } catch (e) {
        problems.push(`${t.source.name}: ${(e as Error).message}`);
      }
      if (dbExists && req.pg?.mode === 'new') problems.push(`${t.source.name}: database "${parsePgUrl(url).database}" exists on ${t.target}, and the restore was asked to create a new database only; choose another name (--to-postgres) or clean and replace it`);
      const liveRows = dbExists ? await livePgRows(url).catch(() => null) : null;
      targets.push({ source: t.source.name, kind: 'postgres', target: t.target, origin: t.origin, connectUrl: url, exists: dbExists, writeBytes, overwriteBytes: null, liveRows, backupRows: t.source.totalRows });
      continue;
    }
    if (t.source.kind === 'mysql') {
      targets.push(await planMysqlTarget(t.source, t.target, t.origin, t.connectUrl ?? '', writeBytes, problems));
      continue;
    }
    const st = await lstat(t.target).catch(() => undefined);
    if (selection && t.source.kind === 'folder') {
      // Only the selected paths are compared, replaced or added; the target itself is never swapped.
      const changes = st?.isDirectory() ? await folderChanges(manifest, t.source, t.target, req.page ?? { offset: 0, limit: 200 }, { roots: selection.roots, selected: selectedBy(selection) }) : undefined;
      targets.push({ source: t.source.name, kind: 'folder', target: t.target, origin: t.origin, exists: st !== undefined, writeBytes, overwriteBytes: changes?.liveBytes ?? 0, ...(changes ? { changes } : {}), selection });
      if (st && !st.isDirectory()) problems.push(`${t.source.name}: ${t.target} is not a folder; a file-level restore puts the selected paths inside a folder`);
      for (const bad of st?.isDirectory() ? await linksOnTheWay(t.target, selection.roots) : []) {
        problems.push(`${t.source.name}: ${bad} is a link or a file at the target where the backup has a folder; the restore never writes through it. Select ${bad.slice(t.target.length + 1)} itself to replace it, or restore into another folder (--to-dir)`);
      }
      if (changes && changes.mountPoints.length > 0) problems.push(`${t.source.name}: ${changes.mountPoints.map((m) => join(t.target, m)).join(', ')} among the selected paths ${changes.mountPoints.length === 1 ? 'is a mount point' : 'are mount points'}; unmount it, or restore elsewhere (--to-dir)`);
    } else if (st && t.source.kind === 'folder') {
      const changes = await folderChanges(manifest, t.source, t.target, req.page ?? { offset: 0, limit: 200 });
      targets.push({ source: t.source.name, kind: 'folder', target: t.target, origin: t.origin, exists: true, writeBytes, overwriteBytes: changes.liveBytes, changes });
      const mount = await mountPointProblem(t.target);
      if (mount) problems.push(`${t.source.name}: ${mount}`);
      if (changes.mountPoints.length > 0) {
        problems.push(
          `${t.source.name}: ${changes.mountPoints.map((m) => join(t.target, m)).join(', ')} inside ${t.target} ${changes.mountPoints.length === 1 ? 'is a mount point' : 'are mount points'} (another filesystem); a restore replaces the folder it is mounted on. Unmount it first, or restore elsewhere (--to-dir)`,
        );
      }
    } else if (st && t.source.kind === 'sqlite') {
      const liveRows = await inspectSqliteInWorker(t.target, 60_000, true).then((f) => f.totalRows, () => null);
      targets.push({ source: t.source.name, kind: 'sqlite', target: t.target, origin: t.origin, exists: true, writeBytes, overwriteBytes: Number(st.size), liveRows, backupRows: t.source.totalRows });
    } else {
      targets.push({ source: t.source.name, kind: t.source.kind, target: t.target, origin: t.origin, exists: false, writeBytes, overwriteBytes: 0 });
    }
    const overwriteBytes = targets[targets.length - 1]?.overwriteBytes ?? 0;
    const parent = await nearestExisting(selection ? t.target : dirname(t.target)); // a partial restore stages inside its target
    try {
      await access(parent, constants.W_OK);
    } catch (e) {
      problems.push(`${t.source.name}: cannot write in ${parent} (${(e as { code?: string }).code ?? 'error'})`);
      continue;
    }
    const fs = await statfs(parent);
    const free = fs.bavail * fs.bsize;
    // Staging beside the target, plus a copy of a SQLite target kept for rollback.
    const need = writeBytes + (t.source.kind === 'sqlite' ? overwriteBytes : 0);
    await assertRoomFor(parent, need, `Restoring ${t.source.name}`); // DISK_FULL before anything is written
    if (free < need) problems.push(`${t.source.name}: ${parent} has ${free} bytes free, the restore needs ${need}`);
  }
  const homeFs = await statfs(env.home);
  const dbBytes = targets.filter((t) => t.kind !== 'folder').reduce((n, t) => n + t.writeBytes, 0);
  if (homeFs.bavail * homeFs.bsize < dbBytes) problems.push(`${env.home} has too little space to stage ${dbBytes} bytes of database dumps`);

  if (manifest.profile) {
    const running = env.catalog.backups.runningForProfile(manifest.profile, (h, pid) => processAlive(h, pid, env.host));
    if (running.length > 0) problems.push(`a backup of profile "${manifest.profile}" is running (${running[0]?.id.slice(0, 8)}); wait for it to finish`);
  }
  const smaller = targets.flatMap((t) => smallerWarning(manifest, t));
  return { archive, format, sha256, checksumSource, backupId: resolved.record?.id ?? null, manifest, targets, problems, smaller, checksumOk, ...(resolved.stored ? { stored: resolved.stored } : {}) };
}

/** Rows in every table of a live PostgreSQL database (for the "much smaller" warning). */
async function livePgRows(url: string): Promise<number> {
  const admin = await connectAdmin(urlWithDatabase(url, 'postgres'));
  try {
    return (await admin.rowCounts(parsePgUrl(url).database)).reduce((n, t) => n + t.rows, 0);
  } finally {
    await admin.close();
  }
}

/**
 * A folder target that is a mount point cannot be swapped by rename (EBUSY), and its staging folder
 * would sit on another filesystem; say so in the pre-flight instead of failing half way.
 */
async function mountPointProblem(target: string): Promise<string | null> {
  const [self, parent] = await Promise.all([lstat(target), lstat(dirname(target))]);
  if (!self.isDirectory() || self.dev === parent.dev) return null;
  return `${target} is a mount point; Lifeboat restores a folder by swapping it with a staged copy, which a mount point does not allow. Restore into a folder inside it (--to-dir ${join(target, 'restored')}) or unmount it first`;
}

/** Absolute differences below which a smaller backup is not worth a confirmation. */
export const SMALLER_FLOOR = { files: 10, bytes: 1024 * 1024, rows: 100 } as const;

/**
 * A backup much smaller than what it replaces (rows, files or bytes below DROP_RATIO of the live
 * target, or empty over something) is usually the wrong backup or a source that was missing when it
 * was taken; the restore goes ahead only when the user confirms it.
 */
function smallerWarning(manifest: Manifest, t: PlannedTarget): string[] {
  if (!t.exists || t.selection) return [];
  const src = manifest.sources.find((s) => s.name === t.source);
  // Empty over something always counts; otherwise a drop below DROP_RATIO that is also large in
  // absolute terms (a few files or bytes of difference in a tiny tree are not a warning).
  const less = (backup: number, live: number, floor: number): boolean => live > 0 && (backup === 0 || (backup < live * DROP_RATIO && live - backup >= floor));
  if (src?.kind === 'folder' && t.changes) {
    const liveFiles = t.changes.liveFiles;
    if (less(src.files, liveFiles, SMALLER_FLOOR.files) || less(src.bytes, t.changes.liveBytes, SMALLER_FLOOR.bytes)) {
      return [`${t.target}: the backup holds ${src.files} files (${formatBytes(src.bytes)}), the folder has ${liveFiles} files (${formatBytes(t.changes.liveBytes)}) now`];
    }
  }
  if (src && src.kind !== 'folder' && typeof t.liveRows === 'number' && less(src.totalRows, t.liveRows, SMALLER_FLOOR.rows)) {
    return [`${t.target}: the backup holds ${src.totalRows} rows, the database has ${t.liveRows} now`];
  }
  return [];
}

/**
 * Throw the pre-flight's problems as one error (checksum problems are verification failures); a
 * backup much smaller than its target stops the restore unless the request confirms it.
 */
export function assertPlanOk(plan: RestorePlan, req: RestoreRequest = {}): void {
  if (plan.problems.length === 0 && plan.smaller.length > 0 && req.confirmSmaller !== true) {
    throw new LifeboatError(
      'PRECHECK_FAILED',
      `The backup is much smaller than what it would replace; nothing was changed:${plan.smaller.map((p) => `\n  - ${p}`).join('')}\nCheck that this is the backup you mean, then confirm (CLI: --confirm-smaller; app: tick "Restore the smaller backup anyway").`,
      { smaller: plan.smaller },
    );
  }
  if (plan.problems.length === 0) return;
  const list = plan.problems.map((p) => `\n  - ${p}`).join('');
  throw new LifeboatError(plan.checksumOk ? 'PRECHECK_FAILED' : 'CHECKSUM_MISMATCH', `The restore pre-flight found ${plan.problems.length} problem(s); nothing was changed:${list}`, {
    problems: plan.problems,
  });
}
