import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lifeboat } from '../../../test-support/cli.js';
import { catalogRows, nextStart, runAndKillAfter, runWithFault } from '../../../test-support/crash.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { writeTree } from '../../../test-support/tree.js';

/**
 * Kill tests for the backup: after a kill at any step and the next start, an archive with its final
 * name exists only for a COMPLETED, verified row; nothing temporary is left; a RUNNING row never survives.
 */

const POINTS = ['backup:start', 'backup:archiving', 'backup:written', 'backup:verified', 'backup:renamed', 'backup:done'] as const;

async function check(home: string, out: string): Promise<{ status: string }[]> {
  const rows = catalogRows<{ status: string; path: string; verified_at: string | null; error_code: string | null }>(home, 'SELECT status, path, verified_at, error_code FROM backups');
  const files = await readdir(out).catch(() => [] as string[]);
  // Nothing temporary survives the next start.
  expect(files.filter((f) => f.endsWith('.partial') || f.startsWith('.lifeboat'))).toEqual([]);
  for (const r of rows) {
    expect(r.status).not.toBe('RUNNING');
    const name = r.path.slice(out.length + 1);
    if (r.status === 'COMPLETED') {
      expect(files).toContain(name);
      expect(r.verified_at).not.toBeNull();
      const v = await lifeboat(['--home', home, 'verify', r.path]);
      expect(v.code, v.stderr).toBe(0);
    } else {
      expect(r.error_code).toBe('INTERRUPTED');
      expect(files.filter((f) => f.startsWith(name))).toEqual([]);
    }
  }
  // Every archive-named file belongs to a COMPLETED row.
  const completed = new Set(rows.filter((r) => r.status === 'COMPLETED').map((r) => r.path.slice(out.length + 1)));
  for (const f of files.filter((x) => x.endsWith('.zip'))) expect(completed.has(f), `${f} has no COMPLETED row`).toBe(true);
  return rows;
}

describe('backup crash recovery', () => {
  it('kill -9 at every step: the final name only ever belongs to a verified COMPLETED backup', async () => {
    const home = await tempDir();
    const data = await tempDir();
    const out = join(home, 'out');
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i += 1) files[`d${i % 9}/f${i}.txt`] = `file ${i}\n`.repeat(50);
    await writeTree(data, files);
    for (const point of POINTS) {
      const run = await runWithFault(['--home', home, 'backup', '--dir', data, '--out', out], point);
      expect(run.signal, `${point} never fired: ${run.stderr}`).toBe('SIGKILL');
      await nextStart(home);
      const rows = await check(home, out);
      const last = catalogRows<{ status: string }>(home, 'SELECT status FROM backups ORDER BY created_at DESC, rowid DESC LIMIT 1')[0];
      // Only a kill after the COMPLETED row was written keeps the backup.
      expect(last?.status, point).toBe(point === 'backup:done' ? 'COMPLETED' : 'FAILED');
      expect(rows.length).toBeGreaterThan(0);
    }
  }, 240_000);

  it('random kills during a backup leave no RUNNING row, no temporary file and no unverified final archive', async () => {
    const home = await tempDir();
    const data = await tempDir();
    const out = join(home, 'out');
    const files: Record<string, string> = {};
    for (let i = 0; i < 600; i += 1) files[`d${i % 9}/f${i}.txt`] = `file ${i}\n`.repeat(80);
    await writeTree(data, files);
    const t0 = Date.now();
    const full = await lifeboat(['--home', home, 'backup', '--dir', data, '--out', out]);
    expect(full.code, full.stderr).toBe(0);
    const duration = Date.now() - t0;
    for (let i = 0; i < 6; i += 1) {
      await runAndKillAfter(['--home', home, 'backup', '--dir', data, '--out', out], Math.round((duration * (i + Math.random())) / 6));
      await nextStart(home);
      await check(home, out);
    }
  }, 240_000);
});
