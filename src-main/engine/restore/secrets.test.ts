import { execFileSync } from 'node:child_process';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifeboat, type CliRun } from '../../../test-support/cli.js';
import { PG_BIN, pgUnavailableReason, startPgCluster, type PgCluster } from '../../../test-support/pg-cluster.js';
import { tempDir } from '../../../test-support/temp-dir.js';

const reason = pgUnavailableReason();

/** Every file under `dir`, recursively, with ZIP archives unpacked (their manifest and README are compressed). */
async function everyByte(dir: string): Promise<{ path: string; data: Buffer }[]> {
  const out: { path: string; data: Buffer }[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        out.push({ path: p, data: await readFile(p) });
        if (p.endsWith('.zip')) out.push({ path: `${p} (unzipped)`, data: execFileSync('unzip', ['-p', p], { maxBuffer: 1 << 28 }) });
      }
    }
  };
  await walk(dir);
  return out;
}

describe.skipIf(reason !== null)(`no password is ever written down${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let pg: PgCluster;
  beforeAll(async () => {
    pg = await startPgCluster();
  });
  afterAll(() => pg?.stop());

  it('after backups and restores (in place, to a new database, a failed one) with passwords in URLs, no catalog, journal, manifest, audit row, output, error or argv holds them', async () => {
    const home = await tempDir();
    const tools = await tempDir();
    const argvLog = join(tools, 'argv.log');
    // The real tools behind wrappers that record their command lines.
    for (const tool of ['pg_dump', 'pg_restore']) {
      const w = join(tools, tool);
      await writeFile(w, `#!/bin/sh\nprintf '%s\\n' "$0 $*" >> '${argvLog}'\nexec '${join(PG_BIN, tool)}' "$@"\n`);
      await chmod(w, 0o755);
    }
    const env = { ...process.env, LIFEBOAT_PG_DUMP: join(tools, 'pg_dump'), LIFEBOAT_PG_RESTORE: join(tools, 'pg_restore') };
    delete (env as Record<string, string | undefined>).PGPASSWORD;
    const wrong = 'Wr0ng-pass:word@x';
    pg.psql('postgres', 'CREATE DATABASE vault');
    pg.psql('vault', `CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 300);`);
    const runs: CliRun[] = [];
    const run = async (args: string[]): Promise<CliRun> => {
      const r = await lifeboat(['--home', home, ...args], { env });
      runs.push(r);
      return r;
    };
    const b = await run(['backup', '--postgres', pg.url('vault'), '--json']);
    expect(b.code, b.stderr).toBe(0);
    const id = b.json<{ id: string }>().id;
    expect((await run(['restore', id, '--to-postgres', pg.url('vault_copy')])).code).toBe(0);
    pg.psql('vault', 'DELETE FROM t WHERE id > 250');
    const inPlace = await run(['restore', id, '--to-postgres', pg.url('vault')]);
    expect(inPlace.code, inPlace.stderr).toBe(0);
    expect(pg.psql('vault', 'SELECT count(*) FROM t').trim()).toBe('300');
    const failed = await run(['restore', id, '--to-postgres', pg.url('vault', wrong), '--json']);
    expect(failed.code).toBe(1);
    await run(['list', '--json']);
    await run(['info', id, '--json']);
    await run(['audit', 'list', '--limit', '500']);
    await run(['audit', 'export', '--format', 'json', '--out', join(home, 'audit-export.json')]);

    const secrets = [pg.password, encodeURIComponent(pg.password), wrong, encodeURIComponent(wrong)];
    const places = [
      ...(await everyByte(home)),
      { path: 'argv of pg_dump/pg_restore', data: await readFile(argvLog) },
      ...runs.map((r, i) => ({ path: `stdout+stderr of run ${i}`, data: Buffer.from(r.stdout + r.stderr) })),
    ];
    expect(places.length).toBeGreaterThan(5);
    expect((await readFile(argvLog, 'utf8')).split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(3);
    for (const p of places) for (const s of secrets) expect(p.data.includes(Buffer.from(s)), `${s} found in ${p.path}`).toBe(false);
  });
});
