import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { formatBytes, formatDateTime } from '../../../src-shared/domain/format.js';
import type { z } from 'zod';
import { assertNever } from '../../../src-shared/domain/enums.js';
import type { ImportPreviewView, importKeySchema } from '../../../src-shared/ipc/contract.js';
import { readIdentityFile, type DecryptionKey } from '../../engine/crypto/age-keys.js';
import { isEncryptedPath } from '../../engine/crypto/encrypt-archive.js';
import { importEncrypted } from '../../engine/crypto/import-encrypted.js';
import { inspectEncrypted, type EncryptedInspection } from '../../engine/crypto/inspect-encrypted.js';
import { storedProfileKey, storedProfileKeys } from './encryption.js';
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
  /** Issue 14: an encrypted archive, with the key that opened it (main-side only; undefined: not opened). */
  readonly encrypted?: { readonly key: DecryptionKey | undefined };
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

function toView(token: string, i: ArchiveInspection, s?: Services): ImportPreviewView {
  const m = i.manifest;
  const enc = 'encryption' in i ? (i as EncryptedInspection).encryption : undefined;
  const want = enc?.mode === 'passphrase' ? 'passphrase' : 'identity';
  return {
    ...(enc && s
      ? { encryption: { mode: enc.mode, stanzas: enc.stanzas, opened: enc.opened, storedKeys: enc.mode === 'other' ? [] : storedProfileKeys(s).filter((k) => k.kind === want) } }
      : {}),
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
  const sealed = 'encryption' in i ? 'encrypted (age) ' : '';
  const what = m ? `${sealed}Lifeboat archive made on ${m.host} by ${m.user}, ${formatDateTime(m.createdAt)}` : 'plain archive (not made by Lifeboat): re-packed as a files-only backup';
  return `${i.identity.path}\n${formatBytes(i.identity.size)}, ${what}.\n${i.checks.map((c) => `${c.ok ? '✓' : '!'} ${c.text}`).join('\n')}`;
}

/**
 * The key for a dropped encrypted archive, resolved in main: a profile's keychain entry of the kind
 * the header needs, or an identity file the user picks in main's own dialog (the page names no
 * path, so it cannot make main read a file of its choosing).
 */
async function keyFor(s: Services, choice: z.infer<typeof importKeySchema>, path: string): Promise<DecryptionKey> {
  switch (choice.kind) {
    case 'passphrase':
      return { kind: 'passphrase', passphrase: choice.passphrase };
    case 'identity-file': {
      const file = await s.desktop.pickPath('file');
      if (!file) throw new LifeboatError('CANCELLED', `No identity file was chosen; ${basename(path)} stays unopened.`, { path });
      return readIdentityFile(file);
    }
    case 'profile': {
      const key = storedProfileKey(s, choice.profile, 'identity') ?? storedProfileKey(s, choice.profile, 'passphrase');
      if (!key) throw new LifeboatError('DECRYPT_KEY_MISSING', `No key of profile "${choice.profile}" is kept in this computer's keychain; choose an identity file instead.`, { profile: choice.profile });
      return key;
    }
    default:
      return assertNever(choice);
  }
}

/**
 * import:* handlers. A dropped archive is first inspected where it lies (read-only, through its
 * grant, nothing copied); import:archive then copies only a file that was inspected and is
 * unchanged, and only after main's own question, which a renderer cannot answer.
 */
export const importHandlers: HandlerGroup<'import:inspect' | 'import:archive'> = {
  'import:inspect': async (s, p): Promise<ImportPreviewView> => {
    const path = s.grants.peek(p.archive, ['archive', 'file'], 'the archive to inspect');
    if (isEncryptedPath(path)) {
      const key = p.key ? await keyFor(s, p.key, path) : undefined;
      const inspected = await inspectEncrypted(s.engine.env, path, key);
      const token = randomBytes(32).toString('hex');
      table(s).set(token, { identity: inspected.identity, summary: summaryOf(inspected), expiresAt: Date.now() + INSPECTION_TTL_MS, encrypted: { key } });
      return toView(token, inspected, s);
    }
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
    if (inspected.encrypted && !inspected.encrypted.key) {
      throw new LifeboatError('DECRYPT_KEY_MISSING', `${path} is encrypted and was not opened: give its key in the preview first, so its contents are checked before it is copied.`, { path });
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
    const r = inspected.encrypted ? await importEncrypted(s.engine.env, path, inspected.encrypted.key, inspected.identity) : await importArchive(s.engine.env, path, inspected.identity);
    s.emit('catalog:changed', { reason: 'imported' });
    return { id: r.id, duplicate: r.duplicate, kind: r.kind, warnings: r.warnings, fileName: basename(r.path) };
  },
};
