import { rm, writeFile } from 'node:fs/promises';
import { PG_SECTIONS, type PgSection } from '../../../src-shared/domain/pg-options.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { pgTimeouts, readWholeDump, runPgTool, runPgToolStdout, type PgTool } from '../sources/pg-tools.js';
import { classifyPgError, connectFirst, parsePgUrl, pgEnv, type PgTarget } from '../sources/postgres-source.js';
import { lostStatement, missingRole, retargetDatabaseStatement, runEach, splitSql } from './pg-properties.js';

/**
 * Refuse anything but a custom-format dump that reads back whole (header, table of contents and
 * every data block: the same check a backup makes before it counts a dump as written). A plain
 * SQL file is never run: feeding untrusted SQL to psql is how CVE-2025-8714 style attacks work.
 */
export async function assertCustomDump(tool: PgTool, file: string, entry: string): Promise<{ dumpedBy: string | null }> {
  const check = await readWholeDump(tool, file);
  if (check.ok) return { dumpedBy: check.dumpedBy };
  // Not a dump, or a TOC pg_restore rejects: refused as unsafe. A dump cut short: incomplete.
  const code = check.stage === 'data' ? 'ARCHIVE_INCOMPLETE' : 'ARCHIVE_HOSTILE';
  const what = check.stage === 'header' ? `${check.reason} (plain SQL is never replayed)` : check.reason;
  throw new LifeboatError(code, `Refusing "${entry}": ${what}. Nothing was restored.`, { entry });
}

/** pgAdmin-style restore choices (issue 13), each a fixed flag or a checked number: nothing from a user reaches argv as text. */
export interface PgRestoreChoices {
  readonly noOwner?: boolean;
  readonly sections?: readonly PgSection[];
  readonly jobs?: number;
  /** The server lacks a tablespace the dump names: restore into the default one. */
  readonly noTablespaces?: boolean;
}

function choiceArgs(c: PgRestoreChoices): string[] {
  const jobs = c.jobs !== undefined && Number.isInteger(c.jobs) && c.jobs >= 1 && c.jobs <= 32 ? [`--jobs=${c.jobs}`] : [];
  const sections = (c.sections ?? []).filter((s) => (PG_SECTIONS as readonly string[]).includes(s)).map((s) => `--section=${s}`);
  return [...(c.noOwner ? ['--no-owner'] : []), ...(c.noTablespaces ? ['--no-tablespaces'] : []), ...sections, ...jobs];
}

/** A TOC line of `pg_restore --list`: `<id>; <tableoid> <oid> <TYPE> <schema> <name> <owner>`. */
const TOC_LINE = /^(\d+); \d+ \d+ /;
const ACL_LINE = /^\d+; \d+ \d+ (ACL|DEFAULT ACL) /;

async function toc(tool: PgTool, file: string, create: boolean): Promise<{ lines: string[]; dbname: string }> {
  const r = await runPgToolStdout(tool, [...(create ? ['--create'] : []), '--list', file], pgTimeouts().toolMs);
  if (r.code !== 0) throw new LifeboatError('PG_RESTORE_FAILED', `pg_restore --list cannot read ${file}: ${r.stderr.trim().split('\n')[0] ?? ''}`, { file });
  const dbname = /^;\s+dbname: (.*)$/m.exec(r.stdout)?.[1] ?? '';
  return { lines: r.stdout.split('\n').filter((l) => TOC_LINE.test(l)), dbname };
}

/** The SQL pg_restore would run for the TOC entries in `lines` (ACLs, database properties). */
async function entriesSql(tool: PgTool, file: string, lines: readonly string[], create: boolean): Promise<string> {
  if (lines.length === 0) return '';
  const list = `${file}.${create ? 'db' : 'acl'}.list`;
  await writeFile(list, `${lines.join('\n')}\n`, { mode: 0o600 });
  try {
    const r = await runPgToolStdout(tool, [...(create ? ['--create'] : []), `--use-list=${list}`, '--file=-', file], pgTimeouts().toolMs);
    if (r.code !== 0) throw new LifeboatError('PG_RESTORE_FAILED', `pg_restore cannot print the ${create ? 'database properties' : 'privileges'} of ${file}: ${r.stderr.trim().split('\n')[0] ?? ''}`, { file });
    return r.stdout;
  } finally {
    await rm(list, { force: true });
  }
}

/** pg_restore's failed commands, as `{ error, command }` blocks of its stderr. */
function failures(stderr: string): { error: string; command: string }[] {
  const out: { error: string; command: string }[] = [];
  for (const block of stderr.split(/^(?=pg_restore: )/m)) {
    if (!/^pg_restore: error: /.test(block)) continue;
    const [error = '', command = ''] = block.split(/\nCommand was: /);
    out.push({ error: error.replace(/^pg_restore: error: /, '').trim(), command: command.trim() });
  }
  return out;
}

/**
 * Run pg_restore into `url`'s database, keeping owners, privileges and the database's own
 * properties (owner, `ALTER DATABASE … SET`, comment, ACL, per-role settings), re-aimed at this
 * database whatever it is called. Privileges are applied one statement at a time, so a role
 * missing on this server costs only what names it: each such loss is a returned warning that
 * names the role and what holds instead. Any other failure is thrown.
 */
export async function pgRestoreInto(tool: PgTool, url: string, file: string, choices: PgRestoreChoices = {}): Promise<string[]> {
  // Several hosts: pg_restore goes to the one the client reaches (narrowed), as the checks will.
  const probe = await connectFirst(parsePgUrl(url), parsePgUrl(url).database);
  await probe.client.end().catch(() => undefined);
  const t = probe.target;
  const { toolMs } = pgTimeouts();
  const [plain, created] = await Promise.all([toc(tool, file, false), toc(tool, file, true)]);
  const plainIds = new Set(plain.lines.map((l) => TOC_LINE.exec(l)?.[1]));
  const databaseLines = created.lines.filter((l) => !plainIds.has(TOC_LINE.exec(l)?.[1]));
  const aclLines = plain.lines.filter((l) => ACL_LINE.test(l));
  const mainList = `${file}.main.list`;
  await writeFile(mainList, `${plain.lines.filter((l) => !ACL_LINE.test(l)).join('\n')}\n`, { mode: 0o600 });
  const warnings: string[] = [];
  // Warnings name the database the user asked for, not the staging name it is restored under
  // before the swap (restore-job's `<name>_lb_<id>`).
  const where = `database "${t.database.replace(/_lb_[0-9a-f]{8}$/, '')}"`;
  try {
    // No --exit-on-error: an `ALTER … OWNER TO` naming a role this server lacks fails alone (the
    // object stays with the restoring user); every other failure is counted and fails the restore.
    const r = await runPgTool(tool, ['--no-password', ...choiceArgs(choices), `--use-list=${mainList}`, '--dbname=application_name=lifeboat', file], { env: pgEnv(t), timeoutMs: toolMs, stderrLimit: 8 * 1024 * 1024 });
    if (r.timedOut) throw new LifeboatError('PG_TIMEOUT', `pg_restore into "${t.database}" did not finish within ${Math.round(toolMs / 1000)} s and was stopped.`, { database: t.database, timeoutMs: toolMs });
    const failed = failures(r.stderr);
    const ignored = Number(/errors ignored on restore: (\d+)/.exec(r.stderr)?.[1] ?? 0);
    const tolerated = failed.filter((f) => /OWNER TO /.test(f.command) && (missingRole(f.error) !== undefined || /must be (a )?member of role/.test(f.error)));
    const fatal = failed.filter((f) => !tolerated.includes(f));
    if (r.code !== 0 && (fatal.length > 0 || ignored !== tolerated.length)) {
      const first = fatal[0];
      const cause = first ? `${first.error}${first.command ? ` (in: ${first.command.slice(0, 200)})` : ''}` : r.stderr.trim().split('\n').slice(-3).join(' | ') || `exit ${r.code ?? r.signal}`;
      const err = classifyPgError(new Error(cause), t);
      if (err.code !== 'PG_DUMP_FAILED') throw err;
      throw new LifeboatError('PG_RESTORE_FAILED', `pg_restore into "${t.database}" failed: ${cause}`, { database: t.database, errors: fatal.length });
    }
    for (const f of tolerated) warnings.push(lostStatement(where, f.command, t.user, f.error.replace(/^could not execute query: ERROR:\s+/, '')));
    for (const l of r.stderr.split('\n')) if (/warning:/i.test(l) && !/errors ignored on restore/.test(l)) warnings.push(l);
  } finally {
    await rm(mainList, { force: true });
  }
  for (const w of await applyProperties(tool, file, t, aclLines, databaseLines, created.dbname, where, choices.noOwner === true)) warnings.push(w);
  return warnings;
}

/** Privileges of the objects, then the database's own properties re-aimed at `t.database`. */
async function applyProperties(tool: PgTool, file: string, t: PgTarget, aclLines: readonly string[], databaseLines: readonly string[], dumped: string, where: string, noOwner: boolean): Promise<string[]> {
  const acl = splitSql(await entriesSql(tool, file, aclLines, false))
    .filter((s) => /^(GRANT|REVOKE|ALTER DEFAULT PRIVILEGES|SET SESSION AUTHORIZATION|RESET SESSION AUTHORIZATION)\b/.test(s))
    .map((s) => ({ run: s, original: s }));
  const { client } = await connectFirst(t, t.database);
  try {
    const ident = (s: string): string => client.escapeIdentifier(s);
    const database: { run: string; original: string }[] = [];
    const warnings: string[] = [];
    for (const sql of splitSql(await entriesSql(tool, file, databaseLines, true))) {
      const d = retargetDatabaseStatement(sql, dumped, t.database, ident);
      if (d === null) continue;
      // --no-owner: the restoring user keeps the database as well as its objects.
      if (noOwner && 'run' in d && /^ALTER DATABASE [\s\S]* OWNER TO /.test(d.original)) continue;
      if ('skip' in d) warnings.push(`${where}: a database-level statement of the dump was not applied: ${d.skip}`);
      else database.push(d);
    }
    for (const w of await runEach(client, acl, t.user, where)) warnings.push(w);
    for (const w of await runEach(client, database, t.user, where)) warnings.push(w);
    return warnings;
  } catch (e) {
    throw e instanceof LifeboatError ? e : new LifeboatError('PG_RESTORE_FAILED', `Applying the privileges and database properties of the dump to "${t.database}" failed: ${(e as Error).message}`, { database: t.database }, { cause: e });
  } finally {
    await client.end().catch(() => undefined);
  }
}
