import { statfs } from 'node:fs/promises';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { Manifest } from '../../../src-shared/manifest/schema.js';
import { ARCHIVE_LAYOUT } from '../../../src-shared/manifest/schema.js';
import { printable } from '../util/printable.js';
import type { ArchiveEntryInfo } from './archive-reader.js';

/**
 * The one definition of an acceptable archive entry. The backup's check of what it just wrote,
 * `verify`, import and restore's pre-flight all call these functions, so an archive one of them
 * accepts is never refused by another.
 *
 * Names follow the file system they restore to: on POSIX everything but NUL and `/` is a
 * legal name byte (tabs, newlines, other control characters, backslashes), so only what could
 * leave the target is refused: NUL, empty / `.` / `..` segments, absolute paths and drive letters
 * (which Lifeboat never writes: its entries start with `files/` or `databases/`). Where the
 * platform cannot hold a name (Windows: backslash, control characters), it is refused there.
 *
 * Bomb defence does not guess from compression ratios (honest zero-filled files compress past
 * 1000:1): the declared sizes are judged against the free space at the destination
 * (`assertRoomFor`), and the readers stop any entry that inflates past its declared size.
 */

/** How the target file system treats names. */
export interface NameRules {
  /** Backslash and control characters cannot be stored in a name (Windows). */
  readonly windowsNames: boolean;
  /** Names that differ only in case or Unicode normalization are the same file (macOS, Windows). */
  readonly foldsNames: boolean;
}

/**
 * The rules of the system this process runs on (archives restore on the same kind of system).
 * LIFEBOAT_FOLD_NAMES=1 applies macOS/Windows case folding here too: a fault switch that lets
 * tests on Linux produce an archive the rules refuse.
 */
export function hostNameRules(): NameRules {
  const folds = process.platform === 'win32' || process.platform === 'darwin' || process.env.LIFEBOAT_FOLD_NAMES === '1';
  return { windowsNames: process.platform === 'win32', foldsNames: folds };
}

// Control characters are exactly what this pattern looks for (refused on Windows only).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0001-\u001f\u007f]/;

function hostile(entry: string, why: string): LifeboatError {
  return new LifeboatError('ARCHIVE_HOSTILE', `Refusing the archive: entry "${printable(entry)}" ${why}. Nothing was written.`, { entry: printable(entry) });
}

/** Why `name` cannot be an entry name, or null when it can. */
export function entryNameProblem(name: string, rules: NameRules = hostNameRules()): string | null {
  if (name.length === 0) return 'has an empty name';
  if (name.includes('\u0000')) return 'has a NUL byte in its name';
  if (name.startsWith('/')) return 'is an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'starts with a drive letter';
  if (rules.windowsNames && name.includes('\\')) return 'uses a backslash, a path separator on Windows';
  if (rules.windowsNames && CONTROL.test(name)) return 'has a control character in its name, which Windows cannot store';
  // One pass over the segments, not split() + some(): names can be long and there can be millions.
  const end = name.endsWith('/') ? name.length - 1 : name.length;
  let start = 0;
  while (start <= end) {
    let stop = name.indexOf('/', start);
    if (stop < 0 || stop > end) stop = end;
    const seg = name.slice(start, stop);
    if (seg === '..') return 'climbs out of the target with ".."';
    if (seg === '' || seg === '.') return 'has an empty or "." path segment';
    start = stop + 1;
  }
  return null;
}

/** Refuse a name that could land outside the target or that the target cannot hold. */
export function assertSafeName(name: string, rules: NameRules = hostNameRules()): void {
  const problem = entryNameProblem(name, rules);
  if (problem) throw hostile(name, problem);
}

/** Key under which two names are the same file on the target. */
function collisionKey(name: string, rules: NameRules): string {
  return rules.foldsNames ? name.normalize('NFC').toLowerCase() : name;
}

/**
 * Check an archive's own entry list (from its headers) before anything is written: safe names,
 * no duplicates (nor case/Unicode collisions where the target folds names), no device, FIFO or
 * hardlink entries, no setuid/setgid/sticky bits, no entry below a symlink, no encrypted entries,
 * and declared sizes that are whole, non-negative numbers.
 */
export function assertSafeEntries(entries: readonly ArchiveEntryInfo[], rules: NameRules = hostNameRules()): void {
  const seen = new Map<string, string>();
  const links = new Map<string, string>();
  for (const e of entries) {
    assertSafeName(e.path, rules);
    const key = collisionKey(e.path, rules);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw hostile(e.path, earlier === e.path ? 'appears twice' : `collides with "${printable(earlier)}" after Unicode normalization or case folding`);
    }
    seen.set(key, e.path);
    if (e.kind === 'other') throw hostile(e.path, 'is a device, FIFO, hardlink or other special file, which Lifeboat never recreates');
    if (e.encrypted) throw hostile(e.path, 'is encrypted; Lifeboat archives are never encrypted per entry');
    if (e.mode & 0o7000) throw hostile(e.path, `carries setuid/setgid/sticky bits (mode ${e.mode.toString(8)}), which Lifeboat never recreates`);
    if (!Number.isSafeInteger(e.size) || e.size < 0) throw hostile(e.path, `declares an impossible size (${e.size})`);
    // Keyed like collisions: where the target folds names, "Link/x" is written through "link".
    if (e.kind === 'symlink') links.set(key, e.path);
  }
  if (links.size === 0) return;
  for (const e of entries) {
    // Every proper prefix of the path, found by walking its slashes (no arrays per entry).
    for (let at = e.path.indexOf('/'); at > 0; at = e.path.indexOf('/', at + 1)) {
      const link = links.get(collisionKey(e.path.slice(0, at), rules));
      if (link !== undefined) throw hostile(e.path, `would be written through the symlink "${printable(link)}"`);
    }
  }
}

/**
 * Every source sits in its own place of the layout, which nothing else shares: a folder source's
 * prefix is exactly `files/<name>/`, a database's entry lies under `databases/`, names are unique.
 * Restore maps these places onto targets, so a prefix like `files/` (or two sources sharing one)
 * would let one source's entries land on, or become a link on the way to, another's target.
 */
function assertSourceLayout(manifest: Manifest): Map<string, Manifest['sources'][number]> {
  const sources = new Map<string, Manifest['sources'][number]>();
  const dbEntries = new Set<string>();
  for (const s of manifest.sources) {
    if (sources.has(s.name)) throw hostile(s.name, 'is declared twice as a source in the manifest');
    sources.set(s.name, s);
    if (s.kind === 'folder') {
      if (s.prefix !== `${ARCHIVE_LAYOUT.filesDir}${s.name}/`) throw hostile(s.prefix, `is the place of source "${s.name}" in the manifest, but a folder source's place is "${ARCHIVE_LAYOUT.filesDir}${s.name}/"`);
    } else {
      assertSafeName(s.entry);
      if (!s.entry.startsWith(ARCHIVE_LAYOUT.databasesDir)) throw hostile(s.entry, `is the entry of database source "${s.name}" but lies outside "${ARCHIVE_LAYOUT.databasesDir}"`);
      if (dbEntries.has(s.entry)) throw hostile(s.entry, 'is the entry of two database sources');
      dbEntries.add(s.entry);
    }
  }
  // A server's globals file is never some database's own entry (issue 13).
  for (const s of manifest.sources) {
    if (s.kind === 'postgres' && s.server && dbEntries.has(s.server.globals)) throw hostile(s.server.globals, 'is both a server\'s globals and a database\'s entry');
  }
  return sources;
}

/**
 * The manifest is as untrusted as the archive: its paths must be safe, sit under the layout's
 * folders, belong to a declared source, and match the archive's entries one to one.
 */
export function assertManifestMatches(manifest: Manifest, entries: readonly ArchiveEntryInfo[], rules: NameRules = hostNameRules()): void {
  const sources = assertSourceLayout(manifest);
  for (const m of manifest.entries) {
    assertSafeName(m.path, rules);
    const src = sources.get(m.source);
    if (!src) throw hostile(m.path, `belongs to source "${m.source}", which the manifest does not declare`);
    // A whole-server PostgreSQL record may also own its server's globals file (issue 13).
    const globals = src.kind === 'postgres' && src.server?.globals === m.path;
    const allowed = src.kind === 'folder' ? m.path === src.prefix.replace(/\/$/, '') || m.path.startsWith(src.prefix) : m.path === src.entry || globals;
    if (!allowed || !(m.path.startsWith(ARCHIVE_LAYOUT.filesDir) || m.path.startsWith(ARCHIVE_LAYOUT.databasesDir))) {
      throw hostile(m.path, `lies outside its source's place in the archive layout`);
    }
    // The entry a restore turns into the target itself: a folder source's root must be a folder and
    // a database's entry a file. A link there would leave the target pointing anywhere.
    const targetKind = src.kind === 'folder' ? (m.path === src.prefix.slice(0, -1) ? 'directory' : undefined) : 'file';
    if (targetKind !== undefined && m.kind !== targetKind) {
      throw hostile(m.path, `is a ${m.kind} but becomes the restore target of source "${src.name}", which must be a ${targetKind === 'file' ? 'regular file' : 'folder'}`);
    }
  }
  const listed = new Map(entries.map((e) => [e.path, e]));
  for (const m of manifest.entries) {
    const got = listed.get(m.path);
    if (!got) throw new LifeboatError('ARCHIVE_INCOMPLETE', `The archive lacks "${printable(m.path)}", which its manifest lists.`, { entry: printable(m.path) });
    if (got.kind !== m.kind) throw hostile(m.path, `is a ${got.kind} in the archive but a ${m.kind} in the manifest`);
    if (m.kind === 'file' && got.size !== m.size) throw hostile(m.path, `declares ${got.size} bytes in the archive but ${m.size} in the manifest`);
  }
  const known = new Set(manifest.entries.map((m) => m.path));
  for (const e of entries) {
    if (e.path === ARCHIVE_LAYOUT.manifest || e.path === ARCHIVE_LAYOUT.readme) continue;
    if (!known.has(e.path)) throw hostile(e.path, 'is in the archive but not in its manifest');
  }
}

/**
 * Restore's pre-flight on an archive's entry list and manifest: exactly what the backup's own
 * check, `verify` and import run, so all of them accept and refuse the same archives.
 */
export function assertRestorable(entries: readonly ArchiveEntryInfo[], manifest: Manifest, rules: NameRules = hostNameRules()): void {
  assertSafeEntries(entries, rules);
  assertManifestMatches(manifest, entries, rules);
}

/** A manifest of a few entries never needs more than this (sources, skipped lists, warnings). */
export const MANIFEST_BASE_BYTES = 64 * 1024 * 1024;
/** Per entry: its record's fixed fields (kind, source, size, sha256, mode, mtime, owner). */
const MANIFEST_BYTES_PER_ENTRY = 1024;
/** JSON escapes a byte as at most six (\u00XX); a link target is at most PATH_MAX (4096). */
const JSON_ESCAPE = 6;
const LINK_TARGET_MAX = 4096;

/**
 * The most bytes an honest manifest of these entries can take: a generous base plus, per entry,
 * its record with the path (and a link's target) JSON-escaped at worst. The manifest is parsed in
 * memory, so its declared size is judged against this before a byte of it is read or inflated: a
 * small archive cannot make the reader hold a huge manifest, and a big one pays for its allowance
 * with the entries it must really contain.
 */
export function manifestByteCap(entries: readonly ArchiveEntryInfo[]): number {
  let cap = MANIFEST_BASE_BYTES;
  for (const e of entries) {
    cap += MANIFEST_BYTES_PER_ENTRY + JSON_ESCAPE * Buffer.byteLength(e.path);
    if (e.kind === 'symlink') cap += JSON_ESCAPE * LINK_TARGET_MAX;
  }
  return cap;
}

/** Refuse a manifest whose declared size is past `manifestByteCap`, before it is read. */
export function assertManifestSize(archive: string, declared: number, entries: readonly ArchiveEntryInfo[]): void {
  const cap = manifestByteCap(entries);
  if (Number.isSafeInteger(declared) && declared >= 0 && declared <= cap) return;
  throw new LifeboatError(
    'ARCHIVE_HOSTILE',
    `Refusing the archive ${archive}: its ${ARCHIVE_LAYOUT.manifest} declares ${formatBytes(declared)}, more than the ${formatBytes(cap)} a manifest of ${entries.length} entries can need. It was not read; the archive is damaged or made to exhaust memory.`,
    { path: archive, entry: ARCHIVE_LAYOUT.manifest, declaredBytes: declared, capBytes: cap },
  );
}

/** The bytes an archive's file entries declare (what extracting it writes). */
export function declaredBytes(entries: readonly ArchiveEntryInfo[]): number {
  let total = 0;
  for (const e of entries) if (e.kind === 'file') total += e.size;
  return total;
}

function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(1)} ${units[i]} (${n} bytes)`;
}

/**
 * Judge declared sizes against the free space where they will be written, before anything is
 * written: a bomb that declares more than the disk holds is refused here, and one that declares
 * less is stopped by the readers when an entry inflates past its declared size.
 */
export async function assertRoomFor(dir: string, bytes: number, what: string): Promise<void> {
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  if (bytes <= free) return;
  throw new LifeboatError(
    'DISK_FULL',
    `${what} needs ${formatBytes(bytes)} on the disk holding ${dir}, which has ${formatBytes(free)} free. Nothing was written.`,
    { path: dir, needBytes: bytes, freeBytes: free },
  );
}
