import { describe, expect, it } from 'vitest';
import type { HistoryPage } from '../../src-shared/domain/backup.js';
import { testEngine } from '../../test-support/engine.js';
import { makeServices } from '../../test-support/services.js';
import { dispatch } from './dispatch.js';

const APP = 'file:///opt/Lifeboat/resources/app.asar/out/renderer/index.html';
const main = { url: APP, isMainFrame: true };

describe('history:query sorting', () => {
  it('sorts by a column in either direction in the catalog (across pages), NULL sizes last, and refuses a column it does not know', async () => {
    const { engine } = await testEngine();
    const s = makeServices(engine);
    const repo = engine.env.catalog.backups;
    const sizes = [300, null, 100, 200];
    sizes.forEach((size, i) => {
      const id = `0000000${i}-aaaa-bbbb-cccc-000000000000`;
      repo.insertRunning({ id, fileName: `f${i}.zip`, path: `/x/f${i}.zip`, format: 'zip', type: 'full', trigger: 'MANUAL', description: '', createdBy: 'me', host: 'h', pid: 1, createdAt: `2024-01-0${i + 1}T00:00:00.000Z`, profile: null, searchText: '' });
      if (size === null) repo.markFailed(id, { code: 'SOURCE_MISSING', message: 'gone' }, `2024-01-0${i + 1}T00:00:01.000Z`, 5);
      else repo.markCompleted(id, { size, sha256: 'a'.repeat(64), finishedAt: `2024-01-0${i + 1}T00:00:01.000Z`, durationMs: 5, summary: { sources: [] } as never, warnings: [] });
    });
    const page = async (payload: object): Promise<(number | null)[]> => {
      const r = await dispatch(s, [APP], 'history:query', payload, main);
      if (!r.ok) throw new Error(r.error.message);
      return (r.value as HistoryPage).rows.map((x) => x.size);
    };
    expect(await page({ sortBy: 'size', sortDir: 'asc' })).toEqual([100, 200, 300, null]);
    expect(await page({ sortBy: 'size', sortDir: 'desc' })).toEqual([300, 200, 100, null]);
    expect(await page({ sortBy: 'size', sortDir: 'asc', limit: 2, offset: 2 })).toEqual([300, null]);
    expect(await page({})).toEqual([200, 100, null, 300]); // newest first by default
    expect(await dispatch(s, [APP], 'history:query', { sortBy: 'size; DROP TABLE backups' }, main)).toMatchObject({ ok: false, error: { code: 'IPC_REJECTED', message: expect.stringContaining('sortBy') } });
  });
});
