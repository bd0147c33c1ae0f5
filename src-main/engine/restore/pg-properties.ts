import type pg from 'pg';

/**
 * Split the SQL pg_restore prints for a few TOC entries into statements: `;` ends a statement
 * only outside quotes, `--` comments and psql meta-commands (`\connect`, `\restrict`) are dropped.
 * A comment text holding `;` or a newline stays inside its statement.
 */
export function splitSql(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] ?? '';
    if (cur.trim() === '' && c === '\\') {
      // A psql meta-command runs to the end of its line.
      while (i < n && text[i] !== '\n') i += 1;
      cur = '';
      continue;
    }
    if (c === '-' && text[i + 1] === '-') {
      while (i < n && text[i] !== '\n') i += 1;
      continue;
    }
    if (c === "'" || c === '"') {
      // E'...' strings treat backslash as an escape; standard strings and identifiers double the quote.
      const escapes = c === "'" && /(^|[^A-Za-z0-9_])[Ee]$/.test(cur);
      let j = i + 1;
      while (j < n) {
        const d = text[j];
        if (escapes && d === '\\') j += 2;
        else if (d === c && text[j + 1] === c) j += 2;
        else if (d === c) break;
        else j += 1;
      }
      cur += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === ';') {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
      i += 1;
      continue;
    }
    cur += c;
    i += 1;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

const ID = '("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)';
/** The statements pg_dump writes for a database's own properties, with the database name captured. */
const DATABASE_SHAPES = [
  new RegExp(`^(ALTER DATABASE )${ID}( (?:OWNER TO|SET|RESET|CONNECTION LIMIT) [\\s\\S]*)$`),
  new RegExp(`^(ALTER ROLE ${ID} IN DATABASE )${ID}( (?:SET|RESET) [\\s\\S]*)$`),
  new RegExp(`^(COMMENT ON DATABASE )${ID}( IS [\\s\\S]*)$`),
  new RegExp(`^(SECURITY LABEL (?:FOR ${ID} )?ON DATABASE )${ID}( IS [\\s\\S]*)$`),
  new RegExp(`^((?:GRANT|REVOKE) [A-Z, ()]+ ON DATABASE )${ID}( (?:TO|FROM) [\\s\\S]*)$`),
];

function unquote(id: string): string {
  return id.startsWith('"') ? id.slice(1, -1).replace(/""/g, '"') : id.toLowerCase();
}

/** What to do with one statement of the dump's database-level entries. */
export type DatabaseStatement = { readonly run: string; readonly original: string } | { readonly skip: string };

/**
 * Re-aim one statement from the dump's database-level entries (owner, settings, comment, ACL)
 * at `target` instead of the dumped database `dumped`. Only the shapes pg_dump writes for these
 * entries are accepted; session setup is dropped (the caller sets its own); anything else is
 * reported, not run.
 */
export function retargetDatabaseStatement(sql: string, dumped: string, target: string, ident: (s: string) => string): DatabaseStatement | null {
  if (/^CREATE DATABASE /.test(sql) || /^SET [a-z_]+ = /.test(sql) || /^SELECT pg_catalog\.set_config\(/.test(sql)) return null;
  if (/^(SET|RESET) SESSION AUTHORIZATION\b/.test(sql)) return { run: sql, original: sql };
  for (const shape of DATABASE_SHAPES) {
    const m = shape.exec(sql);
    if (!m) continue;
    // The database name is the last captured identifier before the tail.
    const groups = m.slice(1);
    const tail = groups[groups.length - 1] ?? '';
    const name = groups[groups.length - 2] ?? '';
    const head = sql.slice(0, sql.length - tail.length - name.length);
    if (unquote(name) !== dumped) return { skip: `${sql.slice(0, 120)} (it names database ${name}, not the dumped "${dumped}")` };
    return { run: `${head}${ident(target)}${tail}`, original: sql };
  }
  return { skip: sql.slice(0, 120) };
}

/** Roles a failed statement names as missing (`role "x" does not exist`). */
export function missingRole(message: string): string | undefined {
  return /role "((?:[^"]|"")*)" does not exist/.exec(message)?.[1];
}

/**
 * Run statements one by one (so one missing role loses one grant, not the whole entry's list).
 * A missing role or a refused privilege becomes a warning that says what was not applied and
 * what holds instead; any other failure is thrown.
 */
export async function runEach(client: pg.Client, statements: readonly { run: string; original: string }[], user: string, where: string): Promise<string[]> {
  const warnings: string[] = [];
  await client.query(`SELECT pg_catalog.set_config('search_path', '', false)`);
  try {
    for (const s of statements) {
      try {
        await client.query(s.run);
      } catch (e) {
        const code = (e as { code?: string }).code;
        const msg = (e as Error).message;
        if (code !== '42704' && code !== '42501') throw e;
        warnings.push(lostStatement(where, s.original, user, msg));
      }
    }
  } finally {
    await client.query('RESET SESSION AUTHORIZATION').catch(() => undefined);
  }
  return warnings;
}

/** The warning for a statement a missing role (or a refused privilege) kept from being applied. */
export function lostStatement(where: string, statement: string, user: string, error: string): string {
  const role = missingRole(error);
  const what = statement.replace(/\s+/g, ' ').replace(/;$/, '').slice(0, 160);
  const why = role ? `role "${role}" does not exist on the target server` : error.split('\n')[0] ?? error;
  const instead = /OWNER TO/.test(statement) ? `was not applied: it is owned by the restoring user "${user}" instead` : 'was skipped';
  return `${where}: ${why}, so "${what}" ${instead}.`;
}
