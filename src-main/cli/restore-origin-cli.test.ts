import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lifeboat } from '../../test-support/cli.js';
import { writeFakeBackup } from '../../test-support/fake-archive.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { describeTree, writeTree } from '../../test-support/tree.js';

describe('an archive from elsewhere never picks its own restore targets', () => {
  it('an imported backup restores to its recorded folder only with --use-recorded; --to-dir works; the plan says where each target came from', async () => {
    const home = await tempDir();
    const other = await tempDir();
    const data = await tempDir();
    await writeTree(data, { 'a.txt': 'version 1' });
    const b = await lifeboat(['--home', home, 'backup', '--dir', data, '--json']);
    const made = b.json<{ id: string; path: string }>();
    await writeTree(data, { 'a.txt': 'live version' });
    const imp = await lifeboat(['--home', other, 'import', made.path, '--json']);
    expect(imp.code, imp.stderr).toBe(0);
    const id = imp.json<{ id: string }>().id;

    const dry = await lifeboat(['--home', other, 'restore', id, '--dry-run']);
    expect(dry.stdout).toMatch(/recorded in the archive/);
    const refused = await lifeboat(['--home', other, 'restore', id, '--json']);
    expect(refused.code).toBe(1);
    expect(refused.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'PRECHECK_FAILED',
      message: expect.stringMatching(/did not come from this machine's catalog.*--use-recorded/),
    });
    expect(await readFile(join(data, 'a.txt'), 'utf8')).toBe('live version');

    const elsewhere = join(await tempDir(), 'restored');
    const chosen = await lifeboat(['--home', other, 'restore', id, '--to-dir', elsewhere]);
    expect(chosen.code, chosen.stderr).toBe(0);
    expect(await readFile(join(elsewhere, 'a.txt'), 'utf8')).toBe('version 1');
    expect(await readFile(join(data, 'a.txt'), 'utf8')).toBe('live version');

    const confirmed = await lifeboat(['--home', other, 'restore', id, '--use-recorded', (await lifeboat(['--home', other, 'info', id, '--json'])).json<{ manifest: { sources: { name: string }[] } }>().manifest.sources[0]?.name ?? '']);
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect(await readFile(join(data, 'a.txt'), 'utf8')).toBe('version 1');

    // On the machine that made it, the catalog's own backup restores in place as before.
    await writeTree(data, { 'a.txt': 'changed again' });
    const own = await lifeboat(['--home', home, 'restore', made.id, '--dry-run']);
    expect(own.stdout).toMatch(/this machine's backup/);
  });

  it('an archive file given by path (not in the catalog) is refused without a chosen target, and a relative recorded path is never used', async () => {
    const home = await tempDir();
    const dir = await tempDir();
    const archive = join(dir, 'downloaded.zip');
    await writeFakeBackup(archive, [{ name: 'files/docs/a.txt', data: 'from the internet' }], (m) => {
      (m.sources as { path: string }[])[0]!.path = 'relative/../../victim';
    });
    const run = await lifeboat(['--home', home, 'restore', archive, '--use-recorded', 'docs', '--json']);
    expect(run.code).toBe(1);
    expect(run.json<{ error: { message: string } }>().error.message).toMatch(/records "relative\/\.\.\/\.\.\/victim" .* not an absolute, normalized path/);
    const target = join(dir, 'out');
    const ok = await lifeboat(['--home', home, 'restore', archive, '--to-dir', target]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(await describeTree(target)).toMatchObject({ 'a.txt': expect.any(String) });
  });
});
