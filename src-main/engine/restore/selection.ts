import picomatch from 'picomatch';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { Manifest, ManifestSource } from '../../../src-shared/manifest/schema.js';
import { printable } from './entry-safety.js';

/**
 * A partial restore of one folder source: the `roots` are the selected paths (relative to the
 * source), none inside another. Each root is replaced as a unit (a file, a link, or a folder with
 * everything in it), so a crash leaves each one wholly old or wholly new.
 */
export interface SelectedPaths {
  /** What the user asked for (`path` or glob), as given after `<source>:`. */
  readonly patterns: readonly string[];
  /** Selected paths relative to the source, in manifest order; no root lies inside another. */
  readonly roots: readonly string[];
  /** Entries (files, folders, links) inside the roots, the files among them and their bytes. */
  readonly entries: number;
  readonly files: number;
  readonly bytes: number;
}

/** `--only` split into whole sources and partial selections of folder sources. */
export interface OnlySplit {
  /** Every source the restore touches (whole or in part), for the target choice. */
  readonly sources: readonly string[];
  /** Folder sources restored in part, by source name. */
  readonly partial: ReadonlyMap<string, SelectedPaths>;
}

/** How many paths an error message lists before it says "and N more". */
const LISTED = 20;

/**
 * Refuse a selection path that could name something outside the backup's tree or that cannot be
 * meant literally: absolute, `..`/`.` segments, backslashes, control characters, empty segments.
 * Returns the path without a leading `./` or trailing `/`.
 */
export function checkSelectionPath(source: string, raw: string): string {
  const p = raw.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  const bad = (why: string): LifeboatError =>
    new LifeboatError('USAGE', `--only ${source}:${printable(raw)} is refused: ${why}. Give a path inside the backup's ${source} folder, relative to it, with / between folders (e.g. ${source}:docs/report.txt or ${source}:docs/**/*.pdf).`, { source, path: printable(raw) });
  if (p.length === 0) throw bad('the path is empty (to restore the whole source, give --only ' + source + ')');
  if (raw.startsWith('/')) throw bad('it is an absolute path; selections are relative to the source folder');
  if ([...p].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) throw bad('it holds control characters');
  if (p.includes('\\')) throw bad('it holds a backslash');
  const segments = p.split('/');
  if (segments.some((s) => s === '..')) throw bad('it climbs out of the folder with ".."');
  if (segments.some((s) => s === '.' || s === '')) throw bad('it holds an empty or "." path segment');
  return p;
}

/** True when `rel` is one of `roots` or lies inside one (checked by walking up its ancestors). */
export function underRoots(rel: string, roots: ReadonlySet<string>): boolean {
  let p = rel;
  for (;;) {
    if (roots.has(p)) return true;
    const cut = p.lastIndexOf('/');
    if (cut < 0) return false;
    p = p.slice(0, cut);
  }
}

/** What a folder source holds at its top (for the "matches nothing" error). */
function topOf(manifest: Manifest, src: Extract<ManifestSource, { kind: 'folder' }>): string {
  const top: string[] = [];
  let total = 0;
  for (const e of manifest.entries) {
    if (e.source !== src.name || !e.path.startsWith(src.prefix)) continue;
    total += 1;
    const rel = e.path.slice(src.prefix.length);
    if (rel.length > 0 && !rel.includes('/') && top.length < LISTED) top.push(e.kind === 'directory' ? `${rel}/` : rel);
  }
  if (total === 0) return `The backup's ${src.name} source holds no entries.`;
  return `The backup's ${src.name} source holds ${total} entries; at its top: ${top.map(printable).join(', ')}${top.length === LISTED ? ', …' : ''} (lifeboat inspect lists them all).`;
}

function folderSource(manifest: Manifest, name: string, spec: string): Extract<ManifestSource, { kind: 'folder' }> {
  const src = manifest.sources.find((s) => s.name === name);
  if (!src) {
    throw new LifeboatError('USAGE', `--only ${printable(spec)}: the backup has no source named "${printable(name)}". It has: ${manifest.sources.map((s) => `${s.name} (${s.kind})`).join(', ')}.`, { source: name });
  }
  if (src.kind !== 'folder') {
    throw new LifeboatError('USAGE', `--only ${printable(spec)}: ${name} is a ${src.kind} source, which is restored whole; only folder sources can be restored in part. Give --only ${name}.`, { source: name });
  }
  return src;
}

/**
 * Resolve one folder source's patterns against the manifest. A pattern without glob characters is
 * a path that must exist in the backup; a glob (picomatch, dotfiles included; without a `/` it
 * matches a name at any depth, as profile include rules do) must match at least one entry.
 */
function resolveSource(manifest: Manifest, src: Extract<ManifestSource, { kind: 'folder' }>, specs: readonly { readonly p: string; readonly exact: boolean }[]): SelectedPaths {
  const patterns = specs.map((x) => x.p);
  const matchers = specs.map(({ p, exact }) => {
    const literal = exact || !picomatch.scan(p).isGlob;
    return { p, literal, test: literal ? (rel: string) => rel === p : picomatch(p, { dot: true, basename: !p.includes('/') }), hits: 0 };
  });
  const matched = new Set<string>();
  for (const e of manifest.entries) {
    if (e.source !== src.name || !e.path.startsWith(src.prefix)) continue;
    const rel = e.path.slice(src.prefix.length);
    if (rel.length === 0) continue;
    for (const m of matchers) {
      if (m.test(rel)) {
        m.hits += 1;
        matched.add(rel);
      }
    }
  }
  const missing = matchers.filter((m) => m.hits === 0);
  if (missing.length > 0) {
    const what = missing.map((m) => `"${printable(m.p)}" (${m.literal ? 'no such path' : 'a glob that matches nothing'})`).join(', ');
    throw new LifeboatError('USAGE', `--only ${src.name}:…: ${what} in this backup. ${topOf(manifest, src)}`, { source: src.name, unmatched: missing.map((m) => printable(m.p)) });
  }
  // Roots: matched paths with no matched ancestor (a folder brings everything inside it).
  const roots: string[] = [];
  for (const rel of matched) {
    const cut = rel.lastIndexOf('/');
    if (cut < 0 || !underRoots(rel.slice(0, cut), matched)) roots.push(rel);
  }
  const rootSet = new Set(roots);
  let entries = 0;
  let files = 0;
  let bytes = 0;
  for (const e of manifest.entries) {
    if (e.source !== src.name || !e.path.startsWith(src.prefix)) continue;
    const rel = e.path.slice(src.prefix.length);
    if (rel.length === 0 || !underRoots(rel, rootSet)) continue;
    entries += 1;
    if (e.kind === 'file') {
      files += 1;
      bytes += e.size;
    }
  }
  return { patterns, roots, entries, files, bytes };
}

/**
 * Split `--only` values into whole sources (`NAME`) and partial selections (`NAME:path` or
 * `NAME:glob`; `NAME=path` is one exact path, even when its name holds glob characters, as the
 * app sends the paths ticked in a tree; source names hold neither `:` nor `=`). A source named whole is restored whole even when
 * it is also named in part. Throws USAGE for hostile paths and for selections that match nothing,
 * listing what the backup holds.
 */
export function splitOnly(manifest: Manifest, only: readonly string[]): OnlySplit {
  const whole = new Set<string>();
  const byName = new Map<string, { p: string; exact: boolean }[]>();
  for (const spec of only) {
    const cut = spec.search(/[:=]/);
    if (cut < 0) {
      whole.add(spec);
      continue;
    }
    const name = spec.slice(0, cut);
    folderSource(manifest, name, spec);
    const list = byName.get(name) ?? [];
    list.push({ p: checkSelectionPath(name, spec.slice(cut + 1)), exact: spec[cut] === '=' });
    byName.set(name, list);
  }
  const partial = new Map<string, SelectedPaths>();
  for (const [name, patterns] of byName) {
    if (whole.has(name)) continue;
    partial.set(name, resolveSource(manifest, folderSource(manifest, name, `${name}:${patterns[0]?.p ?? ''}`), patterns));
  }
  return { sources: [...whole, ...partial.keys()], partial };
}

/** A predicate over paths relative to the source: inside the selection's roots. */
export function selectedBy(sel: SelectedPaths): (rel: string) => boolean {
  const roots = new Set(sel.roots);
  return (rel) => rel.length > 0 && underRoots(rel, roots);
}
