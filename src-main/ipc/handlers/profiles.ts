import { randomBytes } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { profileSpecSchema, type BackupHooks, type Profile, type SourceSpec } from '../../../src-shared/domain/profile.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { hookProgramProblem } from '../../engine/jobs/hooks.js';
import { nextSlot } from '../../engine/schedule/slots.js';
import { testPgConnection, withPassword } from '../../engine/sources/postgres-source.js';
import { getBound, mysqlBinding, peekBound, pgBinding, setBound, sourceBinding } from '../bound-secrets.js';
import { mysqlWithPassword } from '../../engine/sources/mysql-conn.js';
import { testMysqlConnection } from '../../engine/sources/mysql-source.js';
import type { HandlerGroup } from '../handler.js';
import { grantedSourcePaths } from '../path-checks.js';
import type { Services } from '../services.js';

/** The secret-store key of a profile's i-th source password. */
export function passwordKey(profile: string, index: number): string {
  return `pg-password:${profile}:${index}`;
}

/**
 * A profile's sources with their stored passwords put back into the URLs (in memory only). A
 * password goes only to the host, port, database and user it was stored for.
 */
export function sourcesWithSecrets(s: Services, p: Profile): Profile['spec']['sources'] {
  return p.spec.sources.map((src, i) =>
    src.kind === 'postgres'
      ? { ...src, url: withPassword(src.url, getBound(s.secrets, passwordKey(p.name, i), pgBinding(src.url))) }
      : src.kind === 'mysql' // issue 13: MariaDB/MySQL passwords go the same bound way
        ? { ...src, url: mysqlWithPassword(src.url, getBound(s.secrets, passwordKey(p.name, i), mysqlBinding(src.url))) }
        : src,
  );
}

const SQLITE_HEADER = 'SQLite format 3\0';

/**
 * Refuse a source that cannot be backed up as saved: a SQLite path that is not an existing SQLite
 * file, a folder path that is not an existing folder. Checked on save, so the mistake shows in the
 * editor instead of as the first scheduled run's failure. (An empty file is a valid empty database.)
 */
async function checkSourceExists(src: SourceSpec, profile: string): Promise<void> {
  if (src.kind === 'postgres' || src.kind === 'mysql') return; // servers are checked by Test connection
  const what = src.kind === 'sqlite' ? 'SQLite database' : 'folder';
  const where = `in profile "${profile}"`;
  const st = await stat(src.path).catch((e: NodeJS.ErrnoException) => {
    const reason = e.code === 'ENOENT' || e.code === 'ENOTDIR' ? 'does not exist' : `cannot be read (${e.code ?? e.message})`;
    throw new LifeboatError('SOURCE_MISSING', `The ${what} ${src.path} ${where} ${reason}. Choose an existing ${what}, or mount its disk, then save again.`, { path: src.path, kind: src.kind });
  });
  if (src.kind === 'folder' && !st.isDirectory()) {
    throw new LifeboatError('SOURCE_MISSING', `The folder source ${src.path} ${where} is not a folder. Choose a folder, or add the file as a SQLite source if it is a database.`, { path: src.path, kind: src.kind });
  }
  if (src.kind === 'sqlite') {
    if (!st.isFile()) throw new LifeboatError('SOURCE_MISSING', `The SQLite source ${src.path} ${where} is not a file. Choose the database file itself.`, { path: src.path, kind: src.kind });
    if (st.size === 0) return;
    const fh = await open(src.path, 'r');
    try {
      const { buffer, bytesRead } = await fh.read(Buffer.alloc(16), 0, 16, 0);
      if (bytesRead < 16 || buffer.toString('latin1') !== SQLITE_HEADER) {
        throw new LifeboatError('SOURCE_MISSING', `The file ${src.path} ${where} is not a SQLite database (its header is not "SQLite format 3"). Choose the database file itself.`, { path: src.path, kind: src.kind });
      }
    } finally {
      await fh.close();
    }
  }
}

const sameBinding = (a: readonly unknown[], b: readonly unknown[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Store the passwords of a saved profile: a newly typed one, or the old one of a source that still
 * points at the same host, port, database and user (wherever it moved in the list). A password
 * whose server changed is dropped, and the UI asks for it again.
 */
function storePasswords(s: Services, name: string, before: Profile | undefined, after: Profile, typed: Readonly<Record<string, string>>): void {
  const old = (before?.spec.sources ?? []).map((src, i) => (src.kind === 'postgres' || src.kind === 'mysql' ? peekBound(s.secrets, passwordKey(name, i)) : undefined));
  const slots = Math.max(before?.spec.sources.length ?? 0, after.spec.sources.length);
  for (let i = 0; i < slots; i += 1) s.secrets.delete(passwordKey(name, i));
  after.spec.sources.forEach((src, i) => {
    const binding = sourceBinding(src);
    if (!binding) return;
    const pw = typed[String(i)] || old.find((o) => o !== undefined && sameBinding(o.binding, binding))?.secret;
    if (pw) setBound(s.secrets, passwordKey(name, i), binding, pw);
  });
}

/** How long a removed profile can be put back with Undo. */
const UNDO_MS = 10 * 60_000;

/** A removed profile as Undo puts it back. */
interface Shelved {
  readonly profile: Profile;
  readonly secrets: [string, string][];
  readonly at: number;
}

/** Removed profiles that Undo may still put back, per Services (in memory only: Undo is for moments). */
const removedProfiles = new WeakMap<Services, Map<string, Shelved>>();

function undoShelf(s: Services): Map<string, Shelved> {
  let shelf = removedProfiles.get(s);
  if (!shelf) {
    shelf = new Map<string, Shelved>();
    removedProfiles.set(s, shelf);
  }
  const now = Date.now();
  for (const [k, v] of shelf) if (now - v.at > UNDO_MS) shelf.delete(k);
  return shelf;
}

/**
 * A hook is a program main runs with the user's rights: a page that could set one unasked would turn
 * any renderer bug into code execution (and read the output back through the run log). Only the
 * user, in main's native dialog, approves a new or changed command; the exact argv is shown.
 */
async function confirmNewHooks(s: Services, name: string, hooks: BackupHooks, before: BackupHooks | undefined): Promise<void> {
  const changed = (['pre', 'post'] as const).filter((side) => hooks[side] && JSON.stringify(hooks[side]?.argv) !== JSON.stringify(before?.[side]?.argv));
  if (changed.length === 0) return;
  const yes = await s.desktop.confirm({
    title: 'Allow commands',
    message: `Let profile "${name}" run ${changed.length === 1 ? 'this command' : 'these commands'} with every backup?`,
    // Every argument in full (a shortened line could hide the part that matters).
    detail: `${changed.map((side) => `${side === 'pre' ? 'Before' : 'After'} each backup: ${JSON.stringify(hooks[side]?.argv)}`).join('\n')}\nEach runs as you, with your files and credentials. Allow only commands you typed yourself.`,
    confirmLabel: 'Allow and save',
  });
  if (!yes) throw new LifeboatError('CANCELLED', `Profile "${name}" was not saved: its command${changed.length === 1 ? ' was' : 's were'} not allowed.`, { name });
}

/** profile:* handlers. */
export const profileHandlers: HandlerGroup<'profile:list' | 'profile:save' | 'profile:remove' | 'profile:test-connection' | 'profile:undo-remove'> = {
  'profile:list': async (s) => s.engine.profiles.list(),

  'profile:save': async (s, p) => {
    const spec = profileSpecSchema.parse(p.spec);
    if (spec.schedule) nextSlot(spec.schedule, new Date()); // throws USAGE for an invalid cron expression
    const existing = s.engine.profiles.find(p.name);
    if (existing && !p.replace) throw new LifeboatError('PROFILE_EXISTS', `A profile named "${p.name}" already exists.`, { name: p.name });
    // Restoring a profile's backup writes to its source paths, and backups go to its destination:
    // each path must be the stored profile's own or one the user chose in a dialog.
    const used = grantedSourcePaths(s, `saving profile "${p.name}"`, spec.sources, spec.destination, p.pathGrants, existing);
    for (const src of spec.sources) await checkSourceExists(src, p.name);
    for (const side of ['pre', 'post'] as const) {
      const cmd = spec.hooks[side];
      const problem = cmd ? await hookProgramProblem(side, cmd) : null;
      if (problem) throw new LifeboatError('USAGE', `${problem} Profile "${p.name}" was not saved.`, { side, program: cmd?.argv[0] });
    }
    await confirmNewHooks(s, p.name, spec.hooks, existing?.spec.hooks);
    const now = s.engine.env.now().toISOString();
    const saved = existing ? s.engine.profiles.replace(p.name, spec, now) : s.engine.profiles.add(p.name, spec, now);
    s.grants.consume(used);
    storePasswords(s, p.name, existing, saved, p.passwords);
    s.engine.audit.append({ actor: s.engine.env.actor, action: existing ? 'profile.update' : 'profile.add', target: p.name, outcome: 'success', details: { sources: spec.sources.length, schedule: spec.schedule } });
    s.schedules?.reload();
    s.emit('catalog:changed', { reason: 'profile saved' });
    return saved;
  },

  'profile:remove': async (s, p) => {
    const profile = s.engine.profiles.get(p.name);
    const yes = await s.desktop.confirm({
      title: 'Remove profile',
      message: `Remove the profile "${p.name}"?`,
      detail: `Its ${profile.spec.sources.length} source(s), schedule and stored passwords are forgotten. Backups already taken stay in the catalog.`,
      confirmLabel: 'Remove profile',
    });
    if (!yes) throw new LifeboatError('CANCELLED', `Profile "${p.name}" was not removed: the removal was not confirmed.`, { name: p.name });
    // Kept for Undo: the profile as stored (id, schedule) and its stored passwords.
    const secrets = profile.spec.sources.flatMap((_src, i): [string, string][] => {
      const raw = s.secrets.get(passwordKey(p.name, i));
      return raw === undefined ? [] : [[passwordKey(p.name, i), raw]];
    });
    const undoToken = randomBytes(16).toString('hex');
    undoShelf(s).set(undoToken, { profile, secrets, at: Date.now() });
    profile.spec.sources.forEach((_src, i) => s.secrets.delete(passwordKey(p.name, i)));
    s.engine.profiles.remove(p.name);
    s.engine.audit.append({ actor: s.engine.env.actor, action: 'profile.remove', target: p.name, outcome: 'success' });
    s.schedules?.reload();
    s.emit('catalog:changed', { reason: 'profile removed' });
    return { name: p.name, undoToken };
  },

  'profile:undo-remove': async (s, p) => {
    const shelf = undoShelf(s);
    const entry = shelf.get(p.token);
    if (!entry) throw new LifeboatError('NOT_FOUND', 'The removed profile can no longer be put back (Undo lasts 10 minutes, and only until the app restarts). Create it again from Profiles.', {});
    const restored = s.engine.profiles.reinsert(entry.profile, s.engine.env.now().toISOString());
    shelf.delete(p.token);
    for (const [k, v] of entry.secrets) s.secrets.set(k, v);
    s.engine.audit.append({ actor: s.engine.env.actor, action: 'profile.restore', target: restored.name, outcome: 'success', details: { id: restored.id, undo: true } });
    s.schedules?.reload();
    s.emit('catalog:changed', { reason: 'profile restored' });
    return restored;
  },

  'profile:test-connection': async (_s, p) => (p.kind === 'mysql' ? testMysqlConnection(mysqlWithPassword(p.url, p.password)) : testPgConnection(withPassword(p.url, p.password))),
};
