import { profileSpecSchema, type Profile } from '../../../src-shared/domain/profile.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { nextSlot } from '../../engine/schedule/slots.js';
import { testPgConnection, withPassword } from '../../engine/sources/postgres-source.js';
import type { HandlerGroup } from '../handler.js';
import type { Services } from '../services.js';

/** The secret-store key of a profile's i-th source password. */
export function passwordKey(profile: string, index: number): string {
  return `pg-password:${profile}:${index}`;
}

/** A profile's sources with their stored passwords put back into the URLs (in memory only). */
export function sourcesWithSecrets(s: Services, p: Profile): Profile['spec']['sources'] {
  return p.spec.sources.map((src, i) => (src.kind === 'postgres' ? { ...src, url: withPassword(src.url, s.secrets.get(passwordKey(p.name, i))) } : src));
}

/** profile:* handlers. */
export const profileHandlers: HandlerGroup<'profile:list' | 'profile:save' | 'profile:remove' | 'profile:test-connection'> = {
  'profile:list': async (s) => s.engine.profiles.list(),

  'profile:save': async (s, p) => {
    const spec = profileSpecSchema.parse(p.spec);
    if (spec.schedule) nextSlot(spec.schedule, new Date()); // throws USAGE for an invalid cron expression
    const existing = s.engine.profiles.find(p.name);
    if (existing && !p.replace) throw new LifeboatError('PROFILE_EXISTS', `A profile named "${p.name}" already exists.`, { name: p.name });
    const now = s.engine.env.now().toISOString();
    const saved = existing ? s.engine.profiles.replace(p.name, spec, now) : s.engine.profiles.add(p.name, spec, now);
    spec.sources.forEach((src, i) => {
      const pw = p.passwords[String(i)];
      if (src.kind === 'postgres' && pw) s.secrets.set(passwordKey(p.name, i), pw);
    });
    s.engine.audit.append({ actor: s.engine.env.actor, action: existing ? 'profile.update' : 'profile.add', target: p.name, outcome: 'success', details: { sources: spec.sources.length, schedule: spec.schedule } });
    s.schedules?.reload();
    s.emit('catalog:changed', { reason: 'profile saved' });
    return saved;
  },

  'profile:remove': async (s, p) => {
    const profile = s.engine.profiles.get(p.name);
    profile.spec.sources.forEach((_src, i) => s.secrets.delete(passwordKey(p.name, i)));
    s.engine.profiles.remove(p.name);
    s.engine.audit.append({ actor: s.engine.env.actor, action: 'profile.remove', target: p.name, outcome: 'success' });
    s.schedules?.reload();
    s.emit('catalog:changed', { reason: 'profile removed' });
    return { name: p.name };
  },

  'profile:test-connection': async (_s, p) => testPgConnection(withPassword(p.url, p.password)),
};
