import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';

/**
 * The libpq connection parameters Lifeboat accepts, each with the environment variable that
 * carries it to pg_dump / pg_restore. A parameter with no variable could not reach the tools
 * the same way it reaches the row-count client, so it is refused rather than half-honoured.
 */
export const PG_PARAM_ENV: Readonly<Record<string, string>> = {
  host: 'PGHOST',
  hostaddr: 'PGHOSTADDR',
  port: 'PGPORT',
  dbname: 'PGDATABASE',
  user: 'PGUSER',
  password: 'PGPASSWORD',
  passfile: 'PGPASSFILE',
  service: 'PGSERVICE',
  options: 'PGOPTIONS',
  application_name: 'PGAPPNAME',
  connect_timeout: 'PGCONNECT_TIMEOUT',
  sslmode: 'PGSSLMODE',
  sslcert: 'PGSSLCERT',
  sslkey: 'PGSSLKEY',
  sslrootcert: 'PGSSLROOTCERT',
  sslcrl: 'PGSSLCRL',
  sslsni: 'PGSSLSNI',
  ssl_min_protocol_version: 'PGSSLMINPROTOCOLVERSION',
  ssl_max_protocol_version: 'PGSSLMAXPROTOCOLVERSION',
  requirepeer: 'PGREQUIREPEER',
  channel_binding: 'PGCHANNELBINDING',
  gssencmode: 'PGGSSENCMODE',
  krbsrvname: 'PGKRBSRVNAME',
  target_session_attrs: 'PGTARGETSESSIONATTRS',
};

/** What one connection string says, before defaults (service file, environment) are applied. */
export type PgParams = Readonly<Record<string, string>>;

const URI = /^postgres(?:ql)?:\/\//i;

function usage(input: string, why: string): LifeboatError {
  return new LifeboatError(
    'USAGE',
    `"${redactConn(input)}" is not a PostgreSQL URL or key=value connection string: ${why}. Use a URI (postgresql://user@host:port/db, postgresql:///db?host=/var/run/postgresql) or key=value pairs (host=/var/run/postgresql dbname=db, service=name).`,
  );
}

function decode(input: string, s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw usage(input, `"${s}" is not valid percent-encoding`);
  }
}

function checkKey(input: string, key: string): void {
  if (!(key in PG_PARAM_ENV)) throw usage(input, `"${key}" is not a connection parameter Lifeboat can pass to pg_dump (known: ${Object.keys(PG_PARAM_ENV).join(', ')})`);
}

/** `postgresql://[user[:password]@][host[:port][,...]][/dbname][?param=value&...]`, as libpq reads it. */
function parseUri(input: string): Record<string, string> {
  const out: Record<string, string> = {};
  let rest = input.replace(URI, '');
  const q = rest.indexOf('?');
  const query = q >= 0 ? rest.slice(q + 1) : '';
  if (q >= 0) rest = rest.slice(0, q);
  const slash = rest.indexOf('/');
  const authority = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = slash >= 0 ? rest.slice(slash + 1) : '';
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at) : '';
  const hostlist = at >= 0 ? authority.slice(at + 1) : authority;
  if (userinfo) {
    const colon = userinfo.indexOf(':');
    const user = decode(input, colon >= 0 ? userinfo.slice(0, colon) : userinfo);
    if (user) out.user = user;
    if (colon >= 0) out.password = decode(input, userinfo.slice(colon + 1));
  }
  if (hostlist) {
    const hosts: string[] = [];
    const ports: string[] = [];
    for (const spec of hostlist.split(',')) {
      const m = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(spec);
      if (!m) throw usage(input, `"${spec}" is not host[:port]`);
      hosts.push(decode(input, (m[1] ?? '').replace(/^\[|\]$/g, '')));
      if (m[2] !== undefined && !/^\d+$/.test(m[2])) throw usage(input, `port "${m[2]}" is not a number`);
      ports.push(m[2] ?? '');
    }
    if (hosts.some(Boolean)) out.host = hosts.join(',');
    if (ports.some(Boolean)) out.port = ports.join(',');
  }
  if (path) out.dbname = decode(input, path);
  for (const pair of query.split('&').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq < 0) throw usage(input, `query parameter "${pair}" has no value`);
    const key = decode(input, pair.slice(0, eq));
    checkKey(input, key);
    // A query parameter overrides what the authority said (libpq does the same for host and port).
    out[key] = decode(input, pair.slice(eq + 1).replace(/\+/g, ' '));
  }
  return out;
}

/** `key=value key='quoted \' value'`, as libpq reads a conninfo string. */
function parseKeyValue(input: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  const n = input.length;
  const space = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);
  while (i < n) {
    while (space(input[i])) i += 1;
    if (i >= n) break;
    let key = '';
    while (i < n && input[i] !== '=' && !space(input[i])) key += input[i++];
    while (space(input[i])) i += 1;
    if (input[i] !== '=') throw usage(input, `"${key}" is missing "=value"`);
    i += 1;
    while (space(input[i])) i += 1;
    let value = '';
    if (input[i] === "'") {
      i += 1;
      for (;;) {
        if (i >= n) throw usage(input, `the quoted value of "${key}" is not closed`);
        const c = input[i] ?? '';
        if (c === '\\' && i + 1 < n) {
          value += input[i + 1];
          i += 2;
        } else if (c === "'") {
          i += 1;
          break;
        } else {
          value += c;
          i += 1;
        }
      }
    } else {
      while (i < n && !space(input[i])) {
        if (input[i] === '\\' && i + 1 < n) i += 1;
        value += input[i++];
      }
    }
    checkKey(input, key);
    out[key] = value;
  }
  return out;
}

/**
 * Parse a connection the ways psql takes one: a `postgres://` / `postgresql://` URI (several
 * hosts, socket directories as percent-encoded hosts or `?host=`, any libpq parameter in the
 * query) or a key/value conninfo string. Nothing is looked up yet (see resolvePgParams).
 */
export function parsePgConnString(input: string): PgParams {
  const s = input.trim();
  if (URI.test(s)) return parseUri(s);
  if (/^[A-Za-z_]+\s*=/.test(s)) return parseKeyValue(s);
  throw usage(input, /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? 'it must start with postgres:// or postgresql://' : 'it is neither a URI nor key=value pairs');
}

function quoteValue(v: string): string {
  return v === '' || /[\s'\\]/.test(v) ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : v;
}

/**
 * The one stored form of a connection: `postgresql://user@host:port,.../dbname?param=...`, with
 * every host percent-encoded (a socket directory is a host) and the password only if asked for.
 */
export function formatPgConnString(p: PgParams, opts: { password?: boolean; scheme?: string } = {}): string {
  const enc = (s: string): string => encodeURIComponent(s);
  const hosts = (p.host ?? '').split(',');
  const ports = (p.port ?? '').split(',');
  const authority = p.host || p.port
    ? hosts.map((h, i) => `${h.includes(':') ? `[${h}]` : enc(h)}${(ports[i] ?? ports[0]) ? `:${ports[i] ?? ports[0] ?? ''}` : ''}`).join(',')
    : '';
  const user = p.user ? `${enc(p.user)}${opts.password && p.password !== undefined ? `:${enc(p.password)}` : ''}@` : '';
  const query = Object.entries(p)
    .filter(([k]) => !['host', 'port', 'user', 'password', 'dbname'].includes(k))
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
    .join('&');
  return `${opts.scheme ?? 'postgresql'}://${user}${authority}/${p.dbname ? enc(p.dbname) : ''}${query ? `?${query}` : ''}`;
}

/** The same connection as key=value pairs (for a message or a libpq --dbname, never with a password). */
export function formatPgKeyValue(p: PgParams): string {
  return Object.entries(p)
    .filter(([k]) => k !== 'password')
    .map(([k, v]) => `${k}=${quoteValue(v)}`)
    .join(' ');
}

/** A connection string with any password replaced by `***` (for messages about an unparsable string). */
export function redactConn(s: string): string {
  return s.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@').replace(/(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)/gi, '$1***');
}

/** Where libpq looks for the service file of the user, then the system-wide one. */
export function pgServiceFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const files = [env.PGSERVICEFILE || join(env.HOME || homedir(), '.pg_service.conf')];
  if (env.PGSYSCONFDIR) files.push(join(env.PGSYSCONFDIR, 'pg_service.conf'));
  else files.push('/etc/postgresql-common/pg_service.conf', '/etc/pg_service.conf');
  return files;
}

/** The `[name]` section of the first service file that has it (libpq: the user's file wins). */
function readService(name: string, env: NodeJS.ProcessEnv): { file: string; params: Record<string, string> } {
  const files = pgServiceFiles(env);
  for (const file of files) {
    // A few hundred bytes of configuration read once per connection string, not a hot path; a
    // synchronous read keeps parsing usable where it is (profile checks, plan building).
    let text: string;
    try {
      // eslint-disable-next-line no-restricted-syntax -- one small config file per connection string; keeps parsing synchronous for its callers
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    let inside = false;
    let found = false;
    const params: Record<string, string> = {};
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const section = /^\[(.*)\]$/.exec(line);
      if (section) {
        inside = section[1] === name;
        found ||= inside;
        continue;
      }
      if (!inside) continue;
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const key = line.slice(0, eq).trim();
      if (key === 'service') continue;
      if (!(key in PG_PARAM_ENV)) {
        throw new LifeboatError('USAGE', `Service "${name}" in ${file} sets "${key}", which Lifeboat cannot pass to pg_dump. Remove it from the service or connect without the service.`, { file });
      }
      params[key] = line.slice(eq + 1).trim();
    }
    if (found) return { file, params };
  }
  throw new LifeboatError('USAGE', `PostgreSQL service "${name}" was not found. Lifeboat looked in ${files.join(', ')} (PGSERVICEFILE and PGSYSCONFDIR choose the files, as for psql).`, { service: name, files });
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'postgres';
  }
}

/** Debian's (and most distributions') compiled-in socket directory, else libpq's upstream default. */
function defaultSocketDir(): string {
  if (process.platform === 'win32') return 'localhost';
  // eslint-disable-next-line no-restricted-syntax -- one stat, once per connection string without a host
  return existsSync('/var/run/postgresql') ? '/var/run/postgresql' : '/tmp';
}

/**
 * Every parameter as libpq would settle it: the string's own values, then the service's, then
 * the PG* environment, then libpq's defaults (the socket directory, port 5432, the OS user). The
 * result is complete: the tools receive exactly it (and nothing inherited), the `pg` client is
 * built from it, so both reach the same server as the same user.
 */
export function resolvePgParams(given: PgParams, env: NodeJS.ProcessEnv = process.env): { params: PgParams; serviceFile: string | null } {
  const out: Record<string, string> = { ...given };
  let serviceFile: string | null = null;
  const service = given.service ?? env.PGSERVICE;
  if (service) {
    const found = readService(service, env);
    serviceFile = found.file;
    for (const [k, v] of Object.entries(found.params)) if (out[k] === undefined) out[k] = v;
    out.service = service;
  }
  for (const [k, variable] of Object.entries(PG_PARAM_ENV)) {
    const v = env[variable];
    // A password from the environment stays there (PGPASSWORD is read at connect time, not stored).
    if (out[k] === undefined && v !== undefined && v !== '' && k !== 'password' && k !== 'service') out[k] = v;
  }
  out.host ??= defaultSocketDir();
  out.port ??= '5432';
  // libpq's default user is the OS account running it (not $USER): what peer authentication checks.
  out.user ??= osUser();
  return { params: out, serviceFile };
}
