import { z } from 'zod';

/*
 * File-level restore and backup comparison (issue 12, item 4): the request schemas and response
 * types of the `files:*` channels. Only catalog ids and paths *inside a backup* cross IPC; a
 * folder to restore into is a path grant from a "Choose folder…" dialog.
 */

const id = z.string().min(4).max(64);
const sourceName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
const pathRef = z.strictObject({ token: z.string().regex(/^[0-9a-f]{64}$/), displayPath: z.string().min(1).max(4096) });

/** One ticked path of a backup's tree: a file, link or folder of a folder source, relative to it. */
export const fileSelectionSchema = z.object({ source: sourceName, path: z.string().min(1).max(4096) });

/** Request schemas of the files:* channels. */
export const FILES_REQUESTS = {
  'files:list-folder': z.object({
    id,
    /** A folder source; absent: only the sources are listed. */
    source: sourceName.optional(),
    /** A folder inside the source ('' is its top). */
    dir: z.string().max(4096).default(''),
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(500).default(200),
  }),
  'files:plan': z.object({ id, select: z.array(fileSelectionSchema).min(1).max(20_000), toDir: pathRef.optional() }),
  'files:restore': z.object({ id, select: z.array(fileSelectionSchema).min(1).max(20_000), toDir: pathRef.optional(), safetyBackup: z.boolean().default(true) }),
  'files:compare': z.object({ a: id, b: id, limit: z.number().int().min(1).max(500).default(200) }),
} as const;

/** One child in a backup's tree (paths relative to its source). */
export interface TreeChildView {
  readonly name: string;
  readonly path: string;
  readonly kind: 'file' | 'directory' | 'symlink';
  readonly bytes: number;
  readonly files: number;
  readonly sha256?: string;
  readonly target?: string;
  readonly mtime: string;
}

/** One source of a backup, at the top of its tree. */
export interface TreeSourceView {
  readonly name: string;
  readonly kind: 'folder' | 'sqlite' | 'postgres' | 'mysql';
  readonly place: string;
  readonly files: number;
  readonly bytes: number;
}

/** A page of one folder of a backup's tree. */
export interface FolderPageView {
  readonly sources: readonly TreeSourceView[];
  readonly total: number;
  readonly children: readonly TreeChildView[];
}

/** A page of paths of one kind of change. */
export interface PathListView {
  readonly count: number;
  readonly bytes: number;
  readonly paths: readonly string[];
}

/** What a file-level restore will do at one folder. */
export interface FilesPlanTargetView {
  readonly source: string;
  readonly target: string;
  readonly exists: boolean;
  readonly selected: { readonly count: number; readonly files: number; readonly bytes: number; readonly paths: readonly string[] };
  /** Inside the selection only: nothing outside it is ever changed. */
  readonly changes: { readonly deleted: PathListView; readonly replaced: PathListView; readonly added: PathListView; readonly unchanged: number } | null;
}

/** A file-level restore's plan. */
export interface FilesPlanView {
  readonly backupName: string;
  readonly checksumOk: boolean;
  readonly targets: readonly FilesPlanTargetView[];
  readonly problems: readonly string[];
}

/** How one source differs between two backups. */
export interface SourceComparisonView {
  readonly source: string;
  readonly kind: string;
  readonly presence: 'both' | 'only-a' | 'only-b';
  readonly added: PathListView;
  readonly removed: PathListView;
  readonly changed: PathListView;
  readonly unchanged: number;
  readonly tables?: readonly { readonly name: string; readonly rowsA: number | null; readonly rowsB: number | null; readonly delta: number }[];
  readonly dumpChanged?: boolean;
}

/** Two backups compared. */
export interface ComparisonView {
  readonly a: { readonly id: string | null; readonly path: string; readonly createdAt: string };
  readonly b: { readonly id: string | null; readonly path: string; readonly createdAt: string };
  readonly sources: readonly SourceComparisonView[];
}

/** Responses of the files:* channels. */
export interface FilesResponses {
  'files:list-folder': FolderPageView;
  'files:plan': FilesPlanView;
  'files:restore': { jobId: string };
  'files:compare': ComparisonView;
}
