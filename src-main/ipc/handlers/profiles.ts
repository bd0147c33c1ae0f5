import { profileSpecSchema, type Profile } from '../../../src-shared/domain/profile.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { nextSlot } from '../../engine/schedule/slots.js';
import { testPgConnection, withPassword } from '../../engine/sources/postgres-source.js';
import { getBound, peekBound, pgBinding, setBound } from '../bound-secrets.js';
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
  return p.spec.sources.map((src, i) => (src.kind === 'postgres' ? { ...src, url: withPassword(src.url, getBound(s.secrets, passwordKey(p.name, i), pgBinding(src.url))) } : src));
}

const sameBinding = (a: readonly unknown[], b: readonly unknown[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Store the passwords of a saved profile: a newly typed one, or the old one of a source that still
 * points at the same host, port, database and user (wherever it moved in the list). A password
 * whose server changed is dropped, and the UI asks for it again.
 */
function storePasswords(s: Services, name: string, before: Profile | undefined, after: Profile, typed: Readonly<Record<string, string>>): void {
  const old = (before?.spec.sources ?? []).map((src, i) => (src.kind === 'postgres' ? peekBound(s.secrets, passwordKey(name, i)) : undefined));
  const slots = Math.max(before?.spec.sources.length ?? 0, after.spec.sources.length);
  for (let i = 0; i < slots; i += 1) s.secrets.delete(passwordKey(name, i));
  after.spec.sources.forEach((src, i) => {
    if (src.kind !== 'postgres') return;
    const binding = pgBinding(src.url);
    const pw = typed[String(i)] || old.find((o) => o !== undefined && sameBinding(o.binding, binding))?.secret;
    if (pw) setBound(s.secrets, passwordKey(name, i), binding, pw);
  });
}

/** profile:* handlers. */
export const profileHandlers: HandlerGroup<'profile:list' | 'profile:save' | 'profile:remove' | 'profile:test-connection'> = {
  'profile:list': async (s) => s.engine.profiles.list(),

  'profile:save': async (s, p) => {
    const spec = profileSpecSchema.parse(p.spec);
    if (spec.schedule) nextSlot(spec.schedule, new Date()); // throws USAGE for an invalid cron expression
    const existing = s.engine.profiles.find(p.name);
    if (existing && !p.replace) throw new LifeboatError('PROFILE_EXISTS', `A profile named "${p.name}" already exists.`, { name: p.name });
    // Restoring a profile's backup writes to its source paths, and backups go to its destination:
    // each path must be the stored profile's own or one the user chose in a dialog.
    const used = grantedSourcePaths(s, `saving profile "${p.name}"`, spec.sources, spec.destination, p.pathGrants, existing);
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
    profile.spec.sources.forEach((_src, i) => s.secrets.delete(passwordKey(p.name, i)));
    s.engine.profiles.remove(p.name);
    s.engine.audit.append({ actor: s.engine.env.actor, action: 'profile.remove', target: p.name, outcome: 'success' });
    s.schedules?.reload();
    s.emit('catalog:changed', { reason: 'profile removed' });
    return { name: p.name };
  },

  'profile:test-connection': async (_s, p) => testPgConnection(withPassword(p.url, p.password)),
};
