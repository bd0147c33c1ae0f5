import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { describeTree, writeTree } from '../../../test-support/tree.js';
import { RestoresRepo } from './journal.js';

/** A backed-up folder that was changed afterwards (so a restore replaces, deletes and adds). */
async function changedFolder() {
  const { engine, out } = await testEngine();
  const dir = await tempDir();
  const data = join(dir, 'data');
  const files: Record<string, string> = {};
  // Enough entries that staging reports progress more than once.
  for (let i = 0; i < 60; i += 1) files[`f${i}.txt`] = `file ${i} `.repeat(4000);
  await writeTree(data, files);
  const backup = await engine.backup(request(out, [folder(data, { name: 'data' })]));
  await writeFile(join(data, 'f0.txt'), 'changed after the backup');
  await writeFile(join(data, 'stray.txt'), 'not in the backup');
  const live = await describeTree(data);
  return { engine, dir, data, backup, live };
}

describe('cancelling a restore', () => {
  it('cancel during staging rolls back: CANCELLED, the target exactly as it was, no staging left, the journal says ROLLED_BACK', async () => {
    const s = await changedFolder();
    const abort = new AbortController();
    let seen = 0;
    const restoring = s.engine.restore(await s.engine.resolve(s.backup.id), { safetyBackup: true }, {
      signal: abort.signal,
      // The user presses Cancel as extraction into staging begins (the phase event is always sent;
      // byte events are throttled to 100 ms, so a fast machine may send none before the swap). The
      // engine checks the signal at every byte count, so the cancel lands inside staging.
      onProgress: (p) => {
        if (p.phase === 'verifying' && (seen += 1) === 1) abort.abort();
      },
      onPointOfNoReturn: () => {
        throw new Error('the swap must not begin after a cancel');
      },
    });
    const error = await restoring.then(
      () => null,
      (e: unknown) => e as { code: string; message: string; details: { restoreId: string } },
    );
    expect(error?.code).toBe('CANCELLED');
    expect(error?.message).toContain('cancelled during staging');
    expect(await describeTree(s.data)).toEqual(s.live);
    expect((await readdir(s.dir)).filter((n) => n.startsWith('.lifeboat'))).toEqual([]);
    expect(new RestoresRepo(s.engine.env.catalog.db).get(error?.details.restoreId ?? '')).toMatchObject({ status: 'ROLLED_BACK' });
    expect(s.engine.audit.list(50).map((e) => e.action)).toContain('restore.rollback');
  });

  it('cancel between the safety backup and the swap rolls back too', async () => {
    const s = await changedFolder();
    const abort = new AbortController();
    const error = await s.engine
      .restore(await s.engine.resolve(s.backup.id), { safetyBackup: true }, { signal: abort.signal, afterStep: (step) => void (step === 'safety-backup' && abort.abort()) })
      .then(
        () => null,
        (e: unknown) => e as { code: string },
      );
    expect(error?.code).toBe('CANCELLED');
    expect(await describeTree(s.data)).toEqual(s.live);
  });

  it('a cancel after the swap began is ignored: the restore completes and the point of no return was announced first', async () => {
    const s = await changedFolder();
    const abort = new AbortController();
    const order: string[] = [];
    const r = await s.engine.restore(await s.engine.resolve(s.backup.id), { safetyBackup: true }, {
      signal: abort.signal,
      onPointOfNoReturn: () => void order.push('no-return'),
      afterStep: (step) => {
        order.push(step);
        if (step === 'swapped') abort.abort();
      },
    });
    expect(r.status).toBe('COMPLETED');
    expect(order).toEqual(['verified', 'safety-backup', 'no-return', 'swapped', 'checked']);
    expect(Object.keys(await describeTree(s.data))).not.toContain('stray.txt');
  });
});
