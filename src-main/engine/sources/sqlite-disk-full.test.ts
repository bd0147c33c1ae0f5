import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { request, testEngine } from '../../../test-support/engine.js';
import { tempDir } from '../../../test-support/temp-dir.js';

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)(`a SQLite backup onto a full destination${isRoot ? '' : ' (skipped: mounting a tmpfs needs root)'}`, () => {
  it('is DISK_FULL naming the destination, not SOURCE_UNREADABLE with a permissions hint', async () => {
    const { engine } = await testEngine();
    const dir = await tempDir();
    const db = join(dir, 'big.db');
    const w = new Database(db);
    w.exec("CREATE TABLE t (x BLOB); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 4000) INSERT INTO t SELECT randomblob(1000) FROM c");
    w.close();
    const out = join(await tempDir(), 'small');
    await mkdir(out);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', out]);
    try {
      await expect(engine.backup(request(out, [{ kind: 'sqlite', path: db, name: 'big' }]))).rejects.toMatchObject({ code: 'DISK_FULL', message: expect.stringContaining(out) });
      expect(await readdir(out)).toEqual([]);
    } finally {
      execFileSync('umount', [out]);
    }
  });
});
