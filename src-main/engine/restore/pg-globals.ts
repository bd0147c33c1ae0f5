import { readFile } from 'node:fs/promises';
import type pg from 'pg';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { connectFirst, parsePgUrl } from '../sources/postgres-source.js';
import type { JournalStep } from './journal.js';
import { splitSql } from './pg-properties.js';
import type { PgSecrets } from './pg-secrets.js';

/** The journal step of a globals restore: what this restore created, recorded before each CREATE. */
export type GlobalsStep = Extract<JournalStep, { kind: 'pg-globals' }>;

const ID = '("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)';
const STR = "'(?:[^']|'')*'";
const ROLE_ATTR = `(?:NO)?(?:SUPERUSER|INHERIT|CREATEROLE|CREATEDB|LOGIN|REPLICATION|BYPASSRLS)|CONNECTION LIMIT -?\\d+|PASSWORD (?:${STR}|NULL)|VALID UNTIL ${STR}`;

/**
 * The statement shapes `pg_dumpall --globals-only` writes, and only those: the file comes from an
 * archive, so it is never handed to psql (no meta-commands, no other SQL). Each statement must match
 * one shape as a whole; anything else is left out with a warning.
 */
const SHAPES = {
  session: /^SET (?:default_transaction_read_only|client_encoding|standard_conforming_strings) = [\s\S]*$/,
  createRole: new RegExp(`^CREATE ROLE ${ID}$`),
  alterRole: new RegExp(`^ALTER ROLE ${ID} WITH(?: (?:${ROLE_ATTR}))+$`),
  roleSetting: new RegExp(`^ALTER ROLE ${ID} SET ([A-Za-z_][A-Za-z0-9_.]*) (?:TO|=) [\\s\\S]*$`),
  comment: new RegExp(`^COMMENT ON ROLE ${ID} IS ${STR}$`),
  membership: new RegExp(`^GRANT ${ID} TO ${ID}(?: WITH (?:ADMIN|INHERIT|SET) (?:OPTION|TRUE|FALSE))*(?: GRANTED BY ${ID})?$`),
  createTablespace: new RegExp(`^CREATE TABLESPACE ${ID} OWNER ${ID} LOCATION ${STR}$`),
  tablespaceExtra: new RegExp(`^(?:ALTER TABLESPACE ${ID} SET \\([^;]*\\)|COMMENT ON TABLESPACE ${ID} IS ${STR}|GRANT [A-Z, ]+ ON TABLESPACE ${ID} TO [\\s\\S]*)$`),
} as const;

function unquote(id: string | undefined): string {
  if (!id) return '';
  return id.startsWith('"') ? id.slice(1, -1).replace(/""/g, '"') : id.toLowerCase();
}

/** What a globals file holds, sorted by shape (in file order within each). */
export interface GlobalsPlan {
  readonly roles: { name: string; create: string; attrs: string[] }[];
  readonly memberships: { role: string; member: string; sql: string }[];
  readonly tablespaces: { name: string; create: string; extra: string[] }[];
  readonly refused: string[];
}

/** Sort the statements of a `pg_dumpall --globals-only` file; nothing is run here. */
export function planGlobals(text: string): GlobalsPlan {
  const roles = new Map<string, { name: string; create: string; attrs: string[] }>();
  const tablespaces = new Map<string, { name: string; create: string; extra: string[] }>();
  const memberships: { role: string; member: string; sql: string }[] = [];
  const refused: string[] = [];
  for (const sql of splitSql(text)) {
    let m: RegExpExecArray | null;
    if (SHAPES.session.test(sql)) continue;
    if ((m = SHAPES.createRole.exec(sql))) {
      const name = unquote(m[1]);
      roles.set(name, { name, create: sql, attrs: [] });
    } else if ((m = SHAPES.alterRole.exec(sql) ?? SHAPES.comment.exec(sql))) {
      const r = roles.get(unquote(m[1]));
      if (r) r.attrs.push(sql);
      else refused.push(sql);
    } else if ((m = SHAPES.roleSetting.exec(sql))) {
      const r = roles.get(unquote(m[1]));
      // Libraries loaded at login could run code from the server's disk: never from an archive.
      if (r && !/preload_libraries$/i.test(m[2] ?? '')) r.attrs.push(sql);
      else refused.push(sql);
    } else if ((m = SHAPES.membership.exec(sql))) {
      memberships.push({ role: unquote(m[1]), member: unquote(m[2]), sql });
    } else if ((m = SHAPES.createTablespace.exec(sql))) {
      const name = unquote(m[1]);
      tablespaces.set(name, { name, create: sql, extra: [] });
    } else if ((m = SHAPES.tablespaceExtra.exec(sql))) {
      const t = tablespaces.get(unquote(m[1] ?? m[2] ?? m[3]));
      if (t) t.extra.push(sql);
      else refused.push(sql);
    } else {
      refused.push(sql);
    }
  }
  return { roles: [...roles.values()], memberships, tablespaces: [...tablespaces.values()], refused };
}

async function names(client: pg.Client, sql: string): Promise<Set<string>> {
  return new Set((await client.query<{ n: string }>(sql)).rows.map((r) => r.n));
}

/**
 * Apply a server's globals before its databases: every role and tablespace the target server lacks
 * is created (each journalled first, so a rollback drops exactly those), with its attributes,
 * settings, comment and memberships. Roles that exist already, the connecting user among them, are
 * left as they are: a restore never changes a live role's password or rights. Returns warnings.
 */
export async function applyGlobals(file: string, step: GlobalsStep, save: () => void, secrets: PgSecrets): Promise<string[]> {
  const plan = planGlobals(await readFile(file, 'utf8'));
  const warnings: string[] = plan.refused.map((s) => `server ${step.target}: a statement of the globals was not applied (not one pg_dumpall writes for roles and tablespaces): ${s.slice(0, 160)}`);
  const url = secrets.connectUrl(step.url);
  const { client } = await connectFirst(parsePgUrl(url), parsePgUrl(url).database);
  const where = `server ${step.target}`;
  const run = async (sql: string, what: string): Promise<boolean> => {
    try {
      await client.query(sql);
      return true;
    } catch (e) {
      warnings.push(`${where}: ${what} failed (${(e as Error).message}); the restore goes on without it.`);
      return false;
    }
  };
  try {
    const me = (await client.query<{ u: string }>('SELECT current_user AS u')).rows[0]?.u ?? '';
    const haveRoles = await names(client, 'SELECT rolname AS n FROM pg_roles');
    const created = new Set<string>();
    for (const r of plan.roles) {
      if (haveRoles.has(r.name)) {
        if (r.name !== me) warnings.push(`${where}: role "${r.name}" exists already and was left as it is (its attributes and password were not changed).`);
        continue;
      }
      step.roles.push(r.name);
      save();
      try {
        await client.query(r.create);
      } catch (e) {
        step.roles.pop();
        save();
        throw new LifeboatError('PG_RESTORE_FAILED', `Creating role "${r.name}" on ${where} failed: ${(e as Error).message}`, { role: r.name }, { cause: e });
      }
      created.add(r.name);
      for (const a of r.attrs) await run(a, `setting up role "${r.name}" (${a.replace(/PASSWORD '[^']*'/g, "PASSWORD '***'").slice(0, 120)})`);
    }
    const members = await client.query<{ role: string; member: string }>('SELECT r.rolname AS role, m.rolname AS member FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member');
    const have = new Set(members.rows.map((x) => `${x.role}\u0000${x.member}`));
    for (const g of plan.memberships) {
      if (have.has(`${g.role}\u0000${g.member}`)) continue;
      // Only memberships of roles this restore created: a live role's rights are not widened.
      if (!created.has(g.member)) {
        warnings.push(`${where}: membership of "${g.member}" in "${g.role}" was not added ("${g.member}" existed before this restore).`);
        continue;
      }
      if (!(await run(g.sql, `granting "${g.role}" to "${g.member}"`))) continue;
    }
    const haveSpaces = await names(client, 'SELECT spcname AS n FROM pg_tablespace');
    for (const t of plan.tablespaces) {
      if (haveSpaces.has(t.name)) continue;
      step.tablespaces.push(t.name);
      save();
      if (!(await run(t.create, `creating tablespace "${t.name}" (its folder must exist on the server, empty and owned by the server's user)`))) {
        step.tablespaces.pop();
        save();
        continue;
      }
      for (const x of t.extra) await run(x, `setting up tablespace "${t.name}"`);
    }
    return warnings;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Tablespaces a dump's tables expect that the target server lacks (restored with --no-tablespaces then). */
export async function missingTablespaces(url: string, wanted: readonly string[]): Promise<string[]> {
  if (wanted.length === 0) return [];
  const { client } = await connectFirst(parsePgUrl(url), parsePgUrl(url).database);
  try {
    const have = await names(client, 'SELECT spcname AS n FROM pg_tablespace');
    return wanted.filter((t) => !have.has(t));
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Rollback: drop what this restore created (tablespaces first, then roles, newest first). */
export async function undoGlobals(step: GlobalsStep, secrets: PgSecrets): Promise<string> {
  const url = secrets.connectUrl(step.url);
  const { client } = await connectFirst(parsePgUrl(url), parsePgUrl(url).database);
  try {
    for (const t of [...step.tablespaces].reverse()) await client.query(`DROP TABLESPACE IF EXISTS ${client.escapeIdentifier(t)}`);
    for (const r of [...step.roles].reverse()) await client.query(`DROP ROLE IF EXISTS ${client.escapeIdentifier(r)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
  return `server ${step.target}: ${step.roles.length} role(s) and ${step.tablespaces.length} tablespace(s) this restore created were dropped`;
}
