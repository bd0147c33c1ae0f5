import { execFile, spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { PgTool } from '../sources/pg-tools.js';
import { parsePgUrl } from '../sources/postgres-source.js';

const run = promisify(execFile);

/**
 * Refuse anything but a custom-format dump that `pg_restore --list` accepts. A plain SQL file
 * is never run: feeding untrusted SQL to psql is how CVE-2025-8714 style attacks work.
 */
export async function assertCustomDump(tool: PgTool, file: string, entry: string): Promise<{ dumpedBy: string | null }> {
  const fh = await open(file, 'r');
  const magic = Buffer.alloc(5);
  try {
    await fh.read(magic, 0, 5, 0);
  } finally {
    await fh.close();
  }
  if (magic.toString('latin1') !== 'PGDMP') {
    throw new LifeboatError('ARCHIVE_HOSTILE', `Refusing "${entry}": it is not a pg_dump custom-format archive (plain SQL is never replayed).`, { entry });
  }
  try {
    const { stdout } = await run(tool.path, ['--list', file], { maxBuffer: 64 * 1024 * 1024 });
    const m = /Dumped by pg_dump version (\d+)(?:\.\d+)?/.exec(stdout);
    return { dumpedBy: m?.[1] ?? null };
  } catch (e) {
    throw new LifeboatError('ARCHIVE_HOSTILE', `Refusing "${entry}": pg_restore --list rejects it (${(e as Error).message.split('\n')[0] ?? ''}).`, { entry });
  }
}

/** Run pg_restore into `url`'s database; warnings are returned, errors thrown. */
export async function pgRestoreInto(tool: PgTool, url: string, file: string): Promise<string[]> {
  const t = parsePgUrl(url);
  const env: NodeJS.ProcessEnv = { ...process.env, PGAPPNAME: 'lifeboat' };
  if (t.password !== undefined) env.PGPASSWORD = t.password;
  if (t.sslmode) env.PGSSLMODE = t.sslmode;
  const args = ['--no-owner', '--no-privileges', '--exit-on-error', '--no-password', `--host=${t.host}`, `--port=${t.port}`, `--username=${t.user}`, `--dbname=${t.database}`, file];
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(tool.path, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (err = (err + d).slice(-16000)));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stderr: err }));
  });
  const lines = stderr.split('\n').filter(Boolean);
  if (code !== 0) {
    throw new LifeboatError('PG_RESTORE_FAILED', `pg_restore into "${t.database}" failed: ${lines.filter((l) => !/warning:/i.test(l)).slice(-5).join(' | ') || `exit ${code}`}`, {
      database: t.database,
    });
  }
  return lines.filter((l) => /warning:/i.test(l));
}
