import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import extract from 'extract-zip';
import { detectFormat, readAll, walkArchive } from '../src-main/engine/archive/archive-reader.js';
import { assertSafeEntries } from '../src-main/engine/archive/entry-rules.js';

/** What an archive holds, as one reader sees it: files with their bytes, folders, links. */
export interface Listing {
  readonly files: Map<string, Buffer>;
  readonly dirs: Set<string>;
  readonly links: Map<string, string>;
  readonly modes: Map<string, number>;
}

function empty(): Listing {
  return { files: new Map(), dirs: new Set(), links: new Map(), modes: new Map() };
}

/**
 * Lifeboat's reading of an archive, as import does it: the format by content, the entry rules on
 * the headers, then every entry's bytes (sizes and CRCs checked as they are read).
 */
export async function lifeboatListing(path: string): Promise<Listing> {
  const format = await detectFormat(path);
  const out = empty();
  const headers: Parameters<typeof assertSafeEntries>[0][number][] = [];
  await walkArchive(path, format, false, async (e) => {
    headers.push(e);
  });
  assertSafeEntries(headers);
  await walkArchive(path, format, true, async (e, data) => {
    out.modes.set(e.path, e.mode);
    if (e.kind === 'directory') out.dirs.add(e.path);
    else if (e.kind === 'symlink') out.links.set(e.path, e.linkTarget ?? (data ? (await readAll(data, e.path, 4096)).toString('utf8') : ''));
    else out.files.set(e.path, data ? await readAll(data, e.path, 64 * 1024 * 1024) : Buffer.alloc(0));
  });
  return out;
}

/** What a folder holds after an extractor ran into it (relative paths, "/" separated). */
export async function folderListing(root: string): Promise<Listing> {
  const out = empty();
  const queue = [''];
  while (queue.length > 0) {
    const rel = queue.pop() ?? '';
    for (const name of await readdir(join(root, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(join(root, r));
      out.modes.set(r, st.mode & 0o7777);
      if (st.isSymbolicLink()) out.links.set(r, await readlink(join(root, r)));
      else if (st.isDirectory()) {
        out.dirs.add(r);
        queue.push(r);
      } else out.files.set(r, await readFile(join(root, r)));
    }
  }
  return out;
}

/** The design card's extractor (extract-zip, on yauzl) run into `dir`. */
export async function extractZipListing(path: string, dir: string): Promise<Listing> {
  await extract(path, { dir });
  return folderListing(dir);
}

/** True when Info-ZIP `unzip` is installed. */
export function hasUnzip(): boolean {
  return spawnSync('unzip', ['-v'], { stdio: 'ignore' }).status === 0;
}

/** Info-ZIP `unzip` run into `dir` (exit 1 is "warnings", such as bytes before the archive). */
export async function unzipListing(path: string, dir: string): Promise<Listing> {
  const r = spawnSync('unzip', ['-qq', '-o', path, '-d', dir], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  if (r.status !== 0 && r.status !== 1) throw new Error(`unzip failed (${r.status}): ${r.stderr}`);
  return folderListing(dir);
}

/** Files as name → text, for readable assertions. */
export function texts(l: Listing): Record<string, string> {
  const pairs: [string, string][] = [...l.files].map(([k, v]) => [k, v.toString('utf8')]);
  return Object.fromEntries(pairs.sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Files as name → "<size> <sha256>" of their bytes: equal listings compare equal, byte for byte, and diffs stay readable. */
export function fileBytes(l: Listing): Record<string, string> {
  const pairs: [string, string][] = [...l.files].map(([k, v]) => [k, digest(v)]);
  return Object.fromEntries(pairs.sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** "<size> <sha256>" of some bytes. */
export function digest(b: Buffer): string {
  return `${b.length} ${createHash('sha256').update(b).digest('hex')}`;
}
