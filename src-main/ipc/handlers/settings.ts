import type { Settings } from '../../../src-shared/ipc/contract.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { sendTestEmail } from '../../engine/notify/mailer.js';
import { getBound, setBound, SMTP_PASSWORD_KEY, smtpBinding, smtpPassword, sourceBinding } from '../bound-secrets.js';
import type { HandlerGroup } from '../handler.js';
import type { Services } from '../services.js';
import { checkPgToolPath } from '../tool-paths.js';
import { passwordKey } from './profiles.js';

/** The configured tool paths, each checked again before main runs it (settings.json can be edited by hand). */
export async function checkedToolPaths(s: Services): Promise<{ pgDumpPath?: string; pgRestorePath?: string }> {
  const { pgDumpPath, pgRestorePath } = s.settings.get();
  if (pgDumpPath) await checkPgToolPath('pg_dump', pgDumpPath);
  if (pgRestorePath) await checkPgToolPath('pg_restore', pgRestorePath);
  return { ...(pgDumpPath ? { pgDumpPath } : {}), ...(pgRestorePath ? { pgRestorePath } : {}) };
}

/** settings:* handlers. */
export const settingsHandlers: HandlerGroup<'settings:get' | 'settings:set' | 'settings:set-smtp-password' | 'settings:test-email' | 'settings:get-secret-state'> = {
  'settings:get': async (s) => s.settings.get(),

  'settings:set': async (s, patch) => {
    // A tool path is a program main will run: it must prove to be pg_dump / pg_restore first.
    if (patch.pgDumpPath) await checkPgToolPath('pg_dump', patch.pgDumpPath);
    if (patch.pgRestorePath) await checkPgToolPath('pg_restore', patch.pgRestorePath);
    const next: Settings = s.settings.set(patch);
    // The SMTP password belongs to the server it was typed for: a new host, port or user drops it.
    if (!next.smtp) s.secrets.delete(SMTP_PASSWORD_KEY);
    else smtpPassword(s.secrets, next.smtp);
    s.emit('settings:changed', next);
    s.engine.audit.append({ actor: s.engine.env.actor, action: 'settings.change', target: 'settings', outcome: 'success', details: patch });
    return next;
  },

  'settings:set-smtp-password': async (s, p) => {
    const smtp = s.settings.get().smtp;
    if (p.password) {
      if (!smtp) throw new LifeboatError('USAGE', 'Save the SMTP server (host, port and user) before its password: the password is kept for that server only.');
      setBound(s.secrets, SMTP_PASSWORD_KEY, smtpBinding(smtp), p.password);
    } else s.secrets.delete(SMTP_PASSWORD_KEY);
    s.engine.audit.append({ actor: s.engine.env.actor, action: 'settings.change', target: 'smtp-password', outcome: 'success', details: { set: Boolean(p.password), host: smtp?.host ?? null } });
    return null;
  },

  'settings:test-email': async (s) => {
    const smtp = s.settings.get().smtp;
    if (!smtp) throw new LifeboatError('USAGE', 'Set up SMTP first (host, sender and recipients).');
    return sendTestEmail(smtp, smtpPassword(s.secrets, smtp));
  },

  'settings:get-secret-state': async (s) => {
    const profilePasswords: Record<string, number[]> = {};
    for (const p of s.engine.profiles.list()) {
      const have: number[] = [];
      p.spec.sources.forEach((src, i) => {
        const binding = sourceBinding(src); // issue 13: PostgreSQL and MariaDB/MySQL
        if (binding && getBound(s.secrets, passwordKey(p.name, i), binding) !== undefined) have.push(i);
      });
      profilePasswords[p.name] = have;
    }
    return { smtpPassword: smtpPassword(s.secrets, s.settings.get().smtp) !== undefined, profilePasswords };
  },
};
