import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manifest, ManifestEntry, ManifestSource } from '../../../src-shared/manifest/schema.js';

/** One kind of change a restore makes at a folder target, with the paths (a page of them). */
export interface ChangeList {
  readonly count: number;
  /** Bytes at the target that this change removes (deleted or replaced), or writes (added). */
  readonly bytes: number;
  /** Where `paths` starts in the whole list. */
  readonly offset: number;
  /** Paths relative to the target, the page [offset, offset + limit) in walk order. */
  readonly paths: readonly string[];
}

/** What a folder restore does to what is there now. */
export interface FolderChanges {
  /** At the target but not in the backup: gone after the restore. */
  readonly deleted: ChangeList;
  /** In both, but different (type, size or mtime): the target's version is replaced. */
  readonly replaced: ChangeList;
  /** In the backup only. */
  readonly added: ChangeList;
  /** In both with the same type, size and mtime. */
  readonly unchanged: number;
  /** Entries (files, links, folders) at the target now, the files among them, and their bytes. */
  readonly liveEntries: number;
  readonly liveFiles: number;
  readonly liveBytes: number;
  /** Folders inside the target that are on another filesystem (mount points). */
  readonly mountPoints: readonly string[];
}

class Collector {
  count = 0;
  bytes = 0;
  readonly paths: string[] = [];
  constructor(
    private readonly offset: number,
    private readonly limit: number,
  ) {}

  add(path: string, bytes: number): void {
    if (this.count >= this.offset && this.paths.length < this.limit) this.paths.push(path);
    this.count += 1;
    this.bytes += bytes;
  }

  done(): ChangeList {
    return { count: this.count, bytes: this.bytes, offset: this.offset, paths: this.paths };
  }
}

function sameAsBackup(e: ManifestEntry, st: Awaited<ReturnType<typeof lstat>>): boolean {
  if (e.kind === 'directory') return st.isDirectory();
  if (e.kind === 'symlink') return st.isSymbolicLink();
  return st.isFile() && Number(st.size) === e.size && Math.trunc(Number(st.mtimeMs) / 1000) === Math.trunc(Date.parse(e.mtime) / 1000);
}

/** A part of a folder source (file-level restore): only these paths are compared and changed. */
export interface ChangeScope {
  /** Selected paths relative to the source; none inside another. */
  readonly roots: readonly string[];
  /** Whether a path relative to the source lies inside the roots. */
  readonly selected: (rel: string) => boolean;
}

/**
 * Compare a folder target with the backup's entries for it: what the restore deletes, replaces
 * and adds. The target is walked without recursion (any depth); only a page of paths per kind is
 * kept, so the answer stays small for any tree. With a `scope`, only the selected roots are walked
 * and compared: nothing outside them is counted, and nothing outside them is ever deleted.
 */
export async function folderChanges(
  manifest: Manifest,
  source: Extract<ManifestSource, { kind: 'folder' }>,
  target: string,
  page: { offset: number; limit: number } = { offset: 0, limit: 200 },
  scope?: ChangeScope,
): Promise<FolderChanges> {
  const root = source.prefix.replace(/\/$/, '');
  const wanted = new Map<string, ManifestEntry>();
  for (const e of manifest.entries) {
    if (e.source !== source.name || e.path === root) continue;
    const rel = e.path.slice(source.prefix.length);
    if (!scope || scope.selected(rel)) wanted.set(rel, e);
  }
  const deleted = new Collector(page.offset, page.limit);
  const replaced = new Collector(page.offset, page.limit);
  const added = new Collector(page.offset, page.limit);
  let unchanged = 0;
  let liveEntries = 0;
  let liveFiles = 0;
  let liveBytes = 0;
  const seen = new Set<string>();
  const mountPoints: string[] = [];
  const top = await lstat(target).catch(() => undefined);
  const stack: string[] = [];
  const visit = async (r: string): Promise<void> => {
    const st = await lstat(join(target, r)).catch(() => undefined);
    if (!st) return;
    liveEntries += 1;
    const size = st.isFile() ? Number(st.size) : 0;
    liveBytes += size;
    if (st.isFile()) liveFiles += 1;
    const e = wanted.get(r);
    if (!e) deleted.add(st.isDirectory() ? `${r}/` : r, size);
    else {
      seen.add(r);
      if (sameAsBackup(e, st)) unchanged += 1;
      else replaced.add(r, size);
    }
    if (st.isDirectory() && top && st.dev !== top.dev) mountPoints.push(r);
    else if (st.isDirectory()) stack.push(r);
  };
  if (top?.isDirectory() && scope) for (const r of scope.roots) await visit(r);
  else if (top?.isDirectory()) stack.push('');
  while (stack.length > 0) {
    const rel = stack.pop() ?? '';
    const names = await readdir(rel ? join(target, rel) : target).catch(() => [] as string[]);
    names.sort();
    for (const name of names) await visit(rel ? `${rel}/${name}` : name);
  }
  for (const [r, e] of wanted) if (!seen.has(r)) added.add(e.kind === 'directory' ? `${r}/` : r, e.kind === 'file' ? e.size : 0);
  return { deleted: deleted.done(), replaced: replaced.done(), added: added.done(), unchanged, liveEntries, liveFiles, liveBytes, mountPoints };
}
