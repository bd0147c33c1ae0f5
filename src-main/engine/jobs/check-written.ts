import type { ArchiveFormat } from '../../../src-shared/domain/enums.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { Manifest } from '../../../src-shared/manifest/schema.js';
import { ARCHIVE_LAYOUT } from '../../../src-shared/manifest/schema.js';
import { listArchive } from '../archive/archive-reader.js';

/**
 * Success is decided by what was written: list the finished archive's entries from its own
 * headers and check them against the manifest (same set of paths, kinds and sizes).
 */
export async function checkWrittenArchive(path: string, format: ArchiveFormat, manifest: Manifest): Promise<void> {
  const listed = await listArchive(path, format);
  const byPath = new Map(listed.map((e) => [e.path, e]));
  const problems: string[] = [];
  for (const e of manifest.entries) {
    const got = byPath.get(e.path);
    if (!got) problems.push(`${e.path} is missing`);
    else if (got.kind !== e.kind) problems.push(`${e.path} is a ${got.kind}, expected a ${e.kind}`);
    else if (e.kind === 'file' && got.size !== e.size) problems.push(`${e.path} holds ${got.size} bytes, expected ${e.size}`);
  }
  const expected = manifest.entries.length + 2;
  for (const extra of [ARCHIVE_LAYOUT.manifest, ARCHIVE_LAYOUT.readme]) if (!byPath.has(extra)) problems.push(`${extra} is missing`);
  if (listed.length !== expected) problems.push(`the archive lists ${listed.length} entries, expected ${expected}`);
  if (problems.length > 0) {
    throw new LifeboatError('ARCHIVE_INCOMPLETE', `The archive just written (${path}) does not match its manifest: ${problems.slice(0, 5).join('; ')}.`, {
      path,
      problems: problems.slice(0, 50),
    });
  }
}
