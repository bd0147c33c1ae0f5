import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testEngine } from '../../test-support/engine.js';
import { makeServices, pickedPath } from '../../test-support/services.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { dispatch } from './dispatch.js';

const APP = 'file:///opt/Lifeboat/resources/app.asar/out/renderer/index.html';
const main = { url: APP, isMainFrame: true };

async function world() {
  const { engine } = await testEngine();
  const s = makeServices(engine);
  const dir = await tempDir();
  const docs = join(dir, 'docs');
  await mkdir(join(docs, 'sub'), { recursive: true });
  await writeFile(join(docs, 'a.txt'), 'x'.repeat(1000));
  await writeFile(join(docs, 'sub', 'b.log'), 'y'.repeat(500));
  const call = (channel: string, payload: unknown) => dispatch(s, [APP], channel, payload, main);
  return { engine, s, dir, docs, call };
}

describe('backup:estimate', () => {
  it("a stored profile's sources are measured with its rules, and the settings say what 'profile default' means", async () => {
    const { s, docs, call } = await world();
    const saved = await call('profile:save', {
      name: 'docs',
      spec: { sources: [{ kind: 'folder', path: docs, exclude: ['*.log'] }], format: 'tar.gz', retention: { keepLast: 7, keepWeekly: 4 }, hooks: { pre: { argv: ['sh', '-c', 'echo stop app'], timeoutSeconds: 60 } } },
      pathGrants: [pickedPath(s, docs, 'folder')],
    });
    expect(saved).toMatchObject({ ok: true });
    const r = await call('backup:estimate', { profile: 'docs' });
    expect(r).toMatchObject({
      ok: true,
      value: {
        sources: [{ kind: 'folder', ok: true, bytes: 1000, files: 1, where: docs }],
        totalBytes: 1000,
        unknown: 0,
        settings: { type: 'full', format: 'tar.gz', compressionLevel: 6, verify: true, retention: 'keep the last 7 verified, 4 weekly', hooks: { pre: expect.stringContaining("sh -c 'echo stop app'"), post: null } },
      },
    });
    // An override wins over the profile's default.
    expect(await call('backup:estimate', { profile: 'docs', format: 'zip' })).toMatchObject({ ok: true, value: { settings: { format: 'zip' } } });
  });

  it('sources being edited: a missing SQLite path and a non-database file are reported per source, never thrown', async () => {
    const { s, dir, docs, call } = await world();
    const missing = join(dir, 'gone.db');
    const notDb = join(dir, 'notes.txt');
    await writeFile(notDb, 'plain text that is long enough');
    const r = await call('backup:estimate', {
      sources: [
        { kind: 'folder', path: docs },
        { kind: 'sqlite', path: missing },
        { kind: 'sqlite', path: notDb },
      ],
      pathGrants: [pickedPath(s, docs, 'folder'), pickedPath(s, missing, 'sqlite-save'), pickedPath(s, notDb, 'sqlite')],
    });
    expect(r).toMatchObject({
      ok: true,
      value: {
        sources: [
          { ok: true, bytes: 1500, files: 2 },
          { ok: false, code: 'SOURCE_MISSING', problem: `${missing} does not exist` },
          { ok: false, code: 'SOURCE_MISSING', problem: expect.stringContaining('is not a SQLite database') },
        ],
        totalBytes: 1500,
        unknown: 2,
      },
    });
  });

  it('refuses to look at a path that was not chosen in a dialog (no probing the disk from the renderer)', async () => {
    const { docs, call } = await world();
    expect(await call('backup:estimate', { sources: [{ kind: 'folder', path: docs }] })).toMatchObject({ ok: false, error: { code: 'IPC_REJECTED' } });
  });
});

describe('profile:remove and Undo', () => {
  it('Undo puts the profile back with its id, schedule and stored password; a spent token is refused', async () => {
    const { engine, s, docs, call } = await world();
    await call('profile:save', {
      name: 'crm',
      spec: { sources: [{ kind: 'folder', path: docs }, { kind: 'postgres', url: 'postgres://app@db.example:5432/crm' }], schedule: { preset: 'daily', time: '02:30' } },
      passwords: { '1': 's3cret' },
      pathGrants: [pickedPath(s, docs, 'folder')],
    });
    const before = engine.profiles.get('crm');
    const removed = await call('profile:remove', { name: 'crm' });
    expect(removed).toMatchObject({ ok: true, value: { name: 'crm', undoToken: expect.stringMatching(/^[0-9a-f]{32}$/) } });
    expect(engine.profiles.find('crm')).toBeUndefined();
    expect([...s.secretMap.keys()].filter((k) => k.includes('crm'))).toEqual([]);
    const token = removed.ok ? (removed.value as { undoToken: string }).undoToken : '';
    expect(await call('profile:undo-remove', { token })).toMatchObject({ ok: true, value: { id: before.id, name: 'crm' } });
    expect(engine.profiles.get('crm')).toMatchObject({ id: before.id, createdAt: before.createdAt, spec: { schedule: { preset: 'daily', time: '02:30' } } });
    expect([...s.secretMap.keys()].filter((k) => k.includes('crm'))).toHaveLength(1);
    expect(await call('profile:undo-remove', { token })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});

describe('profile:save checks the commands before and after', () => {
  it('a program that is not on PATH, a relative path and a non-executable file are refused naming it; a program on PATH saves', async () => {
    const { engine, s, dir, docs, call } = await world();
    const script = join(dir, 'stop.sh');
    await writeFile(script, '#!/bin/sh\n', { mode: 0o644 });
    const save = (argv: string[]) => call('profile:save', { name: 'svc', replace: engine.profiles.find('svc') !== undefined, spec: { sources: [{ kind: 'folder', path: docs }], hooks: { pre: { argv } } }, pathGrants: [pickedPath(s, docs, 'folder')] });
    expect(await save(['no-such-program-lifeboat'])).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringContaining('"no-such-program-lifeboat", which is not on PATH') } });
    expect(await save(['bin/stop.sh'])).toMatchObject({ ok: false, error: { message: expect.stringContaining('a relative path') } });
    expect(await save([script])).toMatchObject({ ok: false, error: { message: expect.stringContaining('not an executable file') } });
    expect(engine.profiles.find('svc')).toBeUndefined();
    expect(await save(['sh', '-c', 'true'])).toMatchObject({ ok: true });
    expect(engine.profiles.get('svc').spec.hooks.pre).toEqual({ argv: ['sh', '-c', 'true'], timeoutSeconds: 300 });
  });
});
