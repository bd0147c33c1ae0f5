import type { ArchiveFormat } from '../../../src-shared/domain/enums.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { Manifest } from '../../../src-shared/manifest/schema.js';
import { ARCHIVE_LAYOUT } from '../../../src-shared/manifest/schema.js';
import { listWithManifest } from '../archive/archive-reader.js';
import { assertRestorable } from '../archive/entry-rules.js';
import { printable } from '../util/printable.js';

/**
 * Success is decided by what was written: list the finished archive's entries from its own
 * headers, read its manifest back, and run restore's own pre-flight on them (the shared entry
 * rules), so a backup that restore would refuse never becomes COMPLETED. Then check the archive
 * holds exactly what the job meant to write (same manifest, same set of paths, kinds and sizes).
 */
export async function checkWrittenArchive(path: string, format: ArchiveFormat, manifest: Manifest): Promise<void> {
  const listed = await listWithManifest(path, format);
  const written = await listed.manifest;
  if (!written || written.backupId !== manifest.backupId || written.entries.length !== manifest.entries.length) {
    throw new LifeboatError('ARCHIVE_INCOMPLETE', `The archive just written (${path}) does not hold the manifest the backup wrote.`, { path });
  }
  try {
    assertRestorable(listed.entries, written);
  } catch (e) {
    if (!(e instanceof LifeboatError)) throw e;
    throw new LifeboatError('VERIFY_FAILED', `The archive just written (${path}) would be refused by restore, so it is not kept: ${e.message}`, { path, rule: e.code, ...e.details }, { cause: e });
  }
  const byPath = new Map(listed.entries.map((e) => [e.path, e]));
  const problems: string[] = [];
  for (const e of manifest.entries) {
    const got = byPath.get(e.path);
    if (!got) problems.push(`${printable(e.path)} is missing`);
    else if (got.kind !== e.kind) problems.push(`${printable(e.path)} is a ${got.kind}, expected a ${e.kind}`);
    else if (e.kind === 'file' && got.size !== e.size) problems.push(`${printable(e.path)} holds ${got.size} bytes, expected ${e.size}`);
  }
  const expected = manifest.entries.length + 2;
  for (const extra of [ARCHIVE_LAYOUT.manifest, ARCHIVE_LAYOUT.readme]) if (!byPath.has(extra)) problems.push(`${extra} is missing`);
  if (listed.entries.length !== expected) problems.push(`the archive lists ${listed.entries.length} entries, expected ${expected}`);
  if (problems.length > 0) {
    throw new LifeboatError('ARCHIVE_INCOMPLETE', `The archive just written (${path}) does not match its manifest: ${problems.slice(0, 5).join('; ')}.`, {
      path,
      problems: problems.slice(0, 50),
    });
  }
}
