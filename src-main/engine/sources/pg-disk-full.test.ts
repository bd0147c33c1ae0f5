import { execFileSync } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, testEngine } from '../../../test-support/engine.js';
import { PG_BIN, pgUnavailableReason, startPgCluster, type PgCluster } from '../../../test-support/pg-cluster.js';
import { tempDir } from '../../../test-support/temp-dir.js';

const reason = pgUnavailableReason() ?? (process.getuid?.() === 0 ? null : 'mounting a tmpfs needs root');

describe.skipIf(reason !== null)(`a pg_dump onto a full destination${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let pg: PgCluster;
  beforeAll(async () => {
    pg = await startPgCluster();
    process.env.LIFEBOAT_PG_DUMP = join(PG_BIN, 'pg_dump');
  });
  afterAll(() => {
    delete process.env.LIFEBOAT_PG_DUMP;
    pg?.stop();
  });

  it('is DISK_FULL naming the destination, not PG_DUMP_FAILED', async () => {
    pg.psql('postgres', 'CREATE DATABASE bulky');
    pg.psql('bulky', `CREATE TABLE t (id int, b text); INSERT INTO t SELECT i, md5(i::text) || repeat(md5((i * 7)::text), 30) FROM generate_series(1, 20000) i;`);
    const { engine } = await testEngine();
    const out = join(await tempDir(), 'small');
    await mkdir(out);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', out]);
    try {
      await expect(engine.backup(request(out, [{ kind: 'postgres', url: pg.url('bulky'), name: 'bulky' }]))).rejects.toMatchObject({ code: 'DISK_FULL', message: expect.stringContaining(out) });
      expect(await readdir(out)).toEqual([]);
    } finally {
      execFileSync('umount', [out]);
    }
  });
});
