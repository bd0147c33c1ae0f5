import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { Manifest } from '../../../src-shared/manifest/schema.js';
import { ARCHIVE_LAYOUT } from '../../../src-shared/manifest/schema.js';
import type { ArchiveEntryInfo } from '../archive/archive-reader.js';
import { printable } from '../util/printable.js';

/** Limits that keep a hostile archive from filling the disk. */
export interface BombLimits {
  /** Largest total of declared entry sizes accepted. */
  readonly maxTotalBytes: number;
  /** Largest uncompressed/compressed ratio of one entry bigger than `ratioFloorBytes`. */
  readonly maxRatio: number;
  readonly ratioFloorBytes: number;
}

/** Defaults: 1 TiB total, ratio 1000:1 above 1 MiB (deflate's ceiling is ~1032:1; real data stays far below). */
export const DEFAULT_BOMB_LIMITS: BombLimits = { maxTotalBytes: 2 ** 40, maxRatio: 1000, ratioFloorBytes: 1024 * 1024 };

// Control characters in entry names are exactly what these patterns look for.
/* eslint-disable no-control-regex */
const CONTROL = /[\u0000-\u001f\u007f]/;
/* eslint-enable no-control-regex */

function hostile(entry: string, why: string): LifeboatError {
  return new LifeboatError('ARCHIVE_HOSTILE', `Refusing the archive: entry "${printable(entry)}" ${why}. Nothing was written.`, { entry: printable(entry) });
}

export { printable };

/**
 * Reject names that could land outside the target: `..` segments, absolute paths, backslashes,
 * drive letters, NUL and other control bytes, empty segments.
 */
export function assertSafeName(name: string): void {
  if (name.length === 0) throw hostile(name, 'has an empty name');
  if (CONTROL.test(name)) throw hostile(name, 'has a NUL or control character in its name');
  if (name.includes('\\')) throw hostile(name, 'uses a backslash (a Windows path separator)');
  if (name.startsWith('/')) throw hostile(name, 'is an absolute path');
  if (/^[A-Za-z]:/.test(name)) throw hostile(name, 'starts with a drive letter');
  const parts = name.replace(/\/$/, '').split('/');
  if (parts.some((p) => p === '..')) throw hostile(name, 'climbs out of the target with ".."');
  if (parts.some((p) => p === '' || p === '.')) throw hostile(name, 'has an empty or "." path segment');
}

/** Key under which two names collide on a case-insensitive or normalizing file system. */
function collisionKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/**
 * Check an archive's own entry list (from its headers) before anything is written:
 * safe names, no duplicates or case/Unicode collisions, no device/FIFO/hardlink entries,
 * no setuid/setgid/sticky bits, no entry below a symlink, encrypted entries and zip bombs refused.
 */
export function assertSafeEntries(entries: readonly ArchiveEntryInfo[], limits: BombLimits = DEFAULT_BOMB_LIMITS): void {
  const seen = new Map<string, string>();
  const links = new Set<string>();
  let total = 0;
  for (const e of entries) {
    assertSafeName(e.path);
    const key = collisionKey(e.path);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw hostile(e.path, earlier === e.path ? 'appears twice' : `collides with "${printable(earlier)}" after Unicode normalization or case folding`);
    }
    seen.set(key, e.path);
    if (e.kind === 'other') throw hostile(e.path, 'is a device, FIFO, hardlink or other special file, which Lifeboat never recreates');
    if (e.encrypted) throw hostile(e.path, 'is encrypted; Lifeboat archives are never encrypted per entry');
    if (e.mode & 0o7000) throw hostile(e.path, `carries setuid/setgid/sticky bits (mode ${e.mode.toString(8)}), which Lifeboat never recreates`);
    if (e.kind === 'symlink') links.add(e.path);
    total += e.size;
    if (total > limits.maxTotalBytes) throw hostile(e.path, `takes the declared total past the ${limits.maxTotalBytes}-byte cap (zip bomb?)`);
    if (e.compressedSize !== undefined && e.size > limits.ratioFloorBytes && e.size > e.compressedSize * limits.maxRatio) {
      throw hostile(e.path, `expands ${Math.round(e.size / Math.max(1, e.compressedSize))}:1, beyond the ${limits.maxRatio}:1 cap (zip bomb?)`);
    }
  }
  for (const e of entries) {
    const parts = e.path.split('/');
    for (let i = 1; i < parts.length; i += 1) {
      const prefix = parts.slice(0, i).join('/');
      if (links.has(prefix)) throw hostile(e.path, `would be written through the symlink "${printable(prefix)}"`);
    }
  }
}

/**
 * The manifest is as untrusted as the archive: its paths must be safe, sit under the layout's
 * folders, belong to a declared source, and match the archive's entries one to one.
 */
export function assertManifestMatches(manifest: Manifest, entries: readonly ArchiveEntryInfo[]): void {
  const sources = new Map(manifest.sources.map((s) => [s.name, s]));
  for (const m of manifest.entries) {
    assertSafeName(m.path);
    const src = sources.get(m.source);
    if (!src) throw hostile(m.path, `belongs to source "${m.source}", which the manifest does not declare`);
    const allowed = src.kind === 'folder' ? m.path === src.prefix.replace(/\/$/, '') || m.path.startsWith(src.prefix) : m.path === src.entry;
    if (!allowed || !(m.path.startsWith(ARCHIVE_LAYOUT.filesDir) || m.path.startsWith(ARCHIVE_LAYOUT.databasesDir))) {
      throw hostile(m.path, `lies outside its source's place in the archive layout`);
    }
  }
  const listed = new Map(entries.map((e) => [e.path, e]));
  for (const m of manifest.entries) {
    const got = listed.get(m.path);
    if (!got) throw new LifeboatError('ARCHIVE_INCOMPLETE', `The archive lacks "${printable(m.path)}", which its manifest lists.`, { entry: m.path });
    if (got.kind !== m.kind) throw hostile(m.path, `is a ${got.kind} in the archive but a ${m.kind} in the manifest`);
    if (m.kind === 'file' && got.size !== m.size) throw hostile(m.path, `declares ${got.size} bytes in the archive but ${m.size} in the manifest`);
  }
  const known = new Set(manifest.entries.map((m) => m.path));
  for (const e of entries) {
    if (e.path === ARCHIVE_LAYOUT.manifest || e.path === ARCHIVE_LAYOUT.readme) continue;
    if (!known.has(e.path)) throw hostile(e.path, 'is in the archive but not in its manifest');
  }
}
