import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BackupSummary, BackupWarning } from '../../../src-shared/domain/backup.js';
import type { ArchiveFormat, BackupType, Trigger } from '../../../src-shared/domain/enums.js';
import { typeIncludes } from '../../../src-shared/domain/enums.js';
import type { BackupHooks, BackupOptions, SourceSpec } from '../../../src-shared/domain/profile.js';
import { LifeboatError, toErrorInfo } from '../../../src-shared/errors/lifeboat-error.js';
import type { Manifest, ManifestEntry, ManifestSource } from '../../../src-shared/manifest/schema.js';
import { ARCHIVE_LAYOUT, MANIFEST_FORMAT_VERSION, parseManifest } from '../../../src-shared/manifest/schema.js';
import { createArchiveWriter, type ArchiveSink } from '../archive/archive-writer.js';
import { archiveReadme } from '../archive/readme.js';
import type { EngineEnv } from '../engine-env.js';
import { scanFolder, type FolderScan } from '../sources/folder-scan.js';
import { dumpMysql } from '../sources/mysql-source.js';
import { dumpPostgres, redact } from '../sources/postgres-source.js';
import { expandPgServers, withServer } from '../sources/pg-server.js';
import { assignNames, type NamedSource } from '../sources/source-names.js';
import { checkSqliteCopy, copySqlite, sqliteEntry } from '../sources/sqlite-source.js';
import { fsyncDir } from '../util/durable.js';
import { faultPoint, holdPoint } from '../util/fault.js';
import { destinationError, errnoCode } from '../util/fs-errors.js';
import { verifyArchive, writeSidecar } from '../verify/verify-archive.js';
import { checkEncryptionKey, type EncryptionKey } from '../crypto/age-keys.js';
import { EncryptionRepo } from '../crypto/encryption-repo.js';
import { AGE_SUFFIX, encryptArchive } from '../crypto/encrypt-archive.js';
import { writeDecryptReadme } from '../crypto/decrypt-readme.js';
import { makePrivateDir, privateTempPath } from '../crypto/private-temp.js';
import { checkWrittenArchive } from './check-written.js';
import { dropWarnings, readWarnings } from './drop-warnings.js';
import { buildFileTypes, summarize } from './manifest-parts.js';
import { runPostHook, runPreHook } from './hooks.js';
import { beginPhaseTimes } from '../util/phase-times.js';
import { ProgressTracker, type ProgressListener } from './progress-tracker.js';
import { fileNotStored, fileStored, type ReadPolicy } from './read-outcomes.js';
import { logBackupPlan, logManifestNotes, RunLog, RunLogsRepo, saveRunLog } from './run-log.js';

/** Everything a backup needs, resolved (profile defaults already applied). */
export interface BackupRequest {
  readonly sources: readonly SourceSpec[];
  readonly type: BackupType;
  readonly format: ArchiveFormat;
  readonly destination: string;
  readonly description: string;
  readonly trigger: Trigger;
  readonly profile: string | null;
  readonly options: Pick<BackupOptions, 'allowEmpty' | 'skipUnreadable'> & Partial<Pick<BackupOptions, 'onChangedFile' | 'includeSparse' | 'crossFilesystems'>>;
  readonly pgDumpPath?: string;
  readonly compressionLevel?: number;
  readonly sqliteBusyTimeoutMs?: number;
  /** Re-read the finished archive (every hash, SQLite integrity) before calling it good. Default true. */
  readonly verify?: boolean;
  /** Folder paths to record in the manifest instead of the scanned ones (imports stage in a temp folder). */
  readonly recordedPaths?: ReadonlyMap<string, string>;
  /** Warnings to attach to the result and the catalog row. */
  readonly extraWarnings?: readonly BackupWarning[];
  /** Encrypt the archive (age) to this passphrase or these recipients; it is then `<name>.age`. */
  readonly encryption?: EncryptionKey;
  /** The profile's pre- and post-backup commands (see hooks.ts). */
  readonly hooks?: BackupHooks;
}

/** A finished, checked backup. */
export interface BackupResult {
  readonly id: string;
  readonly verifiedAt: string | null;
  readonly status: 'COMPLETED';
  readonly path: string;
  readonly fileName: string;
  readonly size: number;
  readonly sha256: string;
  readonly durationMs: number;
  readonly summary: BackupSummary;
  readonly warnings: readonly BackupWarning[];
  readonly manifest: Manifest;
  /** Size and SHA-256 of the plain archive inside an encrypted one (size/sha256 above are the stored file's). */
  readonly plain?: { readonly size: number; readonly sha256: string };
}

/** Hooks for one run. */
export interface RunHooks {
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
  /** Called once the catalog row exists (so a UI can show the job at once). */
  readonly onStarted?: (id: string) => void;
}

/** The temporary work folder of a backup, beside its archive (same disk, removed afterwards). */
export function workDirFor(destination: string, id: string): string {
  return join(destination, `.lifeboat-tmp-${id}`);
}

const ZIP_EXT: Record<ArchiveFormat, string> = { zip: 'zip', 'tar.gz': 'tar.gz' };

function archiveName(profile: string | null, at: Date, id: string, format: ArchiveFormat): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `lifeboat-${profile ?? 'backup'}-${stamp}-${id.slice(0, 8)}.${ZIP_EXT[format]}`;
}

async function prepareDestination(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const probe = join(dir, `.lifeboat-probe-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe);
  } catch (e) {
    throw destinationError(e, dir);
  }
}

/**
 * Run one backup: dump databases, scan folders, stream everything into `<file>.partial` with
 * per-entry and whole-archive SHA-256, fsync, rename, re-list the archive against its manifest,
 * then mark the catalog row COMPLETED. Any failure or cancel leaves no file behind and a FAILED row.
 */
export async function runBackup(env: EngineEnv, req: BackupRequest, hooks: RunHooks = {}): Promise<BackupResult> {
  const sources = assignNames(req.sources.filter((s) => typeIncludes(req.type, s.kind)));
  if (sources.length === 0) {
    throw new LifeboatError('USAGE', `No source of type "${req.type}" to back up. Add a --sqlite, --postgres, --mysql or --dir source that matches --type.`);
  }
  const destination = resolve(req.destination);
  const id = randomUUID();
  const startedAt = env.now();
  const plainName = archiveName(req.profile, startedAt, id, req.format);
  const fileName = req.encryption ? `${plainName}${AGE_SUFFIX}` : plainName;
  const finalPath = join(destination, fileName);
  const stagedPath = `${finalPath}.partial`;
  // Encryption at rest: the plain archive is written and verified in a private folder off the
  // destination (see private-temp.ts); only the encrypted file is ever staged there.
  const plainDir = req.encryption ? privateTempPath(env.home, id) : null;
  const partialPath = plainDir ? join(plainDir, `${plainName}.partial`) : stagedPath;
  // Database dumps are plain text too: with encryption they are made in the private folder as well.
  // Without encryption they are made on the destination's disk (`.lifeboat-tmp-<id>`, swept at the
  // next start after a crash), which is sized for backups: a 200 GB dump must not fill the system
  // disk that holds the home, and the plain archive beside it is no less readable than the dump.
  const workDir = plainDir ? join(plainDir, 'work') : workDirFor(destination, id);

  const progress = new ProgressTracker(id, hooks.onProgress);
  const signal = hooks.signal;
  // The run log (run-log.ts) is stored with the row when the backup ends, whatever the outcome.
  const log = new RunLog(() => env.now());
  logBackupPlan(log, { ...req, id, fileName, destination }, sources);
  progress.setSources(sources);
  const hookCtx = { log, env: { LIFEBOAT_BACKUP_ID: id, LIFEBOAT_PROFILE: req.profile ?? '', LIFEBOAT_DESTINATION: destination }, ...(signal ? { signal } : {}) };
  // The post-backup command runs once, after a pre-command that succeeded (or none): here or on failure.
  let postPending = req.hooks?.post ?? null;
  const runPost = async (status: string): Promise<BackupWarning | null> => {
    const post = postPending;
    postPending = null;
    if (!post) return null;
    log.phase('post-backup command');
    // No cancel signal: the command that restarts a service runs to its own time limit even after a cancel.
    const w = await runPostHook(post, { log, env: { ...hookCtx.env, LIFEBOAT_BACKUP_STATUS: status } });
    log.endPhase(w ? 'failed' : 'done');
    return w;
  };
  const phases = beginPhaseTimes('backup'); // bench and profiling only (util/phase-times.ts)

  env.catalog.backups.insertRunning({
    id,
    fileName,
    path: finalPath,
    format: req.format,
    type: req.type,
    trigger: req.trigger,
    description: req.description,
    createdBy: env.actor,
    host: env.host,
    pid: process.pid,
    createdAt: startedAt.toISOString(),
    profile: req.profile,
    searchText: [req.description, fileName, req.profile ?? '', ...sources.map((s) => s.name)].join(' '),
  });
  env.catalog.audit.append({ actor: env.actor, action: 'backup.start', target: id, outcome: 'info', details: { file: fileName, trigger: req.trigger, profile: req.profile } });
  hooks.onStarted?.(id);
  faultPoint('backup:start');

  let writer: ArchiveSink | undefined;
  // Dumps stop on cancel, and on any other failure before the work folder is removed.
  const stopDumps = new AbortController();
  const dumpSignal = signal ? AbortSignal.any([signal, stopDumps.signal]) : stopDumps.signal;
  let dumpsRunning: Promise<void> = Promise.resolve();
  // Dumps waiting for the writer are released with this if the writer never comes.
  let noWriter: (e: Error) => void = () => undefined;
  try {
    if (req.hooks?.pre) {
      log.phase('pre-backup command');
      // A failed pre-command fails the backup before anything is read, and its post-command is not run.
      postPending = null;
      await runPreHook(req.hooks.pre, hookCtx);
      postPending = req.hooks.post;
      log.endPhase();
    }
    log.phase('preparing the destination');
    await prepareDestination(destination);
    if (req.encryption) checkEncryptionKey(req.encryption, req.profile);
    if (plainDir) await makePrivateDir(plainDir);
    await mkdir(workDir, { recursive: true }).catch((e: unknown) => {
      throw destinationError(e, workDir);
    });

    // Folders are scanned first (cheap, and an unmounted disk fails before any dump runs).
    const byName = new Map<string, { record: ManifestSource; dumpFile?: string; scan?: FolderScan }>();
    const folders = sources.filter((s) => s.kind === 'folder');
    // Whole-server PostgreSQL sources: globals dumped, then one source per database (issue 13).
    const servers = await expandPgServers(sources, workDir, { ...(req.pgDumpPath ? { pgDumpPath: req.pgDumpPath } : {}), signal: dumpSignal });
    const databases = servers.sources.filter((s) => s.kind !== 'folder');
    const globalsEntries: ManifestEntry[] = [];
    progress.setPhase('scanning', { bytes: 0, files: 0 });
    phases.mark('scan');
    if (folders.length) log.phase('scanning folders');
    for (const s of folders) {
      progress.source(s.name, 'scanning');
      const prepared = await prepareSource(s, req, workDir, destination, signal, progress);
      byName.set(s.name, prepared);
      progress.source(s.name, 'waiting');
      log.info(`${s.name}: ${prepared.scan?.files ?? 0} files, ${prepared.scan?.bytes ?? 0} bytes to read from ${s.path}`);
    }

    // Database dumps run side by side, while the folders are archived (different resources: the
    // database engines, against the pack workers); each dump joins the archive as soon as it is
    // done. The manifest lists folders first, then databases, whatever the archive order.
    let writerReady: (w: ArchiveSink) => void = () => undefined;
    const writerCreated = new Promise<ArchiveSink>((resolve, reject) => {
      writerReady = resolve;
      noWriter = reject;
    });
    writerCreated.catch(() => undefined); // rejected only to release waiting dumps on failure
    const dumpEntries = new Map<string, ManifestEntry>();
    const now = env.now();
    const dumpOne = async (s: NamedSource): Promise<void> => {
      progress.source(s.name, 'dumping');
      log.info(`${s.name}: dump started`);
      let file: string;
      let path: string;
      let checked: Promise<ManifestSource>;
      if (s.kind === 'sqlite') {
        // The copy is archived while its integrity_check runs (both only read it); a failed
        // check fails the backup before anything is kept.
        file = join(workDir, `${s.name}.sqlite`);
        path = sqliteEntry(s.name);
        const source = resolve(s.path);
        const journalMode = await copySqlite(source, file, { busyTimeoutMs: req.sqliteBusyTimeoutMs ?? 30_000, allowEmpty: req.options.allowEmpty, signal: dumpSignal });
        checked = checkSqliteCopy(s.name, source, file, journalMode, req.options.allowEmpty);
      } else {
        const part = servers.parts.get(s.name);
        // A server's databases dump one at a time; an empty one among them is no error.
        const prepare = (): ReturnType<typeof prepareSource> => prepareSource(s, part ? { ...req, options: { ...req.options, allowEmpty: true } } : req, workDir, destination, dumpSignal, folders.length ? undefined : progress, log);
        const prepared = await (part ? part.turn(prepare) : prepare());
        if (!prepared.dumpFile || prepared.record.kind === 'folder') throw new Error(`internal: no dump for ${s.name}`);
        file = prepared.dumpFile;
        path = prepared.record.entry;
        checked = Promise.resolve(withServer(prepared.record, part));
        if (part?.globalsFile) {
          const globals = { path: part.server.globals, file: part.globalsFile };
          const sink = await writerCreated;
          const size = (await stat(globals.file)).size;
          const written = await sink.addFile(globals.path, { path: globals.file, size }, { mode: 0o600, mtime: now });
          globalsEntries.push({ path: globals.path, kind: 'file', source: s.name, size: written.size, sha256: written.sha256, mode: 0o600, mtime: now.toISOString() });
        }
      }
      checked.catch(() => undefined); // awaited below
      const sink = await writerCreated;
      const size = (await stat(file)).size;
      log.info(`${s.name}: dump finished (${size} bytes), archiving it`);
      progress.source(s.name, 'archiving');
      progress.addTotal(size);
      progress.item(path);
      const written = await sink.addFile(path, { path: file, size }, { mode: 0o600, mtime: now }, (n) => progress.addBytes(n));
      byName.set(s.name, { record: await checked, dumpFile: file });
      dumpEntries.set(s.name, { path, kind: 'file', source: s.name, size: written.size, sha256: written.sha256, mode: 0o600, mtime: now.toISOString() });
      progress.fileDone();
      progress.source(s.name, 'done');
    };
    const dumping = Promise.all(databases.map((s) => phases.span('dumps', dumpOne(s)))).then(() => undefined);
    dumping.catch(() => undefined); // awaited below, or stopped and awaited on failure
    dumpsRunning = dumping;
    if (folders.length === 0) progress.setPhase('dumping', { bytes: 0, files: databases.length });
    const scans = new Map<string, FolderScan>();
    for (const s of folders) {
      const scan = byName.get(s.name)?.scan;
      if (scan) scans.set(s.name, scan);
    }
    const folderBytes = [...scans.values()].reduce((n, s) => n + s.bytes, 0);
    const folderFiles = [...scans.values()].reduce((n, s) => n + s.files, 0);
    if (folders.length > 0) progress.setPhase('archiving', { bytes: folderBytes, files: folderFiles + databases.length });
    log.phase(folders.length ? 'archiving (folders, then each database dump as it finishes)' : 'dumping and archiving databases');

    phases.mark('archive');
    writer = await createArchiveWriter(partialPath, req.format, req.compressionLevel ?? 6);
    // Cancel stops the writer at once, failing every entry still in flight.
    const sink = writer;
    signal?.addEventListener('abort', () => void sink.abort(), { once: true });
    signal?.throwIfAborted();
    writerReady(writer);

    const entries: ManifestEntry[] = [];
    for (const s of folders) {
      const scan = scans.get(s.name);
      const rec = byName.get(s.name)?.record;
      // One by one: spreading a folder's entries into push()'s arguments overflows the stack at ~150k.
      progress.source(s.name, 'archiving');
      faultPoint('backup:archiving');
      await holdPoint('backup:archiving');
      signal?.throwIfAborted();
      if (scan && rec?.kind === 'folder') for (const e of await archiveFolder(writer, rec, scan, req.options, signal, progress)) entries.push(e);
      progress.source(s.name, 'done');
    }
    await dumping;
    // Every source is read: the service a pre-command stopped can start again while the archive is finished.
    const postWarning = await runPost('read');
    for (const s of databases) {
      const e = dumpEntries.get(s.name);
      if (e) entries.push(e);
    }
    for (const e of globalsEntries) entries.push(e);
    const records = servers.sources.flatMap((s) => {
      const r = byName.get(s.name)?.record;
      return r ? [r] : [];
    });
    const header = { backupId: id, createdAt: startedAt.toISOString(), host: env.host, user: env.actor, format: req.format, sources: records, description: req.description };
    await writer.addBuffer(ARCHIVE_LAYOUT.readme, Buffer.from(archiveReadme(header, plainName)), { mode: 0o644, mtime: now });

    const manifest: Manifest = parseManifest(
      {
        formatVersion: MANIFEST_FORMAT_VERSION,
        app: { name: 'lifeboat', version: env.appVersion },
        ...header,
        type: req.type,
        trigger: req.trigger,
        profile: req.profile,
        tools: toolVersions(records),
        sources: records,
        entries,
        totals: {
          files: entries.filter((e) => e.kind === 'file').length,
          directories: entries.filter((e) => e.kind === 'directory').length,
          symlinks: entries.filter((e) => e.kind === 'symlink').length,
          bytes: entries.reduce((n, e) => n + (e.kind === 'file' ? e.size : 0), 0),
          rows: records.reduce((n, r) => n + (r.kind === 'folder' ? 0 : r.totalRows), 0),
        },
        fileTypes: buildFileTypes(entries),
        warnings: readWarnings([...scans].flatMap(([source, scan]) => scan.notes.map((n) => ({ ...n, source })))),
      },
      'the manifest being written',
    );
    await writer.addBuffer(ARCHIVE_LAYOUT.manifest, Buffer.from(JSON.stringify(manifest, null, 2)), { mode: 0o644, mtime: now });
    signal?.throwIfAborted();
    logManifestNotes(log, manifest);
    log.phase('writing and checking the archive');
    progress.setPhase('checking');
    phases.mark('finish');
    const archive = await writer.finish().catch((e: unknown) => {
      throw destinationError(e, partialPath);
    });
    writer = undefined;
    faultPoint('backup:written');
    // Checked and verified under its temporary name: a file with the final name is always a verified archive.
    phases.mark('check');
    await checkWrittenArchive(partialPath, req.format, manifest);
    let verifiedAt: string | null = null;
    if (req.verify !== false) {
      log.phase('verifying the archive (every entry re-read and re-hashed)');
      // Verification counts bytes, not files: no file counter that could not move.
      progress.setPhase('verifying', { bytes: archive.size, files: 0 });
      phases.mark('verify');
      // Every entry is re-read and re-hashed; the databases' integrity_check already ran on the
      // dumps whose SHA-256 the manifest holds, so matching hashes prove those same bytes.
      const report = await verifyArchive(partialPath, { sha256: archive.sha256, source: 'catalog' }, (n) => progress.addBytes(n), false);
      if (!report.ok) {
        throw new LifeboatError('VERIFY_FAILED', `The archive just written fails verification: ${report.problems.slice(0, 3).map((p) => `${p.path}: ${p.problem}`).join('; ')}`, {
          problems: report.problems.slice(0, 50),
        });
      }
      verifiedAt = env.now().toISOString();
    }
    faultPoint('backup:verified');
    // The stored file: the archive itself, or its encryption (a failure throws; plain text is never kept).
    const stored = req.encryption ? await encryptArchive(partialPath, archive.sha256, stagedPath, req.encryption, signal) : archive;
    if (plainDir) await rm(plainDir, { recursive: true, force: true });
    // The dumps are in the archive now; the work folder goes while the row is still RUNNING, so a
    // crash from here on leaves nothing that the next start's recovery of RUNNING rows would miss.
    phases.mark('commit');
    await rm(workDir, { recursive: true, force: true });
    await writeSidecar(finalPath, stored.sha256);
    if (req.encryption) await writeDecryptReadme(destination);
    await rename(stagedPath, finalPath);
    await fsyncDir(destination);
    faultPoint('backup:renamed');

    const summary = summarize(manifest);
    const warnings = [
      ...(postWarning ? [postWarning] : []),
      ...(req.extraWarnings ?? []),
      ...((manifest.warnings ?? []) as BackupWarning[]),
      ...(req.profile ? dropWarnings(summary, archive.size, env.catalog.backups.lastCompleted(req.profile)) : []),
      ...(countSkipped(manifest) > 0
        ? [{ code: 'SKIPPED_FILES' as const, message: `${countSkipped(manifest)} entries were left out; the manifest lists them.` }]
        : []),
    ];
    const finishedAt = env.now();
    const durationMs = finishedAt.getTime() - startedAt.getTime();
    log.endPhase();
    for (const w of warnings) log.warn(w.message);
    log.info(`COMPLETED: ${fileName}, ${archive.size} bytes, SHA-256 ${archive.sha256}${verifiedAt ? ', verified' : ', not verified'}, in ${durationMs} ms`);
    // One transaction: a COMPLETED row is never without its verification stamp or its run log.
    env.catalog.db.transaction(() => {
      env.catalog.backups.markCompleted(id, { size: stored.size, sha256: stored.sha256, finishedAt: finishedAt.toISOString(), durationMs, summary, warnings });
      if (verifiedAt) env.catalog.backups.markVerified(id, verifiedAt);
      if (req.encryption) {
        const recipients = req.encryption.kind === 'recipients' ? req.encryption.recipients : [];
        new EncryptionRepo(env.catalog.db).record({ backupId: id, mode: req.encryption.kind, recipients, plainSize: archive.size, plainSha256: archive.sha256 });
      }
      new RunLogsRepo(env.catalog.db).save(id, 'backup', log, finishedAt);
    })();
    env.catalog.audit.append({
      actor: env.actor,
      action: 'backup.complete',
      target: id,
      outcome: 'success',
      details: { file: fileName, sha256: stored.sha256, size: stored.size, ...(req.encryption ? { encrypted: req.encryption.kind, plainSha256: archive.sha256 } : {}), verified: verifiedAt !== null, warnings: warnings.map((w) => w.code) },
    });
    faultPoint('backup:done');
    // The finished job reads "N of N files, X of X": what the archive holds.
    progress.complete({ bytes: manifest.totals.bytes, files: manifest.totals.files });
    await phases.finish('ok');
    return {
      id, verifiedAt, status: 'COMPLETED', path: finalPath, fileName, size: stored.size, sha256: stored.sha256, durationMs, summary, warnings, manifest,
      ...(req.encryption ? { plain: { size: archive.size, sha256: archive.sha256 } } : {}),
    };
  } catch (raw) {
    const error = signal?.aborted ? new LifeboatError('CANCELLED', `Backup ${id.slice(0, 8)} was cancelled; nothing was kept.`) : classify(raw, partialPath);
    await writer?.abort();
    stopDumps.abort();
    noWriter(error);
    await dumpsRunning.catch(() => undefined);
    await Promise.all([rm(partialPath, { force: true }), rm(stagedPath, { force: true }), rm(finalPath, { force: true }), rm(`${finalPath}.sha256`, { force: true })]);
    log.endPhase('failed');
    log.error(`${error.code}: ${error.message}`);
    // Even on failure (or cancel) the command that restarts what the pre-command stopped runs.
    await runPost(error.code === 'CANCELLED' ? 'cancelled' : 'failed').catch(() => undefined);
    const finishedAt = env.now();
    saveRunLog(env.catalog.db, id, 'backup', log, finishedAt);
    env.catalog.backups.markFailed(id, error.toInfo(), finishedAt.toISOString(), finishedAt.getTime() - startedAt.getTime());
    env.catalog.audit.append({ actor: env.actor, action: 'backup.fail', target: id, outcome: 'failure', details: { file: fileName, ...toErrorInfo(error) } });
    await phases.finish('failed');
    throw error;
  } finally {
    await rm(workDir, { recursive: true, force: true });
    if (plainDir) await rm(plainDir, { recursive: true, force: true });
  }
}

function classify(raw: unknown, partialPath: string): LifeboatError {
  if (raw instanceof LifeboatError) return raw;
  const code = errnoCode(raw);
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EROFS') return destinationError(raw, partialPath);
  const info = toErrorInfo(raw);
  return new LifeboatError(info.code, info.message, {}, { cause: raw });
}

/** Scan a folder, or dump a PostgreSQL database (SQLite copies are made by the job itself, so they can be archived while checked). */
async function prepareSource(
  s: Exclude<NamedSource, { kind: 'sqlite' }>,
  req: BackupRequest,
  workDir: string,
  destination: string,
  signal: AbortSignal | undefined,
  progress: ProgressTracker | undefined,
  log?: RunLog,
): Promise<{ record: ManifestSource; dumpFile?: string; scan?: FolderScan }> {
  signal?.throwIfAborted();
  switch (s.kind) {
    case 'postgres': {
      progress?.item(redact(s.url));
      const file = join(workDir, `${s.name}.pgdump`);
      const record = await dumpPostgres(s.name, s.url, file, {
        allowEmpty: req.options.allowEmpty,
        ...(s.dump ? { dump: s.dump } : {}),
        ...(log ? { onToolOutput: (text: string) => log.output(`pg_dump (${s.name})`, text) } : {}),
        ...(req.pgDumpPath ? { pgDumpPath: req.pgDumpPath } : {}),
        ...(signal ? { signal } : {}),
      });
      return { record, dumpFile: file };
    }
    case 'mysql': {
      progress?.item(s.url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@'));
      const file = join(workDir, `${s.name}.sql`);
      const record = await dumpMysql(s.name, s.url, file, { allowEmpty: req.options.allowEmpty, ...(signal ? { signal } : {}) });
      return { record, dumpFile: file };
    }
    case 'folder': {
      progress?.item(s.path);
      const root = resolve(s.path);
      const scan = await scanFolder(root, { include: s.include, exclude: s.exclude, gitignore: s.gitignore, avoid: [destination], avoidFiles: req.sources.flatMap((x) => (x.kind === 'sqlite' ? [resolve(x.path)] : [])), skipUnreadable: req.options.skipUnreadable,
        includeSparse: req.options.includeSparse ?? false,
        crossFilesystems: req.options.crossFilesystems ?? false,
      });
      if (scan.files === 0 && !req.options.allowEmpty) {
        throw new LifeboatError('SOURCE_EMPTY', `Folder ${root} has no files to back up${s.include.length || s.exclude.length || s.gitignore ? ' after the include/exclude rules' : ''}. Is the disk mounted?`, {
          path: root,
        });
      }
      const record: ManifestSource = {
        kind: 'folder',
        name: s.name,
        path: req.recordedPaths?.get(s.name) ?? root,
        prefix: `${ARCHIVE_LAYOUT.filesDir}${s.name}/`,
        include: s.include,
        exclude: s.exclude,
        gitignore: s.gitignore,
        files: scan.files,
        directories: scan.entries.filter((e) => e.kind === 'directory').length,
        symlinks: scan.entries.filter((e) => e.kind === 'symlink').length,
        bytes: scan.bytes,
        skipped: [...scan.skipped],
      };
      return { record, scan };
    }
  }
}

function countSkipped(m: Manifest): number {
  return m.sources.reduce((n, s) => n + (s.kind === 'folder' ? s.skipped.length : 0), 0);
}

type FolderRecord = Extract<ManifestSource, { kind: 'folder' }>;

/**
 * Stream one scanned folder into the archive. Files are handed to the writer without waiting for
 * each (it reads and compresses ahead, bounded by `ready()`); entries keep the scan's order.
 * Files that fail to open, vanish or change are handled by read-outcomes.ts (per `policy`).
 */
async function archiveFolder(
  writer: ArchiveSink,
  record: FolderRecord,
  scan: FolderScan,
  policy: ReadPolicy,
  signal: AbortSignal | undefined,
  progress: ProgressTracker,
): Promise<ManifestEntry[]> {
  const name = record.name;
  const prefix = `${ARCHIVE_LAYOUT.filesDir}${name}`;
  const rootStat = await stat(scan.root);
  const rootAttrs = { mode: rootStat.mode & 0o7777, mtime: rootStat.mtime };
  const out: (ManifestEntry | undefined)[] = [{ path: prefix, kind: 'directory', source: name, size: 0, mode: rootAttrs.mode, mtime: rootAttrs.mtime.toISOString() }];
  // Count entries in flight rather than keeping 20k promises alive until the end.
  let failure: Error | undefined;
  let pending = 0;
  let allSettled: () => void = () => undefined;
  const settle = (p: Promise<void>): void => {
    pending += 1;
    p.catch((e: unknown) => void (failure ??= e instanceof Error ? e : new Error(String(e)))).finally(() => {
      pending -= 1;
      if (pending === 0) allSettled();
    });
  };
  settle(writer.addDirectory(prefix, rootAttrs));
  for (const e of scan.entries) {
    await writer.ready();
    signal?.throwIfAborted();
    if (failure) throw failure;
    const path = `${prefix}/${e.rel}`;
    const attrs = { mode: e.mode, mtime: e.mtime };
    const base = { path, source: name, mode: e.mode, mtime: e.mtime.toISOString(), uid: e.uid, gid: e.gid };
    const slot = out.length;
    out.push(undefined);
    if (e.kind === 'directory') {
      settle(writer.addDirectory(path, attrs));
      out[slot] = { ...base, kind: 'directory', size: 0 };
    } else if (e.kind === 'symlink') {
      settle(writer.addSymlink(path, e.target ?? '', attrs));
      out[slot] = { ...base, kind: 'symlink', size: 0, target: e.target ?? '' };
    } else {
      progress.item(e.rel);
      // The walk's device and inode: the file opened must be the one it saw (no swapped-in link).
      const added = writer.addFile(path, { path: e.abs, size: e.size, identity: { dev: e.dev, ino: e.ino, real: e.real } }, attrs, (n) => progress.addBytes(n)).then(
        (written) => {
          fileStored(record, scan, e, written, policy);
          out[slot] = { ...base, kind: 'file', size: written.size, sha256: written.sha256 };
          progress.fileDone();
        },
        (err: unknown) => {
          progress.fileDone(); // handled: left out by policy, or the failure below stops the backup
          fileNotStored(record, scan, e, err, policy);
        },
      );
      settle(added);
    }
  }
  if (pending > 0) await new Promise<void>((resolve) => (allSettled = resolve));
  if (failure) throw failure;
  // Counts describe what was stored, not what was scanned.
  const stored = out.filter((x): x is ManifestEntry => x !== undefined);
  const files = stored.filter((x) => x.kind === 'file');
  record.files = files.length;
  record.bytes = files.reduce((n, x) => n + x.size, 0);
  return stored;
}

function toolVersions(records: readonly ManifestSource[]): Record<string, string> {
  const tools: Record<string, string> = { node: process.versions.node };
  for (const r of records) {
    if (r.kind === 'sqlite') tools.sqlite = r.sqliteVersion;
    if (r.kind === 'postgres') tools.pg_dump = r.pgDumpVersion;
    if (r.kind === 'mysql') tools.mysqldump = r.dumpToolVersion;
  }
  return tools;
}
