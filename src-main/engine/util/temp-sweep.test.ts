import { spawnSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lifeboat } from '../../../test-support/cli.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { writeTree } from '../../../test-support/tree.js';

describe('verification temp folders', () => {
  it('a killed process leaves lifeboat-verify-<pid>-* behind; the next start removes those of dead processes and keeps live ones', async () => {
    const tmp = await tempDir();
    const home = await tempDir();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    await mkdir(join(tmp, `lifeboat-verify-${dead}-abc123`));
    await writeFile(join(tmp, `lifeboat-verify-${dead}-abc123`, 'db.sqlite'), 'leftover of a killed verify');
    await mkdir(join(tmp, 'lifeboat-verify-Qx81ab')); // the form without a pid, from older versions
    await mkdir(join(tmp, `lifeboat-verify-${process.pid}-live01`)); // this test process: alive
    await mkdir(join(tmp, 'someone-elses-folder'));
    const data = await tempDir();
    await writeTree(data, { 'a.txt': 'a' });
    // Any start of the engine sweeps; a backup also verifies, making (and removing) its own folder.
    const r = await lifeboat(['--home', home, 'backup', '--dir', data], { env: { ...process.env, TMPDIR: tmp } });
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(tmp)).sort()).toEqual([`lifeboat-verify-${process.pid}-live01`, 'someone-elses-folder']);
  });
});
