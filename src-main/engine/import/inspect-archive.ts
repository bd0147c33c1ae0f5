import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { Manifest } from '../../../src-shared/manifest/schema.js';
import { detectFormat, listWithManifest } from '../archive/archive-reader.js';
import type { EngineEnv } from '../engine-env.js';
import { assertSafeEntries } from '../restore/entry-safety.js';
import { readSidecar, sha256File, verifyArchive } from '../verify/verify-archive.js';

/** Which bytes were inspected: an import copies the file only while all of this is unchanged. */
export interface FileIdentity {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  readonly dev: number;
  readonly sha256: string;
}

/** What an archive is, learned by reading it where it lies. Nothing is written anywhere. */
export interface ArchiveInspection {
  readonly identity: FileIdentity;
  readonly fileName: string;
  readonly format: 'zip' | 'tar.gz';
  readonly kind: 'lifeboat' | 'plain';
  readonly files: number;
  readonly manifest: Manifest | null;
  readonly checks: readonly { ok: boolean; text: string }[];
  readonly vouchedBy: 'sidecar' | 'manifest' | 'none';
  readonly duplicateOf: { id: string; fileName: string } | null;
  readonly problems: readonly string[];
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** size, mtime, inode and device of a file: what "the same file" means between inspection and copy. */
export async function statIdentity(path: string): Promise<Omit<FileIdentity, 'sha256'>> {
  const st = await stat(path);
  if (!st.isFile()) throw new LifeboatError('NOT_FOUND', `${path} is not a regular file. Drop the archive file itself.`, { path });
  return { path, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev };
}

/**
 * Inspect an archive in place, read-only, before anything is copied: its format, whether Lifeboat
 * wrote it (a manifest), its sources and origin, and exactly what was checked. A Lifeboat archive
 * has every entry hashed against its manifest (and the whole file against a `.sha256` beside it, if
 * one came with it); a plain archive has its entry names checked (none may escape) and nothing
 * else, which the checks say. Unsafe entry names throw ARCHIVE_HOSTILE, as the import would.
 */
export async function inspectArchive(env: EngineEnv, file: string): Promise<ArchiveInspection> {
  const path = resolve(file);
  const before = await statIdentity(path);
  const format = await detectFormat(path);
  const listed = await listWithManifest(path, format);
  assertSafeEntries(listed.entries);
  const manifest = await listed.manifest;
  const checks: { ok: boolean; text: string }[] = [];
  const problems: string[] = [];
  let sha256: string;
  let vouchedBy: ArchiveInspection['vouchedBy'] = 'none';
  let files = listed.entries.filter((e) => e.kind === 'file').length;
  checks.push({ ok: true, text: `Entry names: none of the ${plural(listed.entries.length, 'entry', 'entries')} points outside the folder it is restored into.` });
  if (manifest) {
    const sidecar = await readSidecar(path);
    const report = await verifyArchive(path, { sha256: sidecar, source: sidecar ? 'sidecar' : 'none' });
    sha256 = report.sha256;
    files = manifest.totals.files;
    const wholeFile = report.problems.some((p) => p.path === basename(path) && /archive SHA-256/.test(p.problem));
    const entryProblems = report.problems.filter((p) => !(p.path === basename(path) && /archive SHA-256/.test(p.problem)));
    checks.push(
      entryProblems.length === 0
        ? { ok: true, text: `SHA-256 and size of every one of the ${plural(manifest.totals.files, 'file')} matched the archive's own manifest${report.databasesChecked ? `; ${plural(report.databasesChecked, 'SQLite database')} passed integrity_check with the recorded row counts` : ''}.` }
        : { ok: false, text: `${plural(entryProblems.length, 'entry', 'entries')} did not match the manifest; first: ${entryProblems[0]?.path}: ${entryProblems[0]?.problem}` },
    );
    if (sidecar) {
      checks.push(wholeFile ? { ok: false, text: `The whole file's SHA-256 (${sha256}) does not match the ${basename(path)}.sha256 beside it (${sidecar}).` } : { ok: true, text: `The whole file's SHA-256 matched the ${basename(path)}.sha256 that came with it.` });
    } else {
      checks.push({ ok: false, text: `No ${basename(path)}.sha256 came with it: the entries agree with the manifest inside, but nothing from its origin vouches for the archive as a whole.` });
    }
    for (const p of report.problems) problems.push(`${p.path}: ${p.problem}`);
    vouchedBy = report.ok ? (sidecar ? 'sidecar' : 'manifest') : 'none';
  } else {
    sha256 = await sha256File(path);
    checks.push({ ok: false, text: 'Foreign archive: no Lifeboat manifest, so no checksum from its origin vouches for its contents. Its file contents are read only when it is imported.' });
  }
  const after = await statIdentity(path);
  if (after.size !== before.size || after.mtimeMs !== before.mtimeMs || after.ino !== before.ino) {
    throw new LifeboatError('SOURCE_CHANGED', `${path} changed while it was inspected (another program is still writing it). Wait until the download or copy has finished, then drop it again.`, { path });
  }
  const dup = env.catalog.backups.findBySha256(sha256);
  return {
    identity: { ...before, sha256 },
    fileName: basename(path),
    format,
    kind: manifest ? 'lifeboat' : 'plain',
    files,
    manifest: manifest ?? null,
    checks,
    vouchedBy,
    duplicateOf: dup ? { id: dup.id, fileName: dup.fileName } : null,
    problems,
  };
}
