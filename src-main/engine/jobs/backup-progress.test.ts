import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobProgress } from '../../../src-shared/domain/progress.js';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { walDatabaseWithRowsOnlyInWal } from '../../../test-support/sqlite-fixtures.js';
import { tempDir } from '../../../test-support/temp-dir.js';

describe('backup progress events', () => {
  it('counters never pass their totals, every source ends done, and the last event has files and bytes at their totals', async () => {
    const { engine, out } = await testEngine();
    const dir = await tempDir();
    const data = join(dir, 'docs');
    await mkdir(join(data, 'sub'), { recursive: true });
    for (let i = 0; i < 12; i += 1) await writeFile(join(data, 'sub', `f${i}.txt`), `file ${i}`.repeat(1000));
    const db = walDatabaseWithRowsOnlyInWal(join(dir, 'app.db'), 500);
    const events: JobProgress[] = [];
    try {
      await engine.backup(request(out, [folder(data, { name: 'docs' }), { kind: 'sqlite', path: join(dir, 'app.db'), name: 'app' }]), { onProgress: (p) => events.push(p) });
    } finally {
      db.close();
    }
    for (const e of events) expect(e.filesDone, `${e.phase} files`).toBeLessThanOrEqual(e.filesTotal);
    const last = events[events.length - 1];
    expect(last).toMatchObject({ phase: 'done', etaSeconds: null });
    // What the archive holds: the 12 files and the database.
    expect(last).toMatchObject({ filesDone: 13, filesTotal: 13 });
    expect(last?.bytesDone).toBe(last?.bytesTotal);
    expect(last?.bytesTotal).toBeGreaterThan(12_000);
    expect(last?.sources).toEqual([
      { name: 'docs', kind: 'folder', state: 'done' },
      { name: 'app', kind: 'sqlite', state: 'done' },
    ]);
    // The seq rises by one per event.
    expect(events.map((e) => e.seq)).toEqual(events.map((_e, i) => i + 1));
  });

  it('in a databases-only backup the file counter never passes the number of databases and ends at it', async () => {
    const { engine, out } = await testEngine();
    const dir = await tempDir();
    const a = walDatabaseWithRowsOnlyInWal(join(dir, 'a.db'), 100);
    const b = walDatabaseWithRowsOnlyInWal(join(dir, 'b.db'), 100);
    const events: JobProgress[] = [];
    try {
      await engine.backup(request(out, [{ kind: 'sqlite', path: join(dir, 'a.db') }, { kind: 'sqlite', path: join(dir, 'b.db') }]), { onProgress: (p) => events.push(p) });
    } finally {
      a.close();
      b.close();
    }
    const dumping = events.filter((e) => e.phase === 'dumping');
    expect(dumping.length).toBeGreaterThan(0);
    for (const e of dumping) expect(e.filesDone).toBeLessThanOrEqual(2);
    expect(events[events.length - 1]).toMatchObject({ phase: 'done', filesDone: 2, filesTotal: 2 });
  });
});
