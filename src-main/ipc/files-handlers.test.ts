import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Events, FolderPageView } from '../../src-shared/ipc/contract.js';
import { folder, request, testEngine } from '../../test-support/engine.js';
import { makeServices, pickedPath } from '../../test-support/services.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { describeTree, writeTree } from '../../test-support/tree.js';
import { dispatch } from './dispatch.js';

const APP = 'file:///opt/Lifeboat/resources/app.asar/out/renderer/index.html';
const FRAME = { url: APP, isMainFrame: true };

async function setup() {
  const { engine, out } = await testEngine();
  const finished: Events['job:finished'][] = [];
  const s = makeServices(engine, (e, p) => {
    if (e === 'job:finished') finished.push(p as Events['job:finished']);
  });
  const send = (channel: string, payload: unknown) => dispatch(s, [APP], channel, payload, FRAME);
  const dir = await tempDir();
  const data = join(dir, 'data');
  const files: Record<string, string> = { 'a/x.txt': 'x v1\n', 'a/y[1].txt': 'y v1\n', 'b/z.txt': 'z\n' };
  for (let i = 0; i < 450; i += 1) files[`many/f${String(i).padStart(3, '0')}.txt`] = `${i}\n`;
  await writeTree(data, files);
  const backup = await engine.backup(request(out, [folder(data, { name: 'files' })]));
  return { s, send, dir, data, backup, finished };
}

describe('files:* channels through dispatch()', () => {
  it('lists a backup one folder page at a time and refuses paths that climb out', async () => {
    const { send, backup } = await setup();
    const top = await send('files:list-folder', { id: backup.id });
    expect(top).toMatchObject({ ok: true, value: { sources: [{ name: 'files', kind: 'folder', files: 453 }] } });
    const root = await send('files:list-folder', { id: backup.id, source: 'files', dir: '' });
    expect(root.ok && (root.value as FolderPageView).children.map((c) => `${c.name}:${c.kind}:${c.files}`)).toEqual(['a:directory:2', 'b:directory:1', 'many:directory:450']);
    const page = await send('files:list-folder', { id: backup.id, source: 'files', dir: 'many', offset: 400, limit: 200 });
    expect(page.ok && (page.value as FolderPageView).total).toBe(450);
    expect(page.ok && (page.value as FolderPageView).children.length).toBe(50);
    const hostile = await send('files:list-folder', { id: backup.id, source: 'files', dir: '../..' });
    expect(hostile).toMatchObject({ ok: false, error: { code: 'USAGE' } });
  });

  it('restores ticked paths in place (exact names, glob characters included) and into a chosen folder only through a grant', async () => {
    const { s, send, dir, data, backup, finished } = await setup();
    await writeTree(data, { 'a/x.txt': 'x v2, edited\n', 'a/y[1].txt': 'y v2, edited\n', 'b/z.txt': 'z edited\n' });
    const live = await describeTree(data);
    const select = [{ source: 'files', path: 'a/y[1].txt' }];
    const plan = await send('files:plan', { id: backup.id, select });
    expect(plan).toMatchObject({ ok: true, value: { problems: [], targets: [{ target: data, selected: { count: 1, paths: ['a/y[1].txt'] }, changes: { replaced: { count: 1 }, deleted: { count: 0 } } }] } });

    const started = await send('files:restore', { id: backup.id, select });
    expect(started.ok).toBe(true);
    await expect.poll(() => finished.length, { timeout: 60_000 }).toBe(1);
    expect(finished[0]?.result.ok, JSON.stringify(finished[0])).toBe(true);
    expect(s.desktop.confirmations).toHaveLength(1);
    const after = await describeTree(data);
    expect(after['a/x.txt']).toBe(live['a/x.txt']);
    expect(after['b/z.txt']).toBe(live['b/z.txt']);
    expect(after['a/y[1].txt']).not.toBe(live['a/y[1].txt']);

    // Another folder: a hand-made path reference is refused; a granted one works.
    const forged = await send('files:plan', { id: backup.id, select, toDir: { token: 'a'.repeat(64), displayPath: join(dir, 'elsewhere') } });
    expect(forged).toMatchObject({ ok: false, error: { code: 'IPC_REJECTED' } });
    const elsewhere = join(dir, 'elsewhere');
    const toDir = pickedPath(s, elsewhere);
    const relocated = await send('files:restore', { id: backup.id, select: [{ source: 'files', path: 'b' }], toDir });
    expect(relocated.ok).toBe(true);
    await expect.poll(() => finished.length, { timeout: 60_000 }).toBe(2);
    expect(await describeTree(elsewhere)).toEqual({ b: 'dir', 'b/z.txt': expect.any(String) });
  });

  it('compares two backups by id', async () => {
    const { s, send, data, backup } = await setup();
    await writeTree(data, { 'a/x.txt': 'x v2\n', 'c/new.txt': 'new\n' });
    const second = await s.engine.backup(request(join(data, '..', 'out2'), [folder(data, { name: 'files' })]));
    const r = await send('files:compare', { a: backup.id, b: second.id });
    expect(r).toMatchObject({ ok: true, value: { sources: [{ source: 'files', added: { count: 2 }, removed: { count: 0 }, changed: { count: 1, paths: ['a/x.txt'] } }] } });
  });
});
