import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where libpq looks for a password file: PGPASSFILE, else ~/.pgpass. */
export function pgPassFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.PGPASSFILE || join(env.HOME || homedir(), '.pgpass');
}

/** Split one `.pgpass` line on unescaped colons, undoing `\:` and `\\`. */
function fields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (c === '\\' && i + 1 < line.length) {
      cur += line[i + 1];
      i += 1;
    } else if (c === ':') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/**
 * The password libpq would take from the password file for this connection, or undefined.
 * Same rules as libpq: first matching line wins, `*` matches anything, a socket directory
 * matches `localhost`, and a file that group or others can read is ignored (libpq warns and
 * ignores it too, so Lifeboat and pg_dump agree on whether a password exists).
 */
export async function pgPassLookup(
  conn: { readonly host: string; readonly port: number; readonly database: string; readonly user: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const file = pgPassFile(env);
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile() || (process.platform !== 'win32' && (st.mode & 0o077) !== 0)) return undefined;
  const text = await readFile(file, 'utf8').catch(() => '');
  const host = conn.host.startsWith('/') || conn.host === '' ? 'localhost' : conn.host;
  const want = [host, String(conn.port), conn.database, conn.user];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const f = fields(line);
    if (f.length < 5) continue;
    if (want.every((w, i) => f[i] === '*' || f[i] === w)) return f.slice(4).join(':');
  }
  return undefined;
}
