import { createHash } from 'node:crypto';
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ArchiveFormat } from '../../../src-shared/domain/enums.js';
import type { Manifest } from '../../../src-shared/manifest/schema.js';
import { ARCHIVE_LAYOUT } from '../../../src-shared/manifest/schema.js';
import type { ErrorCode } from '../../../src-shared/errors/codes.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { detectFormat, Digest, eachChunk, listWithManifest, walkArchive } from '../archive/archive-reader.js';
import { assertRestorable } from '../archive/entry-rules.js';
import { replaceFileNoFollow } from '../util/replace-file.js';
import { verifyTempPrefix } from '../util/temp-sweep.js';
import { PackPool } from '../workers/pack-pool.js';
import { inspectSqliteInWorker } from '../workers/untrusted-sqlite.js';

/** Where the expected whole-archive checksum came from. */
export type ChecksumSource = 'catalog' | 'sidecar' | 'none';

/** One thing verification found wrong. */
export interface VerifyProblem {
  readonly path: string;
  readonly problem: string;
  /** The error code restore would refuse the archive with, for problems found by the shared entry rules. */
  readonly code?: ErrorCode;
}

/** The outcome of re-reading an archive. */
export interface VerifyReport {
  readonly ok: boolean;
  readonly path: string;
  readonly sha256: string;
  readonly expectedSha256: string | null;
  readonly checksumSource: ChecksumSource;
  readonly entriesChecked: number;
  readonly databasesChecked: number;
  readonly problems: readonly VerifyProblem[];
  readonly manifest: Manifest | null;
}

/** SHA-256 of a whole file, read in 4 MiB blocks with the next read already under way. */
export async function sha256File(path: string, onBytes?: (n: number) => void): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const h = createHash('sha256');
    const block = 4 * 1024 * 1024;
    let position = 0;
    const readAt = (at: number): Promise<Buffer> => fh.read(Buffer.allocUnsafe(block), 0, block, at).then(({ buffer, bytesRead }) => buffer.subarray(0, bytesRead));
    let next = readAt(0);
    for (;;) {
      const buf = await next;
      if (buf.length === 0) break;
      position += buf.length;
      next = readAt(position);
      h.update(buf);
      onBytes?.(buf.length);
    }
    return h.digest('hex');
  } finally {
    await fh.close();
  }
}

/** The checksum in `<archive>.sha256` (sha256sum format), if present. */
export async function readSidecar(path: string): Promise<string | null> {
  const text = await readFile(`${path}.sha256`, 'utf8').catch(() => null);
  const m = text ? /^([0-9a-f]{64})\b/.exec(text.trim()) : null;
  return m?.[1] ?? null;
}

/**
 * Write `<archive>.sha256` in sha256sum format (`sha256sum -c` reads it), replacing any older one
 * and never through a symlink planted at that name (replaceFileNoFollow).
 */
export async function writeSidecar(path: string, sha256: string): Promise<void> {
  await replaceFileNoFollow(`${path}.sha256`, `${sha256}  ${basename(path)}\n`);
}

/** Only the whole-file SHA-256 against the expected one (the bytes on disk are unchanged). */
export async function quickVerify(path: string, expected: { sha256: string | null; source: ChecksumSource }, onBytes?: (n: number) => void): Promise<VerifyReport> {
  const sha256 = await sha256File(path, onBytes);
  const ok = expected.sha256 === sha256;
  const problems = ok ? [] : [{ path: basename(path), problem: `archive SHA-256 is ${sha256}, the ${expected.source} says ${expected.sha256 ?? '(nothing)'}` }];
  return { ok, path, sha256, expectedSha256: expected.sha256, checksumSource: expected.source, entriesChecked: 0, databasesChecked: 0, problems, manifest: null };
}

/**
 * The archive's manifest, judged by restore's own pre-flight (the same code: what verify passes,
 * restore accepts); its refusals are added to `problems`. The listing stays in here, so it is
 * garbage before the entry pass begins (an object, a Date and a name per entry).
 */
async function preflight(path: string, format: ArchiveFormat, problems: VerifyProblem[]): Promise<Manifest> {
  const listed = await listWithManifest(path, format);
  const manifest = await listed.manifest;
  if (!manifest) throw new LifeboatError('ARCHIVE_INVALID', `${path} holds no ${ARCHIVE_LAYOUT.manifest}; it was not written by Lifeboat.`, { path });
  try {
    assertRestorable(listed.entries, manifest);
  } catch (e) {
    if (!(e instanceof LifeboatError)) throw e;
    problems.push({ path: typeof e.details.entry === 'string' ? e.details.entry : basename(path), problem: e.message, code: e.code });
  }
  return manifest;
}

/**
 * Verify an archive: its whole-file SHA-256 against the expected one (catalog, else sidecar), every
 * entry's SHA-256 and size against the manifest, no unlisted entries, and each SQLite database
 * inside through integrity_check and the manifest's row counts. Collects every problem found.
 */
export async function verifyArchive(
  path: string,
  expected: { sha256: string | null; source: ChecksumSource },
  onBytes?: (n: number) => void,
  /** false when the caller itself just ran integrity_check on these exact bytes (a backup's own check). */
  checkDatabases = true,
): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  const format = await detectFormat(path);
  // In a ZIP, worker threads inflate, check and hash the entries (big ones read straight from the
  // archive, in parallel) and the whole-file hash; databases to check come whole to this thread.
  const archiveSize = (await stat(path)).size;
  const workers = format === 'zip' ? new PackPool() : undefined;
  // The whole-file hash has a thread of its own: on a pool worker it held that worker for the
  // whole read, and the entry batches queued behind it stalled the in-order entry pass.
  const hasher = format === 'zip' ? new PackPool(1) : undefined;
  const closeWorkers = async (): Promise<void> => {
    await Promise.all([workers?.close(), hasher?.close()]);
  };
  let reported = 0;
  const progress = (n: number): void => {
    const step = Math.min(n, archiveSize - reported);
    reported += step;
    if (step > 0) onBytes?.(step);
  };
  // The whole-file hash reads the archive alongside the entry pass.
  const hashing = hasher
    ? hasher.inspect([{ path, hash: true }]).then(([facts]) => {
        if (!facts?.sha256) throw new LifeboatError('ARCHIVE_INVALID', `Cannot read archive ${path}: ${facts?.error?.message ?? 'it is not a file'}`, { path });
        return facts.sha256;
      })
    : sha256File(path, progress);
  hashing.catch(() => undefined); // awaited below
  const checkWhole = async (): Promise<string> => {
    const sha256 = await hashing;
    progress(archiveSize);
    if (expected.sha256 && expected.sha256 !== sha256) {
      problems.unshift({ path: basename(path), problem: `archive SHA-256 is ${sha256}, the ${expected.source} says ${expected.sha256}` });
    }
    return sha256;
  };
  const base = { path, expectedSha256: expected.sha256, checksumSource: expected.source };
  let manifest: Manifest;
  try {
    manifest = await preflight(path, format, problems);
  } catch (e) {
    problems.push({ path: ARCHIVE_LAYOUT.manifest, problem: (e as Error).message, ...(e instanceof LifeboatError ? { code: e.code } : {}) });
    const sha256 = await checkWhole().finally(closeWorkers);
    return { ...base, sha256, ok: false, entriesChecked: 0, databasesChecked: 0, problems, manifest: null };
  }

  const expectedEntries = new Map(manifest.entries.map((e) => [e.path, e]));
  const sqliteEntries = new Map(manifest.sources.flatMap((s) => (s.kind === 'sqlite' ? [[s.entry, s] as const] : [])));
  const seen = new Set<string>();
  const work = await mkdtemp(verifyTempPrefix());
  let databasesChecked = 0;
  const inspections: Promise<void>[] = [];
  let sha256: string;
  try {
    await walkArchive(path, format, true, async (entry, data) => {
      if (entry.path === ARCHIVE_LAYOUT.manifest || entry.path === ARCHIVE_LAYOUT.readme) return;
      const want = expectedEntries.get(entry.path);
      if (!want) {
        problems.push({ path: entry.path, problem: 'entry is in the archive but not in the manifest' });
        return;
      }
      seen.add(entry.path);
      if (want.kind !== entry.kind) {
        problems.push({ path: entry.path, problem: `is a ${entry.kind}, the manifest says ${want.kind}` });
        return;
      }
      if (want.kind !== 'file' || !data) return;
      if (workers) progress(want.size);
      if (data instanceof Digest) {
        if (data.size !== want.size) problems.push({ path: entry.path, problem: `holds ${data.size} bytes, the manifest says ${want.size}` });
        if (data.sha256 !== want.sha256) problems.push({ path: entry.path, problem: `SHA-256 is ${data.sha256}, the manifest says ${want.sha256 ?? '(none)'}` });
        return;
      }
      const h = createHash('sha256');
      let bytes = 0;
      const db = checkDatabases ? sqliteEntries.get(entry.path) : undefined;
      const copy = db ? join(work, `${db.name}.sqlite`) : null;
      const out = copy ? await open(copy, 'wx') : undefined;
      try {
        await eachChunk(data, async (chunk) => {
          h.update(chunk);
          bytes += chunk.length;
          if (out) await out.write(chunk);
        });
      } finally {
        await out?.close();
      }
      const digest = h.digest('hex');
      if (bytes !== want.size) problems.push({ path: entry.path, problem: `holds ${bytes} bytes, the manifest says ${want.size}` });
      if (digest !== want.sha256) problems.push({ path: entry.path, problem: `SHA-256 is ${digest}, the manifest says ${want.sha256 ?? '(none)'}` });
      if (db && copy && digest === want.sha256) {
        databasesChecked += 1;
        // integrity_check runs in a worker while the rest of the archive is read.
        inspections.push(
          inspectSqliteInWorker(copy)
            .catch((e: Error) => ({ integrityCheck: e.message, tables: [] as { name: string; rows: number }[] }))
            .then(async (facts) => {
              if (facts.integrityCheck !== 'ok') problems.push({ path: entry.path, problem: `integrity_check: ${facts.integrityCheck.slice(0, 200)}` });
              for (const t of db.tables) {
                const got = facts.tables.find((x) => x.name === t.name);
                if (!got || got.rows !== t.rows) problems.push({ path: entry.path, problem: `table ${t.name} has ${got?.rows ?? 'no'} rows, the manifest says ${t.rows}` });
              }
              await rm(copy, { force: true });
            }),
        );
      }
    }, workers && {
      pool: workers,
      big: true,
      plan: (p) => (checkDatabases && sqliteEntries.has(p) ? undefined : { dest: null }),
    });
  } catch (e) {
    problems.push({ path: basename(path), problem: (e as Error).message, ...(e instanceof LifeboatError ? { code: e.code } : {}) });
  } finally {
    await Promise.all(inspections);
    // The whole-file hash may still run on a worker.
    sha256 = await checkWhole().finally(closeWorkers);
    await rm(work, { recursive: true, force: true });
  }
  for (const p of expectedEntries.keys()) if (!seen.has(p)) problems.push({ path: p, problem: 'listed in the manifest but missing from the archive' });
  return { ...base, sha256, ok: problems.length === 0, entriesChecked: seen.size, databasesChecked, problems, manifest };
}
