import ignore, { type Ignore } from 'ignore';
import { lstat, readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { errnoCode } from '../util/fs-errors.js';
import { PackPool } from '../workers/pack-pool.js';

/** One entry found under a folder source; `rel` is POSIX-style, relative to the root. */
export interface ScannedEntry {
  readonly rel: string;
  readonly abs: string;
  /** The real path: the root resolved once, then only real folders entered (see openedPathProblem). */
  readonly real: string;
  readonly kind: 'file' | 'directory' | 'symlink';
  readonly size: number;
  readonly mode: number;
  readonly mtime: Date;
  readonly target?: string;
  readonly uid: number;
  readonly gid: number;
  /** Device and inode as the walk saw them: the file opened later must be this one. */
  readonly dev: number;
  readonly ino: number;
}

/**
 * What the read of a source met, for one path. `vanished`: deleted while the backup ran;
 * `sparse`: mostly holes, refused unless asked; `name`: not valid UTF-8; `filesystem`: another
 * filesystem (a mount point), not crossed unless asked; `cycle`: a folder already walked (a bind
 * mount of an ancestor), never entered twice; `changed`: changed while read (archiving adds those).
 */
export interface ScanNote {
  readonly path: string;
  readonly kind: 'changed' | 'vanished' | 'sparse' | 'name' | 'filesystem' | 'cycle';
  readonly reason: string;
}

/** What a scan found, and what it left out and why. */
export interface FolderScan {
  readonly root: string;
  readonly entries: readonly ScannedEntry[];
  readonly skipped: readonly { path: string; reason: string }[];
  /** The walk's notes; archiving adds the files that changed or vanished while being read. */
  readonly notes: ScanNote[];
  readonly bytes: number;
  readonly files: number;
}

/** How to select entries under the root. */
export interface ScanRules {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  readonly gitignore: boolean;
  /** Absolute paths never to enter (the backup destination: no recursive backups). */
  readonly avoid: readonly string[];
  /** Absolute paths of files backed up as sources of their own (a SQLite database inside the folder): not stored twice. */
  readonly avoidFiles?: readonly string[];
  readonly skipUnreadable: boolean;
  /** Read sparse files (mostly holes) in full, holes and all, instead of leaving them out. */
  readonly includeSparse?: boolean;
  /** Go into folders on other filesystems (mount points) instead of stopping at them. */
  readonly crossFilesystems?: boolean;
}

/** Unallocated bytes from which a file counts as sparse (reading holes costs time, not space). */
export const SPARSE_HOLE_BYTES = 64 * 1024 * 1024;

/**
 * A file is sparse when most of it is holes: at least SPARSE_HOLE_BYTES and over half of its size
 * are not allocated (`blocks` is st_blocks, in 512-byte units). Node has no SEEK_DATA/SEEK_HOLE,
 * so such a file could only be read in full, holes included (20 GB of zeros for a VM disk).
 */
export function isSparse(size: number, blocks: number): boolean {
  const holes = size - blocks * 512;
  return holes >= SPARSE_HOLE_BYTES && holes > size / 2;
}

interface GitignoreLevel {
  readonly base: string;
  readonly rules: Ignore;
}

/** Patterns without a slash match a name at any depth, as in .gitignore. */
function globMatcher(patterns: readonly string[]): (rel: string) => boolean {
  if (patterns.length === 0) return () => false;
  const matchers = patterns.map((p) => picomatch(p.replace(/^\.\//, '').replace(/\/$/, ''), { dot: true, basename: !p.includes('/') }));
  return (rel) => matchers.some((m) => m(rel));
}

/**
 * Walk a folder tree in a stable (sorted) order, honouring include/exclude globs and, when asked,
 * nested `.gitignore` files with negations. Symlinks are recorded as links, never followed.
 * Directories are recorded too, so empty folders come back on restore.
 */
export async function scanFolder(root: string, rules: ScanRules): Promise<FolderScan> {
  let rootStat;
  try {
    rootStat = await lstat(root);
  } catch (e) {
    throw new LifeboatError('SOURCE_MISSING', `Folder ${root} does not exist (${errnoCode(e) ?? 'error'}). Is its disk mounted?`, { path: root });
  }
  if (!rootStat.isDirectory()) throw new LifeboatError('SOURCE_MISSING', `${root} is not a folder.`, { path: root });
  const realRoot = await realpath(root);
  const avoid = await Promise.all(rules.avoid.map((a) => realpath(a).catch(() => a)));
  const avoidFiles = new Set(await Promise.all((rules.avoidFiles ?? []).map((a) => realpath(a).catch(() => a))));
  for (const a of avoid) {
    if (realRoot === a) {
      throw new LifeboatError('USAGE', `The folder ${root} is the backup destination itself; choose a destination outside it (or a subfolder of it).`, {
        path: root,
      });
    }
  }
  const excluded = globMatcher(rules.exclude);
  const included = rules.include.length > 0 ? globMatcher(rules.include) : () => true;

  const entries: ScannedEntry[] = [];
  const skipped: { path: string; reason: string }[] = [];
  const notes: ScanNote[] = [];
  const note = (path: string, kind: ScanNote['kind'], reason: string, leftOut: boolean): void => {
    notes.push({ path, kind, reason });
    if (leftOut) skipped.push({ path, reason });
  };
  // Folders entered, by device and inode: a bind mount of an ancestor (or of a sibling) is never
  // walked a second time.
  const seen = new Set<string>([`${rootStat.dev}:${rootStat.ino}`]);
  let bytes = 0;
  let files = 0;

  const ignoredByGit = (levels: readonly GitignoreLevel[], rel: string, isDir: boolean): boolean => {
    let ignored = false;
    for (const level of levels) {
      const sub = level.base === '' ? rel : rel.slice(level.base.length + 1);
      const r = level.rules.test(isDir ? `${sub}/` : sub);
      if (r.ignored) ignored = true;
      else if (r.unignored) ignored = false;
    }
    return ignored;
  };

  const unreadable = (rel: string, e: unknown): void => {
    if (errnoCode(e) === 'ENOENT') {
      // Deleted between its parent's listing and now: nothing to keep, nothing lost.
      note(rel, 'vanished', 'deleted while the backup ran', true);
      return;
    }
    const reason = `${errnoCode(e) ?? 'error'}: ${(e as Error).message}`;
    if (!rules.skipUnreadable) {
      throw new LifeboatError('SOURCE_UNREADABLE', `Cannot read ${join(root, rel)} (${reason}).`, { path: join(root, rel) }, { cause: e });
    }
    skipped.push({ path: rel, reason });
  };

  // A worker thread lists each folder (readdir + lstat with sync calls, a fraction of an async
  // round trip each). Subfolders are requested as soon as their parent is listed, so listings
  // are ready by the time the depth-first walk reaches them.
  const workers = new PackPool(1);
  const listings = new Map<string, ReturnType<PackPool['list']>>();
  const prefetch = (dir: string): void => {
    if (listings.has(dir)) return;
    const listing = workers.list(dir);
    listing.catch(() => undefined); // a folder the walk then skips (excluded, ignored) is never awaited
    listings.set(dir, listing);
  };
  const walk = async (dirAbs: string, dirRel: string, levels: readonly GitignoreLevel[]): Promise<void> => {
    prefetch(dirAbs);
    const listed = await listings.get(dirAbs)!;
    listings.delete(dirAbs);
    if ('error' in listed) {
      unreadable(dirRel || '.', listed.error);
      return;
    }
    const { names, stats } = listed;
    names.forEach((name, i) => {
      if (stats[i]?.type === 'directory' && !excluded(dirRel ? `${dirRel}/${name}` : name)) prefetch(join(dirAbs, name));
    });
    let here = levels;
    if (rules.gitignore && names.includes('.gitignore')) {
      try {
        const text = await readFile(join(dirAbs, '.gitignore'), 'utf8');
        here = [...levels, { base: dirRel, rules: ignore().add(text) }];
      } catch (e) {
        if (errnoCode(e) !== 'ENOENT') unreadable(dirRel ? `${dirRel}/.gitignore` : '.gitignore', e);
      }
    }
    for (const [index, name] of names.entries()) {
      const abs = join(dirAbs, name);
      const rel = dirRel ? `${dirRel}/${name}` : name;
      const st = stats[index]!;
      if (st.type === 'error') {
        unreadable(rel, st.error);
        continue;
      }
      if (st.type === 'badname') {
        // ZIP, tar and the manifest carry names as UTF-8: these bytes would come back as other
        // bytes (or not be found at all), so the file is named, escaped, and left out.
        note(rel, 'name', 'its name is not valid UTF-8 (bytes shown as \\xNN) and could not be restored byte-exact; rename it to back it up', true);
        continue;
      }
      const isDir = st.type === 'directory';
      // A database backed up as its own source (and its -wal/-shm/-journal) is not also a folder file:
      // restoring both would write the same file twice, and the folder's copy could never match.
      if (!isDir && avoidFiles.size > 0 && avoidFiles.has(join(realRoot, rel).replace(/-(wal|shm|journal)$/, ''))) continue;
      if (excluded(rel)) continue;
      if (rules.gitignore && ((isDir && name === '.git') || ignoredByGit(here, rel, isDir))) continue;
      // Rounded to the millisecond, as Node's Stats.mtime is.
      // One object literal per entry (no spread of a shared attrs object): the scan list is held for
      // the whole backup, and spread copies measured 2.3x the heap per entry (and, on 100k files,
      // one hidden class per entry: ~47 MB of maps alone).
      const entry = (kind: ScannedEntry['kind'], size: number): ScannedEntry => ({
        rel,
        abs,
        real: join(realRoot, rel),
        kind,
        size,
        mode: st.mode & 0o7777,
        mtime: new Date(Math.round(st.mtimeMs)),
        uid: st.uid,
        gid: st.gid,
        dev: st.dev,
        ino: st.ino,
      });
      if (isDir) {
        // The destination (and anything reached through it) is never backed up into itself.
        // Only real folders are entered (never links), so below the root no realpath() is needed.
        const real = join(realRoot, rel);
        if (avoid.includes(real)) continue;
        // The folder itself is kept (a mount point comes back as an empty folder), its content
        // only when it is on the root's filesystem (or crossing is allowed) and not seen before.
        entries.push(entry('directory', 0));
        if (st.dev !== rootStat.dev && !rules.crossFilesystems) {
          note(rel, 'filesystem', 'another filesystem is mounted here; its content was not backed up (allow crossing filesystems to include it)', false);
          continue;
        }
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) {
          note(rel, 'cycle', 'the same folder was already backed up through another path (a bind mount or loop); not entered twice', false);
          continue;
        }
        seen.add(key);
        await walk(abs, rel, here);
      } else if (st.type === 'symlink') {
        if (!included(rel)) continue;
        entries.push({ ...entry('symlink', 0), target: st.target ?? '' });
      } else if (st.type === 'file') {
        if (!included(rel)) continue;
        if (!rules.includeSparse && isSparse(st.size, st.blocks)) {
          const reason = `it is a sparse file of ${st.size} bytes with only ${st.blocks * 512} allocated; reading it would read every hole. Include sparse files (--include-sparse, or the profile option includeSparse) to back it up in full`;
          note(rel, 'sparse', reason, true);
          continue;
        }
        entries.push(entry('file', st.size));
        bytes += st.size;
        files += 1;
      } else {
        // FIFOs, sockets and devices are never archived: reading a FIFO would hang the backup.
        skipped.push({ path: rel, reason: 'not a regular file, folder or symlink' });
      }
    }
  };

  try {
    await walk(root, '', []);
  } finally {
    await workers.close();
  }
  return { root, entries: rules.include.length > 0 ? pruneDirectories(entries) : entries, skipped, notes, bytes, files };
}

/** With include globs, keep only the folders that lead to an included file or link. */
function pruneDirectories(entries: readonly ScannedEntry[]): ScannedEntry[] {
  const needed = new Set<string>();
  for (const e of entries) {
    if (e.kind === 'directory') continue;
    const parts = e.rel.split('/');
    for (let i = 1; i < parts.length; i += 1) needed.add(parts.slice(0, i).join('/'));
  }
  return entries.filter((e) => e.kind !== 'directory' || needed.has(e.rel));
}
