import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { formatBytes, formatDateTime } from '../../../src-shared/domain/format.js';
import type { ImportPreviewView } from '../../../src-shared/ipc/contract.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { importArchive } from '../../engine/import/import-archive.js';
import { inspectArchive, type ArchiveInspection, type FileIdentity } from '../../engine/import/inspect-archive.js';
import type { HandlerGroup } from '../handler.js';
import type { Services } from '../services.js';

/** How long an inspection may be acted on: the time to read the preview, not to keep it. */
const INSPECTION_TTL_MS = 30 * 60_000;
/** Inspections kept per window; the oldest go first. */
const MAX_INSPECTIONS = 32;

interface Inspected {
  readonly identity: FileIdentity;
  readonly summary: string;
  readonly expiresAt: number;
}

// Per Services (one per app or test), so two test apps never share inspections.
const inspections = new WeakMap<Services, Map<string, Inspected>>();

function table(s: Services): Map<string, Inspected> {
  let t = inspections.get(s);
  if (!t) inspections.set(s, (t = new Map<string, Inspected>()));
  const now = Date.now();
  for (const [k, v] of t) if (v.expiresAt <= now) t.delete(k);
  while (t.size >= MAX_INSPECTIONS) {
    const oldest = t.keys().next().value;
    if (oldest === undefined) break;
    t.delete(oldest);
  }
  return t;
}

function toView(token: string, i: ArchiveInspection): ImportPreviewView {
  const m = i.manifest;
  return {
    inspection: token,
    fileName: i.fileName,
    path: i.identity.path,
    size: i.identity.size,
    format: i.format,
    kind: i.kind,
    files: i.files,
    sources: m
      ? m.sources.map((src) => ({
          name: src.name,
          kind: src.kind,
          files: src.kind === 'folder' ? src.files : null,
          rows: src.kind === 'folder' ? null : src.totalRows,
          bytes: src.kind === 'folder' ? src.bytes : (m.entries.find((e) => e.path === src.entry)?.size ?? 0),
        }))
      : [],
    origin: m ? { host: m.host, user: m.user, createdAt: m.createdAt, profile: m.profile, description: m.description, appVersion: m.app.version } : null,
    checks: i.checks,
    vouchedBy: i.vouchedBy,
    duplicateOf: i.duplicateOf,
    problems: i.problems,
  };
}

/** One line for main's own question: what is about to be copied. */
function summaryOf(i: ArchiveInspection): string {
  const m = i.manifest;
  const what = m ? `Lifeboat archive made on ${m.host} by ${m.user}, ${formatDateTime(m.createdAt)}` : 'plain archive (not made by Lifeboat): re-packed as a files-only backup';
  return `${i.identity.path}\n${formatBytes(i.identity.size)}, ${what}.\n${i.checks.map((c) => `${c.ok ? '✓' : '!'} ${c.text}`).join('\n')}`;
}

/**
 * import:* handlers. A dropped archive is first inspected where it lies (read-only, through its
 * grant, nothing copied); import:archive then copies only a file that was inspected and is
 * unchanged, and only after main's own question, which a renderer cannot answer.
 */
export const importHandlers: HandlerGroup<'import:inspect' | 'import:archive'> = {
  'import:inspect': async (s, p): Promise<ImportPreviewView> => {
    const path = s.grants.peek(p.archive, ['archive', 'file'], 'the archive to inspect');
    const inspected = await inspectArchive(s.engine.env, path);
    const token = randomBytes(32).toString('hex');
    table(s).set(token, { identity: inspected.identity, summary: summaryOf(inspected), expiresAt: Date.now() + INSPECTION_TTL_MS });
    return toView(token, inspected);
  },

  'import:archive': async (s, p) => {
    const path = s.grants.peek(p.archive, ['archive', 'file'], 'the import');
    const t = table(s);
    const inspected = p.inspection ? t.get(p.inspection) : undefined;
    if (!inspected || inspected.identity.path !== path) {
      throw new LifeboatError('IPC_REJECTED', `Refused to import ${path}: it was not inspected first (or the inspection expired). Drop the file again to see what it is before it is copied.`, { path });
    }
    const yes = await s.desktop.confirm({
      title: 'Import a backup archive',
      message: `Copy ${basename(path)} into the Lifeboat catalog?`,
      detail: `${inspected.summary}\n\nThe original file is left where it is.`,
      confirmLabel: 'Copy into the catalog',
    });
    if (!yes) throw new LifeboatError('CANCELLED', `The import of ${path} was not confirmed; nothing was copied.`, { path });
    // Both are spent: a second import of the same drop needs a new drop and a new look.
    s.grants.take(p.archive, ['archive', 'file'], 'the import');
    if (p.inspection) t.delete(p.inspection);
    const r = await importArchive(s.engine.env, path, inspected.identity);
    s.emit('catalog:changed', { reason: 'imported' });
    return { id: r.id, duplicate: r.duplicate, kind: r.kind, warnings: r.warnings, fileName: basename(r.path) };
  },
};
