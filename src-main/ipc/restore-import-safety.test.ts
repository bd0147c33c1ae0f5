import { execFileSync } from 'node:child_process';
import { appendFile, copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Events, ImportPreviewView, JobFinished, PathRef } from '../../src-shared/ipc/contract.js';
import { folder, request, testEngine } from '../../test-support/engine.js';
import { makeServices } from '../../test-support/services.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { describeTree, writeTree } from '../../test-support/tree.js';
import { dispatch } from './dispatch.js';
import { restoreHandlers } from './handlers/restore.js';

// Requests go through dispatch() as the window's do; a hostile renderer can send any of them.
const APP = 'file:///opt/Lifeboat/resources/app.asar/out/renderer/index.html';
const FRAME = { url: APP, isMainFrame: true };
const FORGED = 'cd'.repeat(32);

async function world() {
  const { engine, home } = await testEngine();
  const events: { e: string; p: unknown }[] = [];
  const listeners: ((e: string, p: unknown) => void)[] = [];
  const s = makeServices(engine, <E extends keyof Events>(e: E, p: Events[E]) => {
    events.push({ e, p });
    for (const l of listeners) l(e, p);
  });
  const send = (channel: string, payload: unknown) => dispatch(s, [APP], channel, payload, FRAME);
  const ok = async <T>(channel: string, payload: unknown): Promise<T> => {
    const r = await send(channel, payload);
    if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
    return r.value as T;
  };
  const finished = () => events.filter((x) => x.e === 'job:finished').map((x) => x.p as JobFinished);
  return { engine, home, s, send, ok, finished, listeners };
}

/** A Lifeboat archive made on another machine, downloaded as `name` with its .sha256 beside it. */
async function download(name: string, files: Record<string, string>, sidecar = true): Promise<{ path: string; dir: string }> {
  const elsewhere = await testEngine();
  const src = await tempDir();
  await writeTree(src, files);
  const made = await elsewhere.engine.backup(request(elsewhere.out, [folder(src, { name: 'reports' })], { description: 'from the file server' }));
  const dir = join(await tempDir(), 'Downloads');
  await mkdir(dir);
  const path = join(dir, name);
  await copyFile(made.path, path);
  if (sidecar) await copyFile(`${made.path}.sha256`, `${path}.sha256`);
  return { path, dir };
}

const catalogFiles = async (home: string): Promise<string[]> => (await readdir(join(home, 'backups')).catch(() => [] as string[])).sort();

describe('drop to restore: inspect in place, copy only on confirm', () => {
  it('import copies nothing without an inspection and main\'s own confirmation; an ungranted path cannot even be inspected', async () => {
    const w = await world();
    const { path, dir } = await download('backup.zip', { 'a.csv': '1,2\n' });
    // Inspecting needs a grant: a typed path or a forged token is refused.
    expect(await w.send('import:inspect', { archive: path })).toMatchObject({ ok: false, error: { code: 'IPC_REJECTED' } });
    expect(await w.send('import:inspect', { archive: { token: FORGED, displayPath: path } })).toMatchObject({ ok: false, error: { code: 'IPC_REJECTED', message: expect.stringContaining('unknown') } });
    const grant = await w.ok<PathRef>('dialog:grant-dropped', { path });
    // Straight to import, skipping the preview: refused, nothing copied.
    expect(await w.send('import:archive', { archive: grant })).toMatchObject({ ok: false, error: { code: 'IPC_REJECTED', message: expect.stringContaining('not inspected first') } });
    expect(await w.send('import:archive', { archive: grant, inspection: FORGED })).toMatchObject({ ok: false, error: { code: 'IPC_REJECTED' } });
    // Inspection reads the file where it is: nothing in the catalog, nothing written beside it.
    const preview = await w.ok<ImportPreviewView>('import:inspect', { archive: grant });
    expect(preview).toMatchObject({ fileName: 'backup.zip', kind: 'lifeboat', vouchedBy: 'sidecar', duplicateOf: null, problems: [] });
    expect(await catalogFiles(w.home)).toEqual([]);
    expect(w.engine.history({}).total).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['backup.zip', 'backup.zip.sha256']);
    // A renderer that "confirms" by itself meets main's question; declined, nothing is copied.
    w.s.desktop.confirmAnswer = false;
    expect(await w.send('import:archive', { archive: grant, inspection: preview.inspection })).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(w.s.desktop.confirmations.at(-1)).toMatchObject({ title: 'Import a backup archive', detail: expect.stringContaining('matched the backup.zip.sha256') });
    expect(await catalogFiles(w.home)).toEqual([]);
    expect(w.engine.history({}).total).toBe(0);
  });

  it('a file changed between the preview and the confirmation is not imported', async () => {
    const w = await world();
    const { path } = await download('backup.zip', { 'a.csv': '1,2\n' });
    const grant = await w.ok<PathRef>('dialog:grant-dropped', { path });
    const preview = await w.ok<ImportPreviewView>('import:inspect', { archive: grant });
    await appendFile(path, 'trailing bytes written after the preview');
    expect(await w.send('import:archive', { archive: grant, inspection: preview.inspection })).toMatchObject({ ok: false, error: { code: 'SOURCE_CHANGED', message: expect.stringContaining('changed after it was inspected') } });
    expect(w.engine.history({}).total).toBe(0);
  });

  it('says exactly what was checked: entries against the manifest and the whole file against its .sha256; a foreign ZIP is said to be unvouched', async () => {
    const w = await world();
    const withSidecar = await download('backup.zip', { 'a.csv': '1,2\n', 'b.txt': 'b' });
    const p1 = await w.ok<ImportPreviewView>('import:inspect', { archive: await w.ok<PathRef>('dialog:grant-dropped', { path: withSidecar.path }) });
    expect(p1.checks.map((c) => c.text)).toEqual([
      expect.stringContaining('none of the'),
      expect.stringMatching(/^SHA-256 and size of every one of the 2 files matched the archive's own manifest/),
      "The whole file's SHA-256 matched the backup.zip.sha256 that came with it.",
    ]);
    expect(p1.origin).toMatchObject({ description: 'from the file server' });
    expect(p1.sources).toEqual([{ name: 'reports', kind: 'folder', files: 2, rows: null, bytes: 5 }]);

    const bare = await download('bare.zip', { 'a.csv': '1,2\n' }, false);
    const p2 = await w.ok<ImportPreviewView>('import:inspect', { archive: await w.ok<PathRef>('dialog:grant-dropped', { path: bare.path }) });
    expect(p2.vouchedBy).toBe('manifest');
    expect(p2.checks.at(-1)).toMatchObject({ ok: false, text: expect.stringContaining('nothing from its origin vouches for the archive as a whole') });

    const dir = await tempDir();
    await writeTree(join(dir, 'site'), { 'index.html': '<h1>hi</h1>' });
    execFileSync('zip', ['-qr', join(dir, 'site-export.zip'), 'site'], { cwd: dir });
    const p3 = await w.ok<ImportPreviewView>('import:inspect', { archive: await w.ok<PathRef>('dialog:grant-dropped', { path: join(dir, 'site-export.zip') }) });
    expect(p3).toMatchObject({ kind: 'plain', vouchedBy: 'none', origin: null });
    expect(p3.checks.at(-1)?.text).toContain('Foreign archive: no Lifeboat manifest');
  });

  it('keeps the original file name in the catalog (a suffix on collision), for Lifeboat and plain archives alike', async () => {
    const w = await world();
    const importIt = async (path: string) => {
      const grant = await w.ok<PathRef>('dialog:grant-dropped', { path });
      const preview = await w.ok<ImportPreviewView>('import:inspect', { archive: grant });
      return w.ok<{ id: string; fileName: string }>('import:archive', { archive: grant, inspection: preview.inspection });
    };
    const first = await importIt((await download('backup.zip', { 'a.csv': '1' })).path);
    const second = await importIt((await download('backup.zip', { 'a.csv': '2' })).path);
    expect([first.fileName, second.fileName]).toEqual(['backup.zip', 'backup-2.zip']);
    expect(w.engine.record(second.id)).toMatchObject({ fileName: 'backup-2.zip', path: join(w.home, 'backups', 'backup-2.zip') });

    const dir = await tempDir();
    await writeTree(join(dir, 'site'), { 'index.html': '<h1>hi</h1>' });
    execFileSync('zip', ['-qr', join(dir, 'site-export.zip'), 'site'], { cwd: dir });
    const plain = await importIt(join(dir, 'site-export.zip'));
    expect(plain.fileName).toBe('site-export.zip');
    expect(await catalogFiles(w.home)).toEqual(['backup-2.zip', 'backup-2.zip.sha256', 'backup.zip', 'backup.zip.sha256', 'site-export.zip', 'site-export.zip.sha256']);
    // The renamed copy is the catalog's: it verifies and restores.
    const to = join(await tempDir(), 'restored');
    await w.engine.restore(await w.engine.resolve(plain.id), { toDir: to });
    expect(Object.keys(await describeTree(to))).toEqual(['site', 'site/index.html']);
  });
});

describe('restore: cancel, risk-matched confirmation, freshness', () => {
  async function backedUp() {
    const w = await world();
    const data = join(await tempDir(), 'data');
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i += 1) files[`f${i}.txt`] = `file ${i} `.repeat(5000);
    await writeTree(data, files);
    await w.ok('profile:save', { name: 'payroll', spec: { sources: [{ kind: 'folder', path: data }] }, pathGrants: [w.s.grants.mint(data, 'folder')] });
    await w.ok('backup:start', { profile: 'payroll' });
    await w.s.jobs.idle();
    const record = w.engine.history({ limit: 1 }).rows[0];
    if (!record) throw new Error('no backup');
    await writeFile(join(data, 'stray.txt'), 'not in the backup');
    return { ...w, data, record, live: await describeTree(data) };
  }

  it('Cancel while staging rolls back through restore:cancel; after the swap began it is refused with CANCEL_TOO_LATE and the restore completes', async () => {
    const w = await backedUp();
    const start = () => w.ok<{ jobId: string }>('restore:start', { target: { id: w.record.id }, options: { safetyBackup: true }, confirmName: 'payroll' });
    // What restore:cancel answered (set from inside the progress listener).
    const got: { outcome?: Promise<unknown> } = {};
    const reply = (): Promise<unknown> | undefined => got.outcome;
    let job = '';
    w.listeners.push((e, p) => {
      const phase = (p as { phase?: string }).phase;
      // At the staging phase event (always sent; byte events are throttled to 100 ms, so a fast machine
      // may send none before the swap): the engine sees the cancel at its next byte count, inside staging.
      if (e === 'job:progress' && phase === 'verifying' && !got.outcome) got.outcome = restoreHandlers['restore:cancel'](w.s, { jobId: job });
    });
    job = (await start()).jobId;
    await w.s.jobs.idle();
    expect(await reply()).toEqual({ cancelled: true });
    expect(w.finished().at(-1)).toMatchObject({ kind: 'restore', result: { ok: false, error: { code: 'CANCELLED' } } });
    expect(await describeTree(w.data)).toEqual(w.live);

    // Second run: the cancel arrives as the swap begins (the 'restoring' phase is announced after the point of no return).
    delete got.outcome;
    w.listeners.length = 0;
    w.listeners.push((e, p) => {
      if (e === 'job:progress' && (p as { phase?: string }).phase === 'restoring' && !got.outcome) got.outcome = restoreHandlers['restore:cancel'](w.s, { jobId: job }).catch((err: unknown) => err);
    });
    job = (await start()).jobId;
    await w.s.jobs.idle();
    expect(await reply()).toMatchObject({ code: 'CANCEL_TOO_LATE', message: expect.stringContaining('Undo this restore') });
    expect(w.finished().at(-1)).toMatchObject({ kind: 'restore', result: { ok: true } });
    expect(Object.keys(await describeTree(w.data))).not.toContain('stray.txt');
    expect(await w.send('restore:cancel', { jobId: job })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('asks for the profile name only when something is overwritten or deleted; a plan that changed since the preview is refused', async () => {
    const w = await backedUp();
    const plan = await w.ok<{ confirmPhrase: string | null; digest: string }>('restore:plan', { target: { id: w.record.id }, options: { safetyBackup: true } });
    expect(plan.confirmPhrase).toBe('payroll');
    expect(await w.send('restore:start', { target: { id: w.record.id }, options: { safetyBackup: true }, confirmName: 'wrong' })).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringContaining('type "payroll"') } });
    // The target changes after the preview: the plan the user confirmed is no longer the truth.
    await writeFile(join(w.data, 'another.txt'), 'new since the preview');
    expect(await w.send('restore:start', { target: { id: w.record.id }, options: { safetyBackup: true }, confirmName: 'payroll', planDigest: plan.digest })).toMatchObject({ ok: false, error: { code: 'PRECHECK_FAILED', message: expect.stringContaining('no longer what was shown') } });
    expect(w.finished().filter((f) => f.kind === 'restore')).toEqual([]);

    // Into a new folder nothing is lost: no word to type.
    const fresh = w.s.grants.mint(join(await tempDir(), 'new-place'), 'folder');
    const newPlan = await w.ok<{ confirmPhrase: string | null; digest: string }>('restore:plan', { target: { id: w.record.id }, options: { toDir: fresh, safetyBackup: true } });
    expect(newPlan.confirmPhrase).toBeNull();
    expect(await w.send('restore:start', { target: { id: w.record.id }, options: { toDir: fresh, safetyBackup: true }, confirmName: '', planDigest: newPlan.digest })).toMatchObject({ ok: true });
    await w.s.jobs.idle();
    expect(w.finished().at(-1)).toMatchObject({ kind: 'restore', result: { ok: true } });
  });

  it('Open folder opens only a target of a restore just finished, named by restore and source, never by path', async () => {
    const w = await backedUp();
    const to = w.s.grants.mint(join(await tempDir(), 'copy'), 'folder');
    await w.ok('restore:start', { target: { id: w.record.id }, options: { toDir: to, safetyBackup: false }, confirmName: '' });
    await w.s.jobs.idle();
    const done = w.finished().at(-1);
    const restoreId = done?.result.ok ? (done.result.value as { id: string }).id : '';
    const source = w.engine.record(w.record.id).summary?.sources[0]?.name ?? '';
    expect(await w.send('restore:open-target', { restoreId, source })).toMatchObject({ ok: true });
    expect(w.s.desktop.shown).toEqual([to.displayPath]);
    expect(await w.send('restore:open-target', { restoreId, source: '/etc' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await w.send('restore:open-target', { restoreId: 'f'.repeat(36), source })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(w.s.desktop.shown).toHaveLength(1);
  });
});
