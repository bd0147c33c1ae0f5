import { execFile, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { access, constants, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { errnoCode } from '../util/fs-errors.js';

const run = promisify(execFile);

/** A parsed MariaDB / MySQL connection. The password never leaves it except into a 0600 option file. */
export interface MysqlTarget {
  readonly host: string;
  readonly port: number;
  /** A Unix socket path (`?socket=`): then host is `localhost` and the connection is local. */
  readonly socket: string | undefined;
  readonly user: string;
  readonly password: string | undefined;
  readonly database: string;
  /** TLS options passed through to the option file (`ssl-ca`, `ssl-cert`, `ssl-key`, `ssl-verify-server-cert`, `ssl`). */
  readonly tls: Readonly<Record<string, string>>;
  /** `mysql://user@host:port/db` (or `?socket=`): safe to log and store. */
  readonly safeUrl: string;
}

const TLS_KEYS = ['ssl', 'ssl-ca', 'ssl-capath', 'ssl-cert', 'ssl-key', 'ssl-cipher', 'ssl-verify-server-cert'];

/** Parse `mysql://user:pass@host:port/db?socket=/path&ssl-ca=...` (also `mariadb://`). */
export function parseMysqlUrl(url: string): MysqlTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new LifeboatError('USAGE', `"${redactMysqlUrl(url)}" is not a MariaDB/MySQL URL. Use mysql://user@host:port/database or mysql://user@localhost/database?socket=/run/mysqld/mysqld.sock.`);
  }
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') {
    throw new LifeboatError('USAGE', `"${redactMysqlUrl(url)}" is not a MariaDB/MySQL URL (it must start with mysql:// or mariadb://).`);
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!database) throw new LifeboatError('USAGE', `The MariaDB/MySQL URL "${redactMysqlUrl(url)}" names no database (mysql://user@host:port/DATABASE).`);
  // A name starting with "-" would be read as an option by the tools; such a database is not worth that risk.
  if (database.startsWith('-') || database.includes('\0') || database.length > 64) {
    throw new LifeboatError('USAGE', `The MariaDB/MySQL database name "${database}" is not supported by Lifeboat (it starts with "-", holds NUL, or is longer than 64 characters).`);
  }
  const tls: Record<string, string> = {};
  let socket: string | undefined;
  for (const [k, v] of u.searchParams) {
    if (k === 'socket') socket = v;
    else if (TLS_KEYS.includes(k)) tls[k] = v;
    else throw new LifeboatError('USAGE', `The MariaDB/MySQL URL parameter "${k}" is not supported (known: socket, ${TLS_KEYS.join(', ')}).`);
  }
  if (socket !== undefined && !socket.startsWith('/')) throw new LifeboatError('USAGE', `socket=${socket}: the socket must be an absolute path.`);
  const host = u.hostname.replace(/^\[|\]$/g, '') || 'localhost';
  const port = u.port ? Number(u.port) : 3306;
  let user = decodeURIComponent(u.username);
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = 'root';
    }
  }
  const safe = new URL(`${u.protocol}//x/`);
  safe.hostname = u.hostname || 'localhost';
  if (u.port) safe.port = u.port;
  safe.username = encodeURIComponent(user);
  safe.pathname = `/${encodeURIComponent(database)}`;
  if (socket) safe.searchParams.set('socket', socket);
  return { host, port, socket, user, password: u.password ? decodeURIComponent(u.password) : undefined, database, tls, safeUrl: safe.toString().replace(/^mariadb:/, 'mysql:') };
}

/** A URL with any password replaced by `***`. */
export function redactMysqlUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/** Put a password into a MariaDB/MySQL URL (in memory only: for a connection, never for storage or display). */
export function mysqlWithPassword(url: string, password: string | undefined): string {
  if (!password) return url;
  const u = new URL(url);
  u.password = encodeURIComponent(password);
  return u.toString();
}

/** The same server and credentials, another database (password kept: memory only). */
export function mysqlUrlWithDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** A value as the option-file parser reads it back exactly: double-quoted, with its escapes. */
function optionValue(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

/** Undo an option file's quoting (`"..."` or `'...'` with backslash escapes; a bare value up to a `#`). */
function readOptionValue(raw: string): string {
  const v = raw.trim();
  const q = v[0];
  if (q === '"' || q === "'") {
    let out = '';
    for (let i = 1; i < v.length; i += 1) {
      const c = v[i] ?? '';
      if (c === q) break;
      if (c === '\\' && i + 1 < v.length) {
        const n = v[(i += 1)] ?? '';
        out += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n === 's' ? ' ' : n;
      } else out += c;
    }
    return out;
  }
  return v.replace(/\s+#.*$/, '');
}

/** ~/.my.cnf: where the tools would find the user's password (the `[client]`, `[mysqldump]`, `[mysql]` groups). */
export function myCnfFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.HOME || homedir(), '.my.cnf');
}

/** The password ~/.my.cnf gives the client, or undefined. */
async function myCnfPassword(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const text = await readFile(myCnfFile(env), 'utf8').catch(() => '');
  let group = '';
  let found: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const g = /^\[(.*)\]$/.exec(line);
    if (g) {
      group = (g[1] ?? '').trim().toLowerCase();
      continue;
    }
    if (!['client', 'client-server', 'client-mariadb', 'mysqldump', 'mariadb-dump', 'mysql', 'mariadb-client'].includes(group)) continue;
    const m = /^password\s*=(.*)$/.exec(line);
    if (m) found = readOptionValue(m[1] ?? '');
  }
  return found;
}

/** Where a password came from, for the auth error. */
export type PasswordSource = 'url' | 'MYSQL_PWD' | '~/.my.cnf' | 'none';

/**
 * A private option file holding the whole connection: the tools get `--defaults-file=` as their
 * first argument and read nothing else, so no inherited my.cnf can point them at another server
 * or user, and the password is in no argv. The folder is 0700, the file 0600; `close` removes both.
 */
export interface MysqlSession {
  readonly target: MysqlTarget;
  readonly optionFile: string;
  readonly passwordFrom: PasswordSource;
  close(): Promise<void>;
}

/** Write the option file for `t` (password from the URL, else MYSQL_PWD, else ~/.my.cnf). */
export async function openMysqlSession(t: MysqlTarget, env: NodeJS.ProcessEnv = process.env): Promise<MysqlSession> {
  let password = t.password;
  let passwordFrom: PasswordSource = password !== undefined ? 'url' : 'none';
  if (password === undefined && env.MYSQL_PWD !== undefined) {
    password = env.MYSQL_PWD;
    passwordFrom = 'MYSQL_PWD';
  }
  if (password === undefined) {
    password = await myCnfPassword(env);
    if (password !== undefined) passwordFrom = '~/.my.cnf';
  }
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-my-'));
  const optionFile = join(dir, 'client.cnf');
  const lines = ['[client]', `user=${optionValue(t.user)}`, 'default-character-set=utf8mb4'];
  if (password !== undefined) lines.push(`password=${optionValue(password)}`);
  if (t.socket) lines.push('host=localhost', `socket=${optionValue(t.socket)}`, 'protocol=SOCKET');
  else if (t.host === 'localhost') lines.push('host=localhost');
  else lines.push(`host=${optionValue(t.host)}`, `port=${t.port}`, 'protocol=TCP');
  for (const [k, v] of Object.entries(t.tls)) lines.push(v === '' || v === 'true' || v === '1' ? k : `${k}=${optionValue(v)}`);
  await writeFile(optionFile, `${lines.join('\n')}\n`, { mode: 0o600 });
  return {
    target: t,
    optionFile,
    passwordFrom,
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A MariaDB / MySQL client program and its version. */
export interface MysqlTool {
  readonly path: string;
  readonly name: string;
  /** `10.11.19-MariaDB`, `8.0.36`. */
  readonly version: string;
}

/** Parse `--version` output of mariadb-dump / mysqldump / mariadb / mysql. */
export function parseMysqlToolVersion(text: string): string | undefined {
  return /\bfrom (\d+\.\d+\.\d+\S*?)[,\s]/.exec(text)?.[1] ?? /Distrib ([^,\s]+)/.exec(text)?.[1] ?? /\bVer (\d+\.\d+\.\d+\S*)/.exec(text)?.[1];
}

const TOOL_NAMES = { dump: ['mariadb-dump', 'mysqldump'], client: ['mariadb', 'mysql'] } as const;
const TOOL_ENV = { dump: 'LIFEBOAT_MYSQL_DUMP', client: 'LIFEBOAT_MYSQL' } as const;

/** Find the dump tool or the client: LIFEBOAT_MYSQL_DUMP / LIFEBOAT_MYSQL, else PATH (MariaDB's names first). */
export async function resolveMysqlTool(kind: 'dump' | 'client', env: NodeJS.ProcessEnv = process.env): Promise<MysqlTool> {
  const configured = env[TOOL_ENV[kind]];
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  const list = configured ? [configured] : TOOL_NAMES[kind].flatMap((n) => dirs.map((d) => join(d, n)));
  for (const path of list) {
    if (!(await access(path, constants.X_OK).then(() => true, () => false))) continue;
    try {
      const { stdout } = await run(path, ['--version'], { timeout: 10_000 });
      const version = parseMysqlToolVersion(stdout);
      if (version) return { path, name: path.split('/').pop() ?? path, version };
    } catch {
      // Not a working binary; try the next one.
    }
  }
  const names = TOOL_NAMES[kind].join(' or ');
  throw new LifeboatError(
    'MYSQL_TOOL_NOT_FOUND',
    `${names} was not found ${configured ? `at ${configured}` : 'on PATH'}. Install the MariaDB or MySQL client tools (Debian/Ubuntu: apt install mariadb-client; RHEL: dnf install mariadb; macOS: brew install mariadb), or set ${TOOL_ENV[kind]} to the program.`,
    { tool: kind, configured: configured ?? null },
  );
}

/** How one tool run ended. */
export interface MysqlRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** Time limit of one tool run (LIFEBOAT_MYSQL_TOOL_TIMEOUT seconds, default a day: a slow dump is not a hung one). */
export function mysqlToolTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.LIFEBOAT_MYSQL_TOOL_TIMEOUT);
  return Number.isFinite(n) && n > 0 ? n * 1000 : 24 * 60 * 60 * 1000;
}

/**
 * Run a tool with the session's option file as its first argument (the option parser only honours
 * --defaults-file there), an argument array, stdin from a string or a file, and a time limit.
 * MYSQL_PWD is removed from its environment: the option file is the only source of the password.
 */
export function runMysqlTool(
  tool: MysqlTool,
  session: MysqlSession,
  args: readonly string[],
  opts: { input?: string; inputFile?: string; signal?: AbortSignal; captureStdout?: boolean } = {},
): Promise<MysqlRun> {
  const env = { ...process.env };
  delete env.MYSQL_PWD;
  delete env.MYSQL_HOST;
  delete env.MYSQL_TCP_PORT;
  delete env.MYSQL_UNIX_PORT;
  const timeoutMs = mysqlToolTimeoutMs();
  return new Promise((resolve, reject) => {
    const child = spawn(tool.path, [`--defaults-file=${session.optionFile}`, ...args], { env, stdio: ['pipe', opts.captureStdout === false ? 'ignore' : 'pipe', 'pipe'], ...(opts.signal ? { signal: opts.signal } : {}) });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      stderr = (stderr + d).slice(-65536);
    });
    const stdin = child.stdin;
    stdin?.on('error', () => undefined); // a client that exits early closes its stdin
    if (opts.inputFile && stdin) {
      const input = createReadStream(opts.inputFile);
      input.on('error', (e) => stdin.destroy(e));
      input.pipe(stdin);
    } else stdin?.end(opts.input ?? '');
    child.on('error', (e) => {
      clearTimeout(timer);
      if (errnoCode(e) === 'ENOENT') reject(new LifeboatError('MYSQL_TOOL_NOT_FOUND', `${tool.name} vanished from ${tool.path}.`, { tool: tool.path }));
      else reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** Map a tool's error text to its own code with a message that says what to do. */
export function classifyMysqlError(stderr: string, session: MysqlSession, what: string): LifeboatError {
  const t = session.target;
  const where = t.socket ? `socket ${t.socket}` : `${t.host}:${t.port}`;
  const details = { host: t.host, port: t.port, socket: t.socket ?? null, database: t.database, user: t.user };
  const first = stderr.split('\n').find((l) => /error/i.test(l))?.trim() ?? stderr.trim().split('\n')[0] ?? '';
  if (/\b1045\b|Access denied for user|\b1698\b/.test(stderr)) {
    const looked =
      session.passwordFrom === 'none'
        ? `No password was found: Lifeboat looked in the URL, in MYSQL_PWD and in ${myCnfFile()} ([client] password=...).`
        : `The password came from ${session.passwordFrom === '~/.my.cnf' ? myCnfFile() : session.passwordFrom === 'url' ? 'the URL' : 'MYSQL_PWD'}.`;
    return new LifeboatError('MYSQL_AUTH_FAILED', `MariaDB/MySQL at ${where} refused user "${t.user}" (${first}). ${looked}`, details);
  }
  if (/\b1049\b|Unknown database/.test(stderr)) {
    return new LifeboatError('MYSQL_DATABASE_MISSING', `Database "${t.database}" does not exist on the MariaDB/MySQL server at ${where}.`, details);
  }
  if (/\b200[2356]\b|\b2013\b|Can't connect|Unknown (MySQL|MariaDB) server host|Lost connection/.test(stderr)) {
    return new LifeboatError('MYSQL_UNREACHABLE', `Cannot reach MariaDB/MySQL at ${where} (${first}). Is the server running and listening there?`, details);
  }
  return new LifeboatError('MYSQL_DUMP_FAILED', `${what} failed for database "${t.database}" at ${where}: ${first || 'no message'}`, details);
}

/** Run SQL through the client (from stdin, never argv) and return its rows as tab-separated fields. */
export async function mysqlQuery(client: MysqlTool, session: MysqlSession, sql: string, database?: string): Promise<string[][]> {
  const r = await runMysqlTool(client, session, ['--batch', '--skip-column-names', '--raw', ...(database ? [`--database=${database}`] : [])], { input: sql });
  if (r.code !== 0) throw classifyMysqlError(r.stderr, session, r.timedOut ? `${client.name} (timed out)` : client.name);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

/** A string literal for SQL (the client runs with its default sql_mode: backslash escapes apply). */
export function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\0/g, '\\0')}'`;
}

/** An identifier for SQL. */
export function sqlIdent(s: string): string {
  return `\`${s.replace(/`/g, '``')}\``;
}
