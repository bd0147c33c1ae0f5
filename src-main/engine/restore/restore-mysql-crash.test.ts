import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifeboat } from '../../../test-support/cli.js';
import { catalogRows, nextStart, runAndKillAfter, runWithFault } from '../../../test-support/crash.js';
import { mariadbUnavailableReason, startMariaDb, type MariaDbServer } from '../../../test-support/mariadb-server.js';
import { tempDir } from '../../../test-support/temp-dir.js';

const reason = mariadbUnavailableReason();

/** Each step of a MariaDB restore in place, and where recovery must leave the database. */
const POINTS: readonly [string, 'old' | 'new'][] = [
  ['restore:stage', 'old'],
  ['restore:staged', 'old'],
  ['restore:swap', 'old'],
  // The old database is saved as a checked dump, nothing dropped yet.
  ['restore:swap-mysql-saved', 'old'],
  // The target was dropped and created empty: recovery loads the saved dump back.
  ['restore:swap-mysql-emptied', 'old'],
  ['restore:swapped', 'old'],
  ['restore:check', 'old'],
  ['restore:commit', 'new'],
  ['restore:commit-mysql-dropped', 'new'],
  ['restore:done', 'new'],
];

describe.skipIf(reason !== null)(`MariaDB restore crash recovery${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let db: MariaDbServer;
  beforeAll(async () => {
    db = await startMariaDb();
  }, 120_000);
  afterAll(async () => {
    await db?.stop();
  });

  it('kill -9 at every step of an in-place restore: the database is wholly old or wholly new (view and trigger too), never gone, and the catalog says which', async () => {
    const home = await tempDir();
    // The password travels in MYSQL_PWD only, so the recovery on the next start can connect too.
    const env = { ...process.env, MYSQL_PWD: db.password };
    db.sql(null, 'CREATE DATABASE ledger');
    db.sql(
      'ledger',
      `CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(40)) ENGINE=InnoDB;
       CREATE TABLE log (n INT) ENGINE=InnoDB;
       INSERT INTO items SELECT seq, CONCAT('new ', seq) FROM seq_1_to_800;
       CREATE VIEW labels AS SELECT label FROM items;
       CREATE TRIGGER items_ai AFTER INSERT ON items FOR EACH ROW INSERT INTO log VALUES (NEW.id);`,
    );
    const url = db.url('ledger', null);
    const b = await lifeboat(['--home', home, 'backup', '--mysql', url, '--json'], { env });
    expect(b.code, b.stdout + b.stderr).toBe(0);
    const id = b.json<{ id: string }>().id;
    const state = (): string => {
      const rows = db.sql('ledger', `SELECT CONCAT(COUNT(*), ':', MIN(label), ':', (SELECT COUNT(*) FROM labels), ':', (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'ledger')) FROM items`).trim();
      return rows === '800:new 1:800:1' ? 'new' : rows === '5:old:5:1' ? 'old' : rows;
    };
    const check = async (what: string, runs: number): Promise<'old' | 'new'> => {
      await nextStart(home, { env });
      const s = state();
      expect(['old', 'new'], `${what}: database is ${s}`).toContain(s);
      // No staged database survives recovery.
      expect(db.sql(null, `SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'ledger\\_lb\\_%'`).trim(), what).toBe('0');
      const rows = catalogRows<{ status: string }>(home, 'SELECT status FROM restores ORDER BY started_at DESC, rowid DESC');
      if (rows.length > runs) expect(rows[0]?.status, what).toBe(s === 'new' ? 'COMPLETED' : 'ROLLED_BACK');
      else expect(s, `${what}: killed before the restore was recorded`).toBe('old');
      return s as 'old' | 'new';
    };
    const resetOld = (): void => {
      db.sql('ledger', `DELETE FROM items; INSERT INTO items SELECT seq, 'old' FROM seq_1_to_5;`);
    };
    let runs = 0;
    for (const [point, want] of POINTS) {
      resetOld();
      const run = await runWithFault(['--home', home, 'restore', id, '--to-mysql', url, '--no-safety-backup', '--yes', '--confirm-smaller'], point, { env });
      expect(run.signal, `${point} never fired (${run.code}): ${run.stderr}`).toBe('SIGKILL');
      expect(await check(point, runs)).toBe(want);
      runs += 1;
    }
    // Random kills over the length of a whole restore.
    resetOld();
    const t0 = Date.now();
    const full = await lifeboat(['--home', home, 'restore', id, '--to-mysql', url, '--no-safety-backup', '--yes', '--confirm-smaller'], { env });
    expect(full.code, full.stdout + full.stderr).toBe(0);
    runs += 1;
    const duration = Date.now() - t0;
    for (let i = 0; i < 6; i += 1) {
      resetOld();
      const delay = Math.round((duration * (i + Math.random())) / 6);
      await runAndKillAfter(['--home', home, 'restore', id, '--to-mysql', url, '--no-safety-backup', '--yes', '--confirm-smaller'], delay, { env });
      await check(`random kill after ${delay} ms`, runs);
      runs = catalogRows<{ n: number }>(home, 'SELECT count(*) AS n FROM restores')[0]?.n ?? runs;
    }
  }, 300_000);
});
