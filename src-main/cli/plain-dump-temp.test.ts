import Database from 'better-sqlite3';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lifeboat } from '../../test-support/cli.js';
import { catalogRows, nextStart, runWithFault } from '../../test-support/crash.js';
import { tempDir } from '../../test-support/temp-dir.js';

/** Every file under `dir`, with whether it holds `marker` in the clear. */
async function filesHolding(dir: string, marker: string): Promise<{ path: string; holds: boolean }[]> {
  const out: { path: string; holds: boolean }[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out.push({ path, holds: (await readFile(path)).toString('latin1').includes(marker) });
  }
  return out;
}

async function sqliteSource(): Promise<string> {
  const dir = await tempDir();
  const path = join(dir, 'app.db');
  const db = new Database(path);
  db.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('customer-row-marker')");
  db.close();
  return path;
}

describe('database dumps of a plain (unencrypted) backup (encrypted ones: encryption tests, private folder)', () => {
  it('are made on the destination disk (sized for backups), never in the home: a backup killed mid-way leaves them in .lifeboat-tmp-<id>, and the next start removes it', async () => {
    const home = await tempDir();
    const out = join(await tempDir(), 'usb-disk');
    const db = await sqliteSource();
    // Killed with the database copied and the archive written, before it is verified and renamed.
    const run = await runWithFault(['--home', home, 'backup', '--sqlite', db, '--out', out], 'backup:written');
    expect(run.signal, run.stderr).toBe('SIGKILL');

    // The dump is in the destination's work folder (a 200 GB dump must not fill the system disk that
    // holds the home); nothing of the data is in the home.
    const work = (await readdir(out)).filter((f) => f.startsWith('.lifeboat-tmp-'));
    expect(work).toHaveLength(1);
    expect((await filesHolding(join(out, work[0] ?? ''), 'customer-row-marker')).some((f) => f.holds)).toBe(true);
    expect((await filesHolding(home, 'customer-row-marker')).filter((f) => f.holds)).toEqual([]);

    await nextStart(home);
    expect(catalogRows<{ status: string }>(home, 'SELECT status FROM backups')).toEqual([{ status: 'FAILED' }]);
    expect((await readdir(out)).filter((f) => f.startsWith('.lifeboat') || f.endsWith('.partial'))).toEqual([]);
  });

  it('a finished plain backup leaves only the archive and its sidecar at the destination, and nothing in the private folder', async () => {
    const home = await tempDir();
    const out = join(await tempDir(), 'usb-disk');
    const r = await lifeboat(['--home', home, 'backup', '--sqlite', await sqliteSource(), '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const name = r.json<{ fileName: string }>().fileName;
    expect((await readdir(out)).sort()).toEqual([name, `${name}.sha256`]);
    expect((await readdir(join(home, 'tmp')).catch(() => [] as string[])).filter((f) => f.startsWith('crypt-'))).toEqual([]);
  });
});
