import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { RunLog, RunLogsRepo } from './run-log.js';

describe('RunLog bounds', () => {
  it('a million lines keep the first and last ones with a "… N more lines" note between, whatever the volume', () => {
    const log = new RunLog(() => new Date('2026-11-30T04:00:00Z'), { headLines: 100, tailLines: 50, lineChars: 80 });
    for (let i = 0; i < 1_000_000; i += 1) log.info(`line ${i}`);
    const lines = log.text().split('\n');
    expect(lines).toHaveLength(151);
    expect(lines[0]).toMatch(/line 0$/);
    expect(lines[99]).toMatch(/line 99$/);
    expect(lines[100]).toMatch(/^… 999850 more lines/);
    expect(lines[101]).toMatch(/line 999950$/);
    expect(lines[150]).toMatch(/line 999999$/);
    expect(log.written).toBe(1_000_000);
  });

  it('a 10 MB tool output without newlines and lines with control characters stay short and printable', () => {
    const log = new RunLog(() => new Date('2026-11-30T04:00:00Z'), { headLines: 20, tailLines: 5, lineChars: 100 });
    log.output('pg_dump', 'x'.repeat(10_000_000));
    log.warn('name with \u001b[31mred\u001b[0m and a\nnewline');
    const text = log.text();
    expect(text.length).toBeLessThan(26 * 160);
    expect(text).not.toContain('\u001b');
    for (const line of text.split('\n')) expect(line.length).toBeLessThan(160);
  });

  it('phases carry their start and end with the time taken', () => {
    let t = Date.parse('2026-11-30T04:00:00Z');
    const log = new RunLog(() => new Date(t));
    log.phase('scanning');
    t += 1500;
    log.phase('archiving');
    t += 250;
    log.endPhase();
    expect(log.text().split('\n')).toEqual([
      '2026-11-30 04:00:00 UTC  ── scanning started',
      '2026-11-30 04:00:01 UTC  ── scanning done after 1.5 s',
      '2026-11-30 04:00:01 UTC  ── archiving started',
      '2026-11-30 04:00:01 UTC  ── archiving done after 250 ms',
    ]);
  });
});

async function world() {
  const { engine, out } = await testEngine();
  const dir = await tempDir();
  const data = join(dir, 'data');
  await mkdir(data);
  await writeFile(join(data, 'a.txt'), 'hello');
  const logs = new RunLogsRepo(engine.env.catalog.db);
  return { engine, out, dir, data, logs };
}

describe('run logs stored with their catalog rows', () => {
  it('a completed backup keeps its log: settings, sources, phases and the result', async () => {
    const { engine, out, data, logs } = await world();
    const r = await engine.backup(request(out, [folder(data, { name: 'docs' })]));
    const stored = logs.get(r.id);
    expect(stored?.kind).toBe('backup');
    const text = stored?.text ?? '';
    expect(text).toContain(`Backup ${r.id} (manual, ad hoc)`);
    expect(text).toContain('compression level 6, verification on');
    expect(text).toContain(`Source docs (folder): ${data}`);
    expect(text).toMatch(/── archiving .* started/);
    expect(text).toMatch(/── verifying the archive .* done after/);
    expect(text).toContain(`COMPLETED: ${r.fileName}`);
  });

  it('a failed backup keeps its log with the error, and a deleted backup takes its log with it', async () => {
    const { engine, out, dir, data, logs } = await world();
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await expect(engine.backup(request(out, [folder(empty)]))).rejects.toMatchObject({ code: 'SOURCE_EMPTY' });
    const failed = engine.history({ limit: 1 }).rows[0];
    expect(logs.get(failed?.id ?? '')?.text).toMatch(/ERROR SOURCE_EMPTY: Folder .* has no files/);

    const ok = await engine.backup(request(out, [folder(data)]));
    expect(logs.get(ok.id)).toBeDefined();
    await engine.delete(engine.record(ok.id));
    expect(logs.get(ok.id)).toBeUndefined();
  });

  it('a restore keeps its log with each step, and a rolled-back restore its error', async () => {
    const { engine, out, data, logs } = await world();
    const b = await engine.backup(request(out, [folder(data, { name: 'docs' })]));
    const target = join(await tempDir(), 'copy');
    const r = await engine.restore(await engine.resolve(b.id), { toDir: target });
    const text = logs.get(r.id)?.text ?? '';
    expect(logs.get(r.id)?.kind).toBe('restore');
    expect(text).toContain(`docs → ${target}`);
    for (const step of ['stage', 'safety', 'swap', 'check', 'commit']) expect(text).toMatch(new RegExp(`── ${step} done after`));

    const err: unknown = await engine
      .restore(await engine.resolve(b.id), { toDir: join(await tempDir(), 'copy2') }, {
        afterStep: (step) => {
          if (step === 'swapped') throw new Error('injected failure after the swap');
        },
      })
      .catch((e: unknown) => e);
    const restoreId = String((err as { details?: { restoreId?: string } }).details?.restoreId);
    const failedText = logs.get(restoreId)?.text ?? '';
    expect(failedText).toMatch(/── swap failed after/);
    expect(failedText).toContain('Rolled back:');
    expect(failedText).toContain('injected failure after the swap');
  });
});
