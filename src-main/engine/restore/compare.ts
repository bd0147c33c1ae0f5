import type { SourceKind } from '../../../src-shared/domain/enums.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { Manifest, ManifestEntry, ManifestSource } from '../../../src-shared/manifest/schema.js';
import type { ResolvedTarget } from '../lifeboat-engine.js';

/** One kind of difference, with a page of paths (relative to the source folder). */
export interface DeltaList {
  readonly count: number;
  /** Bytes of the files concerned (in B for added and changed, in A for removed). */
  readonly bytes: number;
  readonly paths: readonly string[];
}

/** Rows of one table in each backup (null: the table is not in that backup). */
export interface TableDelta {
  readonly name: string;
  readonly rowsA: number | null;
  readonly rowsB: number | null;
  readonly delta: number;
}

/** How one source differs between backup A and backup B. */
export interface SourceComparison {
  readonly source: string;
  readonly kind: SourceKind;
  /** Where the source is: in both backups, or only in one. */
  readonly presence: 'both' | 'only-a' | 'only-b';
  /** Files, folders and links in B but not A; in A but not B; in both with another SHA-256 (or kind, or link target). */
  readonly added: DeltaList;
  readonly removed: DeltaList;
  readonly changed: DeltaList;
  readonly unchanged: number;
  /** Database sources: rows per table in each backup (tables in either). */
  readonly tables?: readonly TableDelta[];
  /** Database sources: the dump itself differs (by SHA-256). */
  readonly dumpChanged?: boolean;
}

/** The whole comparison. */
export interface BackupComparison {
  readonly a: { readonly id: string | null; readonly path: string; readonly createdAt: string };
  readonly b: { readonly id: string | null; readonly path: string; readonly createdAt: string };
  readonly sources: readonly SourceComparison[];
}

class Delta {
  count = 0;
  bytes = 0;
  readonly paths: string[] = [];
  constructor(private readonly limit: number) {}
  add(path: string, bytes: number): void {
    if (this.paths.length < this.limit) this.paths.push(path);
    this.count += 1;
    this.bytes += bytes;
  }
  done(): DeltaList {
    return { count: this.count, bytes: this.bytes, paths: this.paths };
  }
}

/** What identifies an entry's content: kind, then hash (or size) or link target. */
function fingerprint(e: ManifestEntry): string {
  if (e.kind === 'file') return `f:${e.sha256 ?? `size ${e.size}`}`;
  if (e.kind === 'symlink') return `l:${e.target ?? ''}`;
  return 'd';
}

function relOf(src: ManifestSource | undefined, e: ManifestEntry): string | null {
  if (src?.kind !== 'folder') return null;
  if (!e.path.startsWith(src.prefix)) return null;
  const rel = e.path.slice(src.prefix.length);
  return rel.length ? (e.kind === 'directory' ? `${rel}/` : rel) : null;
}

function tablesOf(s: ManifestSource | undefined): readonly { name: string; rows: number }[] {
  return s && s.kind !== 'folder' ? s.tables : [];
}

function tableDeltas(a: ManifestSource | undefined, b: ManifestSource | undefined): TableDelta[] {
  const rowsA = new Map(tablesOf(a).map((t) => [t.name, t.rows]));
  const rowsB = new Map(tablesOf(b).map((t) => [t.name, t.rows]));
  const names = new Set([...rowsA.keys(), ...rowsB.keys()]);
  return [...names].sort().map((name) => {
    const ra = rowsA.get(name) ?? null;
    const rb = rowsB.get(name) ?? null;
    return { name, rowsA: ra, rowsB: rb, delta: (rb ?? 0) - (ra ?? 0) };
  });
}

/**
 * Compare two backups' manifests. A's entries are reduced to one short fingerprint per path and
 * A's manifest is dropped before B's is read, so at most one whole manifest is in memory at a time;
 * B's entries are then matched against A's, and what is left of A was removed. Each list keeps a
 * page of `limit` paths and the full counts.
 */
export async function compareBackups(
  a: ResolvedTarget,
  b: ResolvedTarget,
  readManifest: (t: ResolvedTarget) => Promise<Manifest>,
  limit = 200,
): Promise<BackupComparison> {
  const pa = a.record?.profile ?? null;
  const pb = b.record?.profile ?? null;
  if (a.record && b.record && pa !== pb) {
    throw new LifeboatError('USAGE', `Backups ${a.record.id.slice(0, 8)} (${pa ?? 'ad hoc'}) and ${b.record.id.slice(0, 8)} (${pb ?? 'ad hoc'}) belong to different profiles; compare two backups of the same profile.`, { a: a.record.id, b: b.record.id });
  }
  // A, reduced: source → rel → fingerprint and size. The manifest itself goes out of scope here.
  const seenA = new Map<string, Map<string, { print: string; size: number }>>();
  const sourcesA = new Map<string, ManifestSource>();
  let createdA: string;
  {
    const m = await readManifest(a);
    createdA = m.createdAt;
    for (const s of m.sources) sourcesA.set(s.name, s);
    for (const e of m.entries) {
      const src = sourcesA.get(e.source);
      const rel = relOf(src, e) ?? (src && src.kind !== 'folder' && e.path === src.entry ? '\0dump' : null);
      if (rel === null) continue;
      let bySource = seenA.get(e.source);
      if (!bySource) seenA.set(e.source, (bySource = new Map<string, { print: string; size: number }>()));
      bySource.set(rel, { print: fingerprint(e), size: e.size });
    }
  }
  const mb = await readManifest(b);
  const sourcesB = new Map(mb.sources.map((s) => [s.name, s]));
  const names = [...new Set([...sourcesA.keys(), ...sourcesB.keys()])];
  const deltas = new Map(names.map((n) => [n, { added: new Delta(limit), removed: new Delta(limit), changed: new Delta(limit), unchanged: 0, dumpChanged: false }]));
  for (const e of mb.entries) {
    const src = sourcesB.get(e.source);
    const d = deltas.get(e.source);
    if (!src || !d) continue;
    const before = seenA.get(e.source);
    if (src.kind !== 'folder') {
      if (e.path !== src.entry) continue;
      const old = before?.get('\0dump');
      d.dumpChanged = !old || old.print !== fingerprint(e);
      before?.delete('\0dump');
      continue;
    }
    const rel = relOf(src, e);
    if (rel === null) continue;
    const old = before?.get(rel);
    if (!old) d.added.add(rel, e.size);
    else {
      before?.delete(rel);
      if (old.print === fingerprint(e)) d.unchanged += 1;
      else d.changed.add(rel, e.size);
    }
  }
  for (const [name, rest] of seenA) {
    const d = deltas.get(name);
    if (!d) continue;
    // Sorted so the page of removed paths is stable from one run to the next.
    for (const rel of [...rest.keys()].sort()) if (rel !== '\0dump') d.removed.add(rel, rest.get(rel)?.size ?? 0);
  }
  const sources = names.map((name): SourceComparison => {
    const sa = sourcesA.get(name);
    const sb = sourcesB.get(name);
    const d = deltas.get(name);
    const kind = (sb ?? sa)?.kind ?? 'folder';
    const presence = sa && sb ? 'both' : sa ? 'only-a' : 'only-b';
    const base = { source: name, kind, presence, added: d?.added.done() ?? new Delta(0).done(), removed: d?.removed.done() ?? new Delta(0).done(), changed: d?.changed.done() ?? new Delta(0).done(), unchanged: d?.unchanged ?? 0 } as const;
    return kind === 'folder' ? base : { ...base, tables: tableDeltas(sa, sb), dumpChanged: presence === 'both' ? (d?.dumpChanged ?? false) : true };
  });
  return {
    a: { id: a.record?.id ?? null, path: a.path, createdAt: createdA },
    b: { id: b.record?.id ?? null, path: b.path, createdAt: mb.createdAt },
    sources,
  };
}
