import type { SmtpSettings } from '../../src-shared/ipc/contract.js';
import type { SourceSpec } from '../../src-shared/domain/profile.js';
import { parseMysqlUrl } from '../engine/sources/mysql-conn.js';
import { serverTarget } from '../engine/sources/pg-server.js';
import type { SecretStore } from './services.js';

/** The secret-store key of the SMTP password. */
export const SMTP_PASSWORD_KEY = 'smtp-password';

/**
 * What a secret was given for. A secret is stored together with its binding and handed out only
 * while the binding is unchanged: a password typed for one server never goes to another one, even
 * if the settings or the profile are changed afterwards (by the user, a bad renderer or a file edit).
 */
export type Binding = readonly (string | number)[];

/** The SMTP password is for this host, port and user. */
export function smtpBinding(s: Pick<SmtpSettings, 'host' | 'port' | 'user'>): Binding {
  return ['smtp', s.host.trim().toLowerCase(), s.port, s.user];
}

/** A PostgreSQL password is for this host, port, database and user (a whole-server source: its maintenance database). */
export function pgBinding(url: string): Binding {
  const t = serverTarget(url);
  return ['postgres', t.host.toLowerCase(), t.port, t.database, t.user];
}

/** Issue 13: a MariaDB/MySQL password is for this host, port, socket, database and user. */
export function mysqlBinding(url: string): Binding {
  const t = parseMysqlUrl(url);
  return ['mysql', t.host.toLowerCase(), t.port, t.socket ?? '', t.database, t.user];
}

/** The binding of a database source's password, by kind (undefined: the kind holds none). */
export function sourceBinding(src: SourceSpec): Binding | undefined {
  return src.kind === 'postgres' ? pgBinding(src.url) : src.kind === 'mysql' ? mysqlBinding(src.url) : undefined;
}

interface Stored {
  readonly v: 1;
  readonly binding: Binding;
  readonly secret: string;
}

function decode(raw: string | undefined): Stored | undefined {
  if (raw === undefined) return undefined;
  try {
    const x = JSON.parse(raw) as Partial<Stored>;
    if (x.v === 1 && Array.isArray(x.binding) && typeof x.secret === 'string') return x as Stored;
  } catch {
    // A secret stored before bindings existed: nobody knows what it was for, so it is dropped.
  }
  return undefined;
}

const same = (a: Binding, b: Binding): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Store a secret for `binding` (the whole record is what the secret store encrypts). */
export function setBound(store: SecretStore, key: string, binding: Binding, secret: string): void {
  store.set(key, JSON.stringify({ v: 1, binding, secret } satisfies Stored));
}

/**
 * The secret, if it was stored for exactly `binding`; otherwise undefined. A lookup is a read: a
 * secret for another binding is kept (the caller's binding may come from a request naming another
 * server, a "Test" of an unsaved edit, or a list tried in turn), only an unreadable legacy record goes.
 */
export function getBound(store: SecretStore, key: string, binding: Binding): string | undefined {
  const raw = store.get(key);
  if (raw === undefined) return undefined;
  const s = decode(raw);
  if (!s) store.delete(key);
  return s && same(s.binding, binding) ? s.secret : undefined;
}

/** The secret and what it was stored for, without checking (to carry a password over to a new index). */
export function peekBound(store: SecretStore, key: string): Stored | undefined {
  return decode(store.get(key));
}

/** The SMTP password for the current SMTP settings, or undefined (none stored, or stored for another server). */
export function smtpPassword(store: SecretStore, smtp: SmtpSettings | null): string | undefined {
  if (!smtp) return undefined;
  const password = getBound(store, SMTP_PASSWORD_KEY, smtpBinding(smtp));
  // Saved settings are what the password is checked against: one for another server is stale, dropped.
  if (password === undefined) store.delete(SMTP_PASSWORD_KEY);
  return password;
}
