import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lifeboat } from '../../../test-support/cli.js';
import { catalogRows, nextStart, runWithFault } from '../../../test-support/crash.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { describeTree, writeTree } from '../../../test-support/tree.js';

/**
 * Kill tests for a file-level restore (`--only data:<path>`): after every kill and the next start,
 * the selected paths are all wholly old or all wholly new, and everything else in the target
 * (edited files, files added after the backup) is exactly as it was.
 */

function files(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < 40; i += 1) out[`d${i % 4}/sub${i % 3}/f${i}.txt`] = `${tag} file ${i}\n`.repeat(1 + (i % 5));
  out['top-a.txt'] = `${tag} top a\n`;
  out['top-b.txt'] = `${tag} top b\n`;
  return out;
}

/** Selected: two folders and a file; the rest (d1, d2/sub1, d3, top-b.txt, extras) must never change. */
const ONLY = ['data:d0', 'data:d2/sub0', 'data:top-a.txt'];
const inSelection = (rel: string): boolean => ['d0', 'd2/sub0', 'top-a.txt'].some((r) => rel === r || rel.startsWith(`${r}/`));

function part(tree: Record<string, string>, inside: boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(tree).filter(([k]) => inSelection(k) === inside));
}

const POINTS: readonly [string, 'old' | 'new'][] = [
  ['restore:stage', 'old'],
  ['restore:staged', 'old'],
  ['restore:safety', 'old'],
  ['restore:swap', 'old'],
  ['restore:swap-folder-aside', 'old'],
  ['restore:swap-folder-aside@2', 'old'],
  ['restore:swap-folder-aside@3', 'old'],
  ['restore:swapped', 'old'],
  ['restore:check', 'old'],
  ['restore:commit', 'new'],
  ['restore:commit-removing@3', 'new'],
  ['restore:done', 'new'],
];

describe('file-level restore crash recovery (kill -9 at every named step)', () => {
  it(`kill at each of ${POINTS.length} fault points: each selected path wholly old or wholly new, all agree, the rest untouched`, async () => {
    const home = await tempDir();
    const dir = await tempDir();
    const data = join(dir, 'data');
    await writeTree(data, files('new'));
    const b = await lifeboat(['--home', home, 'backup', '--dir', data, '--json']);
    expect(b.code, b.stderr).toBe(0);
    const id = b.json<{ id: string }>().id;
    const newTree = await describeTree(data);
    const resetOld = async (): Promise<Record<string, string>> => {
      await rm(data, { recursive: true, force: true });
      // Old state: fewer, different files, plus files that are not in the backup, inside and outside the selection.
      const old = Object.fromEntries(Object.entries(files('old')).filter((_, i) => i % 3 !== 0));
      await writeTree(data, { ...old, 'd0/only-live.txt': 'inside the selection, not in the backup', 'extra/user.txt': 'outside the selection' });
      return describeTree(data);
    };
    for (const [point, want] of POINTS) {
      const oldTree = await resetOld();
      const run = await runWithFault(['--home', home, 'restore', id, ...ONLY.flatMap((o) => ['--only', o])], point);
      expect(run.signal, `${point}: the fault point was never reached (${run.code}) ${run.stderr}`).toBe('SIGKILL');
      await nextStart(home);
      const now = await describeTree(data);
      // Outside the selection: exactly the live state, whatever happened.
      expect(part(now, false), point).toEqual(part(oldTree, false));
      // Inside: wholly old or wholly new, as the step says.
      const inside = part(now, true);
      const state = JSON.stringify(inside) === JSON.stringify(part(newTree, true)) ? 'new' : JSON.stringify(inside) === JSON.stringify(part(oldTree, true)) ? 'old' : null;
      expect(state, `${point}: the selected paths are neither wholly old nor wholly new`).toBe(want);
      const last = catalogRows<{ status: string }>(home, 'SELECT status FROM restores ORDER BY started_at DESC, rowid DESC LIMIT 1')[0];
      expect(last?.status, point).toBe(want === 'new' ? 'COMPLETED' : 'ROLLED_BACK');
      expect((await readdir(data)).filter((n) => n.startsWith('.lifeboat')), point).toEqual([]);
      expect(await readdir(join(home, 'tmp')).catch(() => []), point).toEqual([]);
    }
  }, 240_000);
});
