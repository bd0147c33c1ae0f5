import type { EntryKind, SourceKind } from '../../../src-shared/domain/enums.js';
import type { Manifest } from '../../../src-shared/manifest/schema.js';

/** One child of a folder in a backup's tree (paths relative to the source). */
export interface TreeChild {
  readonly name: string;
  /** Path relative to the source folder. */
  readonly path: string;
  readonly kind: EntryKind;
  /** Files: their size; folders: the bytes of every file inside. */
  readonly bytes: number;
  /** Folders: files inside at any depth. */
  readonly files: number;
  readonly sha256?: string;
  readonly target?: string;
  readonly mtime: string;
}

/** One source at the top of the tree. */
export interface TreeSource {
  readonly name: string;
  readonly kind: SourceKind;
  /** The source's place when it was backed up (a folder or database path, or a URL without password). */
  readonly place: string;
  readonly files: number;
  readonly bytes: number;
}

/**
 * A backup's folders indexed once, for a tree that loads one folder (one page) at a time: each
 * folder's children sorted folders first, then by name, and the files and bytes inside each folder.
 * Built in one pass over the manifest; no recursion, whatever the depth.
 */
export class BackupTree {
  private readonly children = new Map<string, TreeChild[]>();
  readonly sources: readonly TreeSource[];

  constructor(manifest: Manifest) {
    const totals = new Map<string, { files: number; bytes: number }>();
    const key = (source: string, dir: string): string => `${source}\0${dir}`;
    const prefixes = new Map(manifest.sources.flatMap((s) => (s.kind === 'folder' ? [[s.name, s.prefix] as const] : [])));
    // Folder totals first: each file counts in every folder above it.
    for (const e of manifest.entries) {
      const prefix = prefixes.get(e.source);
      if (!prefix || e.kind !== 'file' || !e.path.startsWith(prefix)) continue;
      let rel = e.path.slice(prefix.length);
      for (let cut = rel.lastIndexOf('/'); cut > 0; cut = rel.lastIndexOf('/')) {
        rel = rel.slice(0, cut);
        const t = totals.get(key(e.source, rel)) ?? { files: 0, bytes: 0 };
        t.files += 1;
        t.bytes += e.size;
        totals.set(key(e.source, rel), t);
      }
    }
    for (const e of manifest.entries) {
      const prefix = prefixes.get(e.source);
      if (!prefix || !e.path.startsWith(prefix)) continue;
      const rel = e.path.slice(prefix.length);
      if (rel.length === 0) continue;
      const cut = rel.lastIndexOf('/');
      const dir = cut < 0 ? '' : rel.slice(0, cut);
      const t = e.kind === 'directory' ? totals.get(key(e.source, rel)) : undefined;
      const child: TreeChild = {
        name: rel.slice(cut + 1),
        path: rel,
        kind: e.kind,
        bytes: e.kind === 'file' ? e.size : (t?.bytes ?? 0),
        files: e.kind === 'file' ? 1 : (t?.files ?? 0),
        mtime: e.mtime,
        ...(e.sha256 ? { sha256: e.sha256 } : {}),
        ...(e.target ? { target: e.target } : {}),
      };
      const list = this.children.get(key(e.source, dir));
      if (list) list.push(child);
      else this.children.set(key(e.source, dir), [child]);
    }
    for (const list of this.children.values()) list.sort((a, b) => Number(b.kind === 'directory') - Number(a.kind === 'directory') || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.sources = manifest.sources.map((s) =>
      s.kind === 'folder'
        ? { name: s.name, kind: s.kind, place: s.path, files: s.files, bytes: s.bytes }
        : { name: s.name, kind: s.kind, place: s.kind === 'sqlite' ? s.path : s.url, files: 1, bytes: manifest.entries.find((e) => e.path === s.entry)?.size ?? 0 },
    );
  }

  /** A page of one folder's children (`dir` '' is the source's top), with the folder's child count. */
  list(source: string, dir: string, offset: number, limit: number): { total: number; children: readonly TreeChild[] } {
    const all = this.children.get(`${source}\0${dir}`) ?? [];
    return { total: all.length, children: all.slice(offset, offset + limit) };
  }
}
