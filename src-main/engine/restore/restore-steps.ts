import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { link, mkdir, rename, statfs, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatBytes } from '../../../src-shared/domain/format.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { Manifest, ManifestSource } from '../../../src-shared/manifest/schema.js';
import type { EngineEnv } from '../engine-env.js';
import { defaultBackupDir } from '../home.js';
import { runBackup } from '../jobs/backup-job.js';
import type { ProgressTracker } from '../jobs/progress-tracker.js';
import { resolvePgTool } from '../sources/pg-tools.js';
import { parsePgUrl } from '../sources/postgres-source.js';
import { ALL_PAGES } from '../sources/sqlite-source.js';
import { flushTrees, fsyncDir, fsyncFileAndDir } from '../util/durable.js';
import { faultPoint } from '../util/fault.js';
import { addTime } from '../util/phase-times.js';
import { nearestExisting } from '../util/nearest-existing.js';
import { PackPool, type PathFacts } from '../workers/pack-pool.js';
import { inspectSqliteInWorker } from '../workers/untrusted-sqlite.js';
import { verifyAndExtract } from './extract.js';
import { selectedBy, type SelectedPaths } from './selection.js';
import { selectionSafetyRules, swapSelection } from './selection-steps.js';
import { selectionScratch } from './selection-swap.js';
import type { JournalStep, RestoreJournal } from './journal.js';
import { parseMysqlUrl } from '../sources/mysql-conn.js';
import { assertMysqlDump } from './mysql-admin.js';
import { checkMysql, stageMysql, swapMysql } from './mysql-steps.js';
import { urlWithDatabase } from './pg-admin.js';
import type { PgSecrets } from './pg-secrets.js';
import { identity } from './rollback.js';
import { assertCustomDump, pgRestoreInto } from './pg-restore.js';
import { expectedTables, globalsDestinations, restoreChoices, stageGlobals } from './pg-server-restore.js';
import type { PlannedTarget, RestorePlan, RestoreRequest } from './restore-plan.js';

/** Everything the steps of one restore share. */
export interface RestoreRun {
  readonly env: EngineEnv;
  readonly plan: RestorePlan;
  readonly req: RestoreRequest;
  readonly id: string;
  readonly short: string;
  readonly journal: RestoreJournal;
  /** Persist the journal (durably: the catalog runs synchronous=FULL) before the next mutation. */
  readonly save: () => void;
  readonly progress: ProgressTracker;
  readonly warnings: string[];
  /** Source name → staged file or folder. */
  readonly staged: Map<string, string>;
  safetyBackupId: string | null;
  /** Passwords of the journalled PostgreSQL URLs (memory only). */
  readonly secrets: PgSecrets;
}

function sourceOf(manifest: Manifest, name: string): ManifestSource | undefined {
  return manifest.sources.find((s) => s.name === name);
}

function compareRows(what: string, want: readonly { name: string; rows: number }[], got: readonly { name: string; rows: number }[]): string[] {
  return want.flatMap((t) => {
    const g = got.find((x) => x.name === t.name);
    return g && g.rows === t.rows ? [] : [`${what}: table ${t.name} has ${g?.rows ?? 'no'} rows, the manifest says ${t.rows}`];
  });
}

/** Create the targets' parent folders; returns the topmost folder each call created. */
async function mkdirParents(targets: readonly PlannedTarget[]): Promise<string[]> {
  const created: string[] = [];
  for (const t of targets) {
    if (t.kind === 'postgres' || t.kind === 'mysql') continue;
    // A file-level restore stages inside its target folder, so that folder must exist.
    const first = await mkdir(t.selection ? t.target : dirname(t.target), { recursive: true });
    if (first) created.push(first);
  }
  return created;
}

/** Copy a SQLite database through the backup API (consistent even while others use `to`), then make it durable. */
async function backupFile(from: string, to: string): Promise<void> {
  const db = new Database(from, { readonly: true, fileMustExist: true });
  try {
    // All pages in one step: a writer on `from` (the live target, when it is set aside) cannot restart it.
    await db.backup(to, { progress: () => ALL_PAGES });
  } finally {
    db.close();
  }
  await fsyncFileAndDir(to);
}

/**
 * stage: every entry is hashed against the manifest while the selected ones land in staging beside
 * their targets; staged SQLite files get integrity_check and row counts; PostgreSQL dumps are
 * restored into a new database that is checked. No target is touched.
 */
export async function stage(run: RestoreRun): Promise<void> {
  const { plan, journal } = run;
  const work = journal.scratch[0] ?? '';
  await mkdir(work, { recursive: true });
  const destinations = new Map<string, string>();
  let n = 0;
  for (const t of plan.targets) {
    const src = sourceOf(plan.manifest, t.source);
    if (!src) continue;
    if (src.kind === 'folder' && t.selection) {
      // File-level restore: only the selected entries are staged (inside the target: one filesystem).
      const at = selectionScratch(t.target, run.short, n).staged;
      n += 1;
      journal.scratch.push(at);
      run.staged.set(t.source, at);
      const selected = selectedBy(t.selection);
      for (const e of plan.manifest.entries) {
        const rel = e.source === src.name && e.path.startsWith(src.prefix) ? e.path.slice(src.prefix.length) : '';
        if (selected(rel)) destinations.set(e.path, join(at, rel));
      }
    } else if (src.kind === 'folder') {
      // Short names beside the target: the target's own name may already be as long as a name can be.
      const at = join(dirname(t.target), `.lifeboat-restore-${run.short}-${n}`);
      n += 1;
      journal.scratch.push(at);
      run.staged.set(t.source, at);
      const root = src.prefix.replace(/\/$/, '');
      for (const e of plan.manifest.entries) {
        if (e.source === src.name) destinations.set(e.path, e.path === root ? at : join(at, e.path.slice(src.prefix.length)));
      }
    } else {
      const file = join(work, `${src.name}.${src.kind === 'sqlite' ? 'sqlite' : src.kind === 'mysql' ? 'sql' : 'pgdump'}`);
      run.staged.set(t.source, file);
      destinations.set(src.entry, file);
    }
  }
  const globals = globalsDestinations(plan, work); // issue 13: whole-server globals
  for (const [entry, file] of globals) destinations.set(entry, file);
  for (const dir of await mkdirParents(plan.targets)) journal.created?.push(dir);
  run.save();
  run.progress.setPhase('verifying', { bytes: plan.manifest.totals.bytes, files: plan.manifest.totals.files });
  await verifyAndExtract(plan.archive, plan.format, plan.manifest, destinations, (n) => run.progress.addBytes(n), run.req.applyOwners === true).catch(async (e: unknown) => {
    throw await stagingError(e, [...new Set(destinations.values())][0] ?? work, plan.manifest);
  });
  const checking = performance.now();
  await Promise.all(
    plan.targets.map(async (t) => {
      const src = sourceOf(plan.manifest, t.source);
      const file = run.staged.get(t.source) ?? '';
      if (src?.kind === 'sqlite') {
        const facts = await inspectSqliteInWorker(file);
        const bad = facts.integrityCheck !== 'ok' ? [`integrity_check: ${facts.integrityCheck.slice(0, 200)}`] : compareRows(src.entry, src.tables, facts.tables);
        if (bad.length) throw new LifeboatError('SQLITE_CORRUPT', `The SQLite database in the archive (${src.entry}) is not what its manifest describes: ${bad.join('; ')}. Nothing was restored.`, { entry: src.entry });
      }
      if (src?.kind === 'mysql') await assertMysqlDump(file, src.entry);
      if (src?.kind === 'postgres') await assertCustomDump(await resolvePgTool('pg_restore', run.req.pgRestorePath ?? process.env.LIFEBOAT_PG_RESTORE), file, src.entry);
    }),
  );
  addTime('stage:check-dumps (wall)', performance.now() - checking);
  const databases = performance.now();
  await stageGlobals(run, globals);
  for (const t of plan.targets) if (t.kind === 'postgres') await stagePostgres(run, t);
  for (const t of plan.targets) if (t.kind === 'mysql') await stageMysql(run, t);
  addTime('stage:databases (wall)', performance.now() - databases);
}

/** A full disk (bytes or inodes) while staging names the disk, what the restore needs and what is free. */
async function stagingError(e: unknown, fallback: string, manifest: Manifest): Promise<unknown> {
  const cause = e instanceof LifeboatError ? e.cause : e;
  if ((cause as NodeJS.ErrnoException | undefined)?.code === 'ENAMETOOLONG' || /ENAMETOOLONG/.test(String((e as Error)?.message))) {
    return new LifeboatError('RESTORE_FAILED', `A path in the backup is too long to be staged beside ${fallback} (the file system's name or path limit): ${(e as Error).message}. Nothing was changed: restore to a folder with a shorter path (--to-dir).`, {}, { cause: e });
  }
  if (!(e instanceof LifeboatError) || e.code !== 'DISK_FULL') return e;
  const at = typeof e.details.path === 'string' && isAbsolute(e.details.path) ? e.details.path : fallback;
  const dir = await nearestExisting(dirname(at));
  const fs = await statfs(dir).catch(() => undefined);
  const free = fs ? `${formatBytes(fs.bavail * fs.bsize)} and ${fs.ffree.toLocaleString('en-US')} inodes are free there now` : 'its free space could not be read';
  const entries = manifest.entries.length.toLocaleString('en-US');
  return new LifeboatError(
    'DISK_FULL',
    `The disk holding ${dir} filled up while the restore staged ${formatBytes(manifest.totals.bytes)} in ${entries} entries (writing ${at}); ${free}. Nothing was changed and the staged copy was removed: free space (or inodes) there, or restore elsewhere with --to-dir.`,
    { ...e.details, disk: dir, needBytes: manifest.totals.bytes, needEntries: manifest.entries.length },
    { cause: e },
  );
}

/** Restore one dump into a new database `<db>_lb_<id>`, journalled first so a crash drops it again. */
async function stagePostgres(run: RestoreRun, t: PlannedTarget): Promise<void> {
  const url = t.connectUrl ?? t.target;
  const database = parsePgUrl(url).database;
  const s: JournalStep & { kind: 'postgres' } = {
    kind: 'postgres',
    url: run.secrets.keep(urlWithDatabase(url, 'postgres')),
    database,
    staged: `${database}_lb_${run.short}`,
    old: `${database}_lb_old_${run.short}`,
    existed: t.exists,
    phase: 'restoring',
  };
  run.journal.steps.push(s);
  run.save();
  const admin = await run.secrets.connect(s.url);
  try {
    await admin.create(s.staged);
    const tool = await resolvePgTool('pg_restore', run.req.pgRestorePath ?? process.env.LIFEBOAT_PG_RESTORE);
    const choices = await restoreChoices(run, t, url);
    for (const w of await pgRestoreInto(tool, urlWithDatabase(url, s.staged), run.staged.get(t.source) ?? '', choices)) run.warnings.push(w);
    const src = sourceOf(run.plan.manifest, t.source);
    const bad = src?.kind === 'postgres' ? compareRows(`database ${s.staged}`, expectedTables(src, run.req.pg), await admin.rowCounts(s.staged)) : [];
    if (bad.length) throw new LifeboatError('RESTORE_FAILED', `The restored PostgreSQL database does not match the manifest: ${bad.join('; ')}`);
  } finally {
    await admin.close();
  }
}

/** Backup warnings that mean entries were left out of it. */
const SAFETY_GAPS: ReadonlySet<string> = new Set(['SKIPPED_FILES', 'SPARSE_FILES', 'UNKEPT_NAMES', 'FOLDERS_NOT_ENTERED']);

/** safety: a backup of exactly what will be overwritten, kept in the catalog. */
export async function safety(run: RestoreRun): Promise<void> {
  // A file-level restore that only adds paths overwrites nothing: nothing of it needs keeping.
  const existing = run.plan.targets.filter((t) => t.exists && (!t.selection || (t.changes?.replaced.count ?? 0) + (t.changes?.deleted.count ?? 0) > 0));
  if (run.req.safetyBackup === false || existing.length === 0) return;
  const result = await runBackup(run.env, {
    sources: existing.map((t) =>
      t.kind === 'folder' && t.selection
        ? { kind: 'folder', name: t.source, path: t.target, ...selectionSafetyRules(t.selection), gitignore: false }
        : t.kind === 'folder'
        ? { kind: 'folder', name: t.source, path: t.target, include: [], exclude: [], gitignore: false }
        : t.kind === 'sqlite'
          ? { kind: 'sqlite', name: t.source, path: t.target }
          : t.kind === 'mysql'
            ? { kind: 'mysql', name: t.source, url: t.connectUrl ?? t.target }
            : { kind: 'postgres', name: t.source, url: t.connectUrl ?? t.target },
    ),
    type: 'full',
    format: 'zip',
    destination: defaultBackupDir(run.env.home),
    description: `Safety backup before restore ${run.short} of ${run.plan.backupId?.slice(0, 8) ?? basename(run.plan.archive)}`,
    trigger: 'PRE_RESTORE_SAFETY',
    profile: null,
    // Everything that will be overwritten must be in it: sparse files included, unreadable files fail it.
    options: { allowEmpty: true, skipUnreadable: false, includeSparse: true, onChangedFile: 'warn' },
  });
  run.safetyBackupId = result.id;
  run.save();
  // A safety backup that left something out is no safety for it: stop before anything is replaced.
  const missing = result.warnings.filter((w) => SAFETY_GAPS.has(w.code));
  if (missing.length > 0) {
    throw new LifeboatError(
      'RESTORE_FAILED',
      `The safety backup ${result.id.slice(0, 8)} could not keep everything this restore would replace: ${missing.map((w) => w.message).join(' ')} Nothing was changed. Move those entries away (or unmount what is mounted inside the target), or restore without a safety backup (--no-safety-backup --yes) if you accept losing them.`,
      { safetyBackupId: result.id, warnings: missing },
    );
  }
}

/**
 * swap: each target's old state is set aside (journalled before each move) and the staged state
 * put in its place; then everything is flushed to disk, so the commit never deletes old state
 * while its replacement exists only in the page cache.
 */
export async function swap(run: RestoreRun): Promise<void> {
  const { plan, journal } = run;
  run.progress.setPhase('restoring', { bytes: 0, files: plan.targets.length });
  const flush: string[] = [];
  // A database that lives inside a restored folder travels with the folder: it is put into the staged
  // tree, so one rename brings both in (and the rollback of the folder brings both back).
  const insideFolder = new Set<string>();
  for (const t of plan.targets.filter((x) => x.kind === 'sqlite')) {
    const home = plan.targets.find((f) => f.kind === 'folder' && !f.selection && t.target.startsWith(`${f.target}/`));
    if (!home) continue;
    const into = join(run.staged.get(home.source) ?? '', t.target.slice(home.target.length + 1));
    await mkdir(dirname(into), { recursive: true });
    await backupFile(run.staged.get(t.source) ?? '', into);
    insideFolder.add(t.source);
  }
  let i = 0;
  for (const t of plan.targets.filter((x) => x.kind === 'folder' && x.selection)) await swapSelection(run, t);
  for (const t of plan.targets.filter((x) => x.kind === 'folder' && !x.selection)) {
    const staged = run.staged.get(t.source) ?? '';
    const s: JournalStep = { kind: 'folder', target: t.target, old: join(dirname(t.target), `.lifeboat-old-${run.short}-${i}`), staged, existed: t.exists, ino: (await identity(staged)) ?? undefined };
    i += 1;
    journal.steps.push(s);
    run.save();
    if (t.exists) await rename(t.target, s.old);
    faultPoint('restore:swap-folder-aside');
    await rename(s.staged, t.target);
    await fsyncDir(dirname(t.target));
    flush.push(t.target);
    run.progress.item(t.target);
  }
  for (const t of plan.targets.filter((x) => x.kind === 'sqlite' && !insideFolder.has(x.source))) {
    const s: JournalStep & { kind: 'sqlite' } = { kind: 'sqlite', target: t.target, aside: join(journal.scratch[0] ?? '', `${t.source}.before.sqlite`), existed: t.exists, phase: 'saving' };
    journal.steps.push(s);
    run.save();
    if (t.exists) await backupFile(t.target, s.aside);
    s.phase = 'replacing';
    run.save();
    faultPoint('restore:swap-sqlite-aside');
    // A live database is written through the backup API (its users see a consistent switch);
    // a new one is the checked staged file itself, renamed into place when on the same disk.
    const file = run.staged.get(t.source) ?? '';
    if (t.exists) await backupFile(file, t.target);
    else await placeNewFile(run, s, file);
    faultPoint('restore:swap-sqlite-replaced');
    run.progress.item(t.target);
  }
  for (const s of journal.steps) {
    if (s.kind !== 'postgres') continue;
    const admin = await run.secrets.connect(s.url);
    try {
      if (s.existed) {
        s.phase = 'renamed-old';
        run.save();
        await admin.rename(s.database, s.old).catch((e: Error) => {
          throw new LifeboatError('RESTORE_FAILED', `Cannot swap in the restored database: renaming "${s.database}" failed (${e.message}). Close the applications connected to it and retry.`);
        });
        faultPoint('restore:swap-pg-renamed-old');
      }
      s.phase = 'swapped';
      run.save();
      await admin.rename(s.staged, s.database);
    } finally {
      await admin.close();
    }
    run.progress.item(s.database);
  }
  for (const s of journal.steps) {
    if (s.kind !== 'mysql') continue;
    await swapMysql(run, s, plan.targets.find((t) => t.kind === 'mysql' && parseMysqlUrl(t.connectUrl ?? t.target).database === s.database)?.source ?? '');
    run.progress.item(s.database);
  }
  await flushTrees(flush);
}

/**
 * A new SQLite target: the checked copy is put beside the target (same filesystem), its identity
 * journalled, then hard-linked into place, which fails instead of replacing a file that appeared
 * since the plan (an application creating its database, a second restore).
 */
async function placeNewFile(run: RestoreRun, s: JournalStep & { kind: 'sqlite' }, file: string): Promise<void> {
  const beside = join(dirname(s.target), `.lifeboat-restore-${run.short}-${createHash('sha256').update(s.target).digest('hex').slice(0, 8)}.sqlite`);
  run.journal.scratch.push(beside);
  run.save();
  if (!(await rename(file, beside).then(() => true, () => false))) await backupFile(file, beside);
  await fsyncFileAndDir(beside);
  s.ino = (await identity(beside)) ?? undefined;
  run.save();
  try {
    await link(beside, s.target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new LifeboatError('RESTORE_FAILED', `${s.target} appeared while the restore ran (the plan found nothing there); it was left as it is. Check what created it, then restore again.`, { target: s.target });
    }
    throw e;
  }
  await unlink(beside);
  await fsyncDir(dirname(s.target));
}

/** After the swap, re-read what landed at a folder target and compare it with the manifest. */
async function checkFolder(manifest: Manifest, source: Extract<ManifestSource, { kind: 'folder' }>, target: string, selection?: SelectedPaths): Promise<string[]> {
  const problems: string[] = [];
  const root = source.prefix.replace(/\/$/, '');
  // A file-level restore is checked on what it restored; the rest of the target is not its business.
  const selected = selection ? selectedBy(selection) : undefined;
  const entries = manifest.entries.filter((x) => x.source === source.name && (!selected || selected(x.path.slice(source.prefix.length))));
  const paths = entries.map((e) => (e.path === root ? target : join(target, e.path.slice(source.prefix.length))));
  // Worker threads lstat and hash what landed, in batches; the answers come back in order.
  const workers = new PackPool();
  const facts: PathFacts[] = [];
  try {
    const batches: Promise<PathFacts[]>[] = [];
    for (let i = 0; i < entries.length; i += 256) {
      batches.push(workers.inspect(entries.slice(i, i + 256).map((e, j) => ({ path: paths[i + j] ?? '', hash: e.kind === 'file' }))));
    }
    for (const batch of await Promise.all(batches)) for (const f of batch) facts.push(f);
  } finally {
    await workers.close();
  }
  entries.forEach((e, i) => {
    const p = paths[i] ?? '';
    const f = facts[i];
    if (!f || f.type === 'missing') problems.push(`${p} is missing after the restore`);
    else if (f.type === 'error') problems.push(`${p} cannot be checked (${f.error?.message ?? 'error'})`);
    else if (e.kind === 'file' && (f.type !== 'file' || f.size !== e.size || f.sha256 !== e.sha256)) problems.push(`${p} does not match its SHA-256`);
    else if (e.kind === 'symlink' && (f.type !== 'symlink' || f.target !== e.target)) problems.push(`${p} is not the expected symlink`);
    else if (e.kind === 'directory' && f.type !== 'directory') problems.push(`${p} is not a folder`);
  });
  return problems;
}

/** check: success is decided by what landed at each target, not by what was written. */
export async function check(run: RestoreRun): Promise<void> {
  const { plan } = run;
  run.progress.setPhase('checking');
  const problems: string[] = [];
  const folders = Promise.all(
    plan.targets
      .filter((t) => t.kind === 'folder')
      .map(async (t) => {
        const src = sourceOf(plan.manifest, t.source);
        return src?.kind === 'folder' ? checkFolder(plan.manifest, src, t.target, t.selection) : [];
      }),
  );
  folders.catch(() => undefined); // awaited below
  for (const t of plan.targets.filter((x) => x.kind === 'sqlite')) {
    const src = sourceOf(plan.manifest, t.source);
    // The staged copy passed integrity_check; what landed gets the faster quick_check.
    const facts = await inspectSqliteInWorker(t.target, 60 * 60 * 1000, true);
    if (facts.integrityCheck !== 'ok') problems.push(`${t.target}: quick_check says ${facts.integrityCheck.slice(0, 200)}`);
    else if (src?.kind === 'sqlite') for (const p of compareRows(t.target, src.tables, facts.tables)) problems.push(p);
  }
  for (const s of run.journal.steps) {
    if (s.kind !== 'postgres') continue;
    const t = plan.targets.find((x) => x.kind === 'postgres' && parsePgUrl(x.connectUrl ?? x.target).database === s.database);
    const src = t ? sourceOf(plan.manifest, t.source) : undefined;
    if (src?.kind !== 'postgres') continue;
    const admin = await run.secrets.connect(s.url);
    try {
      for (const p of compareRows(`database ${s.database}`, expectedTables(src, run.req.pg), await admin.rowCounts(s.database))) problems.push(p);
    } finally {
      await admin.close();
    }
  }
  for (const s of run.journal.steps) {
    if (s.kind !== 'mysql') continue;
    const t = plan.targets.find((x) => x.kind === 'mysql' && parseMysqlUrl(x.connectUrl ?? x.target).database === s.database);
    if (t) for (const p of await checkMysql(run, s, t.source)) problems.push(p);
  }
  for (const list of await folders) for (const p of list) problems.push(p);
  if (problems.length) throw new LifeboatError('RESTORE_FAILED', `What was restored does not match the manifest: ${problems.slice(0, 5).join('; ')}`, { problems: problems.slice(0, 100) });
}
