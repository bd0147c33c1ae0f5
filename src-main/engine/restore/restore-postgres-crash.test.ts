import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifeboat } from '../../../test-support/cli.js';
import { catalogRows, nextStart, runAndKillAfter, runWithFault } from '../../../test-support/crash.js';
import { PG_BIN, pgUnavailableReason, startPgCluster, type PgCluster } from '../../../test-support/pg-cluster.js';
import { tempDir } from '../../../test-support/temp-dir.js';

const reason = pgUnavailableReason();

/** Each step of a PostgreSQL restore in place, and where recovery must leave the database. */
const POINTS: readonly [string, 'old' | 'new'][] = [
  ['restore:stage', 'old'],
  ['restore:staged', 'old'],
  ['restore:swap', 'old'],
  ['restore:swap-pg-renamed-old', 'old'],
  ['restore:swapped', 'old'],
  ['restore:check', 'old'],
  ['restore:commit', 'new'],
  // The old database is gone, the restored one is in place: the next start must keep it.
  ['restore:commit-pg-dropped', 'new'],
  ['restore:done', 'new'],
];

describe.skipIf(reason !== null)(`PostgreSQL restore crash recovery${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let pg: PgCluster;
  beforeAll(async () => {
    pg = await startPgCluster();
  });
  afterAll(() => pg?.stop());

  it('kill -9 at every step of an in-place restore: the database is wholly old or wholly new, never gone, and the catalog says which', async () => {
    const home = await tempDir();
    const env = { ...process.env, PGPASSWORD: pg.password, LIFEBOAT_PG_DUMP: join(PG_BIN, 'pg_dump'), LIFEBOAT_PG_RESTORE: join(PG_BIN, 'pg_restore') };
    pg.psql('postgres', 'CREATE DATABASE ledger');
    pg.psql('ledger', `CREATE TABLE items (id int PRIMARY KEY, label text); INSERT INTO items SELECT i, 'new ' || i FROM generate_series(1, 800) i;`);
    const url = pg.url('ledger').replace(/:[^:@/]*@/, '@'); // the password travels in PGPASSWORD only
    const b = await lifeboat(['--home', home, 'backup', '--postgres', url, '--json'], { env });
    expect(b.code, b.stderr).toBe(0);
    const id = b.json<{ id: string }>().id;
    const state = (): string => {
      const rows = pg.psql('ledger', `SELECT count(*) || ':' || min(label) FROM items`).trim();
      return rows === '800:new 1' ? 'new' : rows === '5:old' ? 'old' : rows;
    };
    const check = async (what: string, runs: number): Promise<'old' | 'new'> => {
      await nextStart(home, { env });
      const s = state();
      expect(['old', 'new'], `${what}: database is ${s}`).toContain(s);
      // No staged or set-aside database survives recovery.
      expect(pg.psql('postgres', `SELECT count(*) FROM pg_database WHERE datname LIKE 'ledger\\_lb\\_%'`).trim(), what).toBe('0');
      const rows = catalogRows<{ status: string }>(home, 'SELECT status FROM restores ORDER BY started_at DESC, rowid DESC');
      if (rows.length > runs) expect(rows[0]?.status, what).toBe(s === 'new' ? 'COMPLETED' : 'ROLLED_BACK');
      else expect(s, `${what}: killed before the restore was recorded`).toBe('old');
      return s as 'old' | 'new';
    };
    const resetOld = (): void => {
      pg.psql('ledger', `TRUNCATE items; INSERT INTO items SELECT i, 'old' FROM generate_series(1, 5) i;`);
    };
    let runs = 0;
    for (const [point, want] of POINTS) {
      resetOld();
      const run = await runWithFault(['--home', home, 'restore', id, '--no-safety-backup', '--yes'], point, { env });
      expect(run.signal, `${point} never fired (${run.code}): ${run.stderr}`).toBe('SIGKILL');
      expect(await check(point, runs)).toBe(want);
      runs += 1;
    }
    // Random kills over the length of a whole restore.
    resetOld();
    const t0 = Date.now();
    const full = await lifeboat(['--home', home, 'restore', id, '--no-safety-backup', '--yes'], { env });
    expect(full.code, full.stderr).toBe(0);
    runs += 1;
    const duration = Date.now() - t0;
    for (let i = 0; i < 6; i += 1) {
      resetOld();
      const delay = Math.round((duration * (i + Math.random())) / 6);
      await runAndKillAfter(['--home', home, 'restore', id, '--no-safety-backup', '--yes'], delay, { env });
      await check(`random kill after ${delay} ms`, runs);
      runs = catalogRows<{ n: number }>(home, 'SELECT count(*) AS n FROM restores')[0]?.n ?? runs;
    }
  }, 240_000);
});
