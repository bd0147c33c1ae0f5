import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifeboat } from '../../../test-support/cli.js';
import { nextStart, runWithFault } from '../../../test-support/crash.js';
import { PG_BIN, pgUnavailableReason, startPgCluster, type PgCluster } from '../../../test-support/pg-cluster.js';
import { tempDir } from '../../../test-support/temp-dir.js';

const reason = pgUnavailableReason();

describe.skipIf(reason !== null)(`whole-server PostgreSQL restore crash recovery${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let a: PgCluster;
  let b: PgCluster;
  beforeAll(async () => {
    a = await startPgCluster();
    b = await startPgCluster();
  });
  afterAll(() => {
    a?.stop();
    b?.stop();
  });

  it('kill -9 after the globals and databases are staged, or after the swap: the next start drops the roles and databases it created; after the commit it keeps them', async () => {
    const home = await tempDir();
    // Both clusters share the test password, which travels in PGPASSWORD only.
    const env = { ...process.env, PGPASSWORD: a.password, LIFEBOAT_PG_DUMP: join(PG_BIN, 'pg_dump'), LIFEBOAT_PG_RESTORE: join(PG_BIN, 'pg_restore') };
    a.psql('postgres', 'CREATE ROLE alice NOLOGIN');
    a.psql('postgres', 'CREATE DATABASE app OWNER alice');
    a.psql('app', 'SET ROLE alice; CREATE TABLE items (id int); INSERT INTO items SELECT generate_series(1, 30);');
    const bare = (c: PgCluster, db: string): string => c.url(db).replace(/:[^:@/]*@/, '@');
    const bk = await lifeboat(['--home', home, 'backup', '--postgres-server', bare(a, 'postgres'), '--postgres-databases', 'app', '--json'], { env });
    expect(bk.code, bk.stderr).toBe(0);
    const id = bk.json<{ id: string }>().id;
    const onB = (): string => b.psql('postgres', `SELECT (SELECT count(*) FROM pg_roles WHERE rolname = 'alice') || ':' || (SELECT count(*) FROM pg_database WHERE datname LIKE 'app%')`).trim();
    const restore = ['--home', home, 'restore', id, '--to-postgres-server', bare(b, 'postgres'), '--no-safety-backup', '--yes'];
    for (const point of ['restore:staged', 'restore:swapped', 'restore:check']) {
      const run = await runWithFault(restore, point, { env });
      expect(run.signal, `${point} never fired (${run.code}): ${run.stderr}`).toBe('SIGKILL');
      expect(onB(), `${point}: before recovery the role and a database are there`).not.toBe('0:0');
      await nextStart(home, { env });
      expect(onB(), `${point}: recovery rolls back`).toBe('0:0');
    }
    const run = await runWithFault(restore, 'restore:commit', { env });
    expect(run.signal, run.stderr).toBe('SIGKILL');
    await nextStart(home, { env });
    expect(onB(), 'after the commit: rolled forward').toBe('1:1');
    expect(b.psql('app', `SELECT count(*) || ':' || pg_get_userbyid((SELECT relowner FROM pg_class WHERE relname = 'items')) FROM items`).trim()).toBe('30:alice');
  }, 240_000);
});
