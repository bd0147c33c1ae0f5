import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GrantKind } from '../../src-shared/ipc/contract.js';
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
  /** Save a one-source profile whose path the user chose in a dialog of `grant` kind. */
  const save = (name: string, kind: 'sqlite' | 'folder', path: string, grant: GrantKind) =>
    dispatch(s, [APP], 'profile:save', { name, spec: { sources: [{ kind, path }] }, pathGrants: [pickedPath(s, path, grant)] }, main);
  return { engine, dir, save };
}

describe('profile:save refuses sources that do not exist', () => {
  it('a SQLite path that does not exist (chosen in a save dialog) is refused with SOURCE_MISSING naming the path, and nothing is stored', async () => {
    const { engine, dir, save } = await world();
    const missing = join(dir, 'nowhere', 'app.db');
    const r = await save('crm', 'sqlite', missing, 'sqlite-save');
    expect(r).toMatchObject({ ok: false, error: { code: 'SOURCE_MISSING', message: expect.stringContaining(`${missing} in profile "crm" does not exist`) } });
    expect(engine.profiles.find('crm')).toBeUndefined();
  });

  it('a folder that does not exist, a file given as a folder, a folder given as SQLite, a non-SQLite file and a dangling symlink are refused', async () => {
    const { engine, dir, save } = await world();
    const file = join(dir, 'notes.txt');
    await writeFile(file, 'plain text, long enough to have a header');
    const folder = join(dir, 'docs');
    await mkdir(folder);
    const dangling = join(dir, 'gone.db');
    await symlink(join(dir, 'target-removed.db'), dangling);
    expect(await save('a', 'folder', join(dir, 'unmounted'), 'folder')).toMatchObject({ ok: false, error: { code: 'SOURCE_MISSING', message: expect.stringContaining('does not exist') } });
    expect(await save('b', 'folder', file, 'folder')).toMatchObject({ ok: false, error: { code: 'SOURCE_MISSING', message: expect.stringContaining('is not a folder') } });
    expect(await save('c', 'sqlite', folder, 'file')).toMatchObject({ ok: false, error: { code: 'SOURCE_MISSING', message: expect.stringContaining('is not a file') } });
    expect(await save('d', 'sqlite', file, 'sqlite')).toMatchObject({ ok: false, error: { code: 'SOURCE_MISSING', message: expect.stringContaining('is not a SQLite database') } });
    expect(await save('e', 'sqlite', dangling, 'sqlite')).toMatchObject({ ok: false, error: { code: 'SOURCE_MISSING', message: expect.stringContaining('does not exist') } });
    expect(engine.profiles.list()).toEqual([]);
  });

  it('existing sources save: a folder, a SQLite database and an empty file (a new empty database)', async () => {
    const { engine, dir, save } = await world();
    const folder = join(dir, 'docs');
    await mkdir(folder);
    const db = join(dir, 'app.db');
    await writeFile(db, Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(84)]));
    const empty = join(dir, 'empty.db');
    await writeFile(empty, '');
    expect(await save('f', 'folder', folder, 'folder')).toMatchObject({ ok: true });
    expect(await save('s', 'sqlite', db, 'sqlite')).toMatchObject({ ok: true });
    expect(await save('e', 'sqlite', empty, 'sqlite-save')).toMatchObject({ ok: true });
    expect(engine.profiles.list().map((p) => p.name).sort()).toEqual(['e', 'f', 's']);
  });
});
