import { execFileSync } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lifeboat } from '../../test-support/cli.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { describeTree, writeTree } from '../../test-support/tree.js';

describe('lifeboat restore says what it will destroy', () => {
  it('--dry-run lists the files it deletes; a backup much smaller than the folder needs --confirm-smaller, and the real run lists deletions first', async () => {
    const home = await tempDir();
    const data = await tempDir();
    await writeTree(data, { 'a.txt': 'a', 'b.txt': 'b', 'sub/c.txt': 'c' });
    const b = await lifeboat(['--home', home, 'backup', '--dir', data, '--json']);
    expect(b.code, b.stderr).toBe(0);
    const id = b.json<{ id: string }>().id;
    const backupTree = await describeTree(data);
    const grown: Record<string, string> = { 'stray.txt': 'user file' };
    for (let i = 0; i < 30; i += 1) grown[`later/f${i}.txt`] = `added after the backup ${i}`;
    await writeTree(data, grown);
    const liveTree = await describeTree(data);

    const dry = await lifeboat(['--home', home, 'restore', id, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/deletes 32 \(.*\) not in the backup, replaces 0 .*adds 0, keeps 4 unchanged/);
    expect(dry.stdout).toMatch(/^ {2}delete {2}stray\.txt$/m);
    expect(dry.stdout).toMatch(/… listed 1–20 of 32 /);
    expect(dry.stdout).toMatch(/WARNING much smaller: .*holds 3 files .*has 34 files/);
    const page2 = await lifeboat(['--home', home, 'restore', id, '--dry-run', '--offset', '30', '--limit', '5']);
    expect(page2.stdout.match(/^ {2}delete {2}[^…]/gm)).toHaveLength(2);
    expect(page2.stdout).toMatch(/… listed 31–32 of 32/);

    const refused = await lifeboat(['--home', home, 'restore', id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/PRECHECK_FAILED|much smaller/);
    expect(await describeTree(data)).toEqual(liveTree);

    const done = await lifeboat(['--home', home, 'restore', id, '--confirm-smaller']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toMatch(/delete {2}stray\.txt/);
    expect(await describeTree(data)).toEqual(backupTree);
  });

  const isRoot = process.getuid?.() === 0;
  it.skipIf(!isRoot)(`a --to-dir that is a mount point fails the pre-flight, not half way through${isRoot ? '' : ' (skipped: needs root to mount a tmpfs)'}`, async () => {
    const home = await tempDir();
    const data = await tempDir();
    await writeTree(data, { 'a.txt': 'a' });
    const b = await lifeboat(['--home', home, 'backup', '--dir', data, '--json']);
    const id = b.json<{ id: string }>().id;
    const mnt = join(await tempDir(), 'mnt');
    await mkdir(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
    try {
      const check = await lifeboat(['--home', home, 'restore', id, '--to-dir', mnt, '--check']);
      expect(check.code).toBe(1);
      expect(check.stderr).toMatch(/is a mount point.*--to-dir .*mnt\/restored/);
      const run = await lifeboat(['--home', home, 'restore', id, '--to-dir', mnt]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/PRECHECK_FAILED|mount point/);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it.skipIf(!isRoot)(`a disk that fills up while the restore stages (here: out of inodes) is DISK_FULL naming the disk, and nothing is left behind${isRoot ? '' : ' (skipped: needs root to mount a tmpfs)'}`, async () => {
    const home = await tempDir();
    const data = await tempDir();
    const files: Record<string, string> = {};
    for (let i = 0; i < 120; i += 1) files[`f${i}.txt`] = `${i}`;
    await writeTree(data, files);
    const b = await lifeboat(['--home', home, 'backup', '--dir', data, '--json']);
    const id = b.json<{ id: string }>().id;
    const mnt = join(await tempDir(), 'mnt');
    await mkdir(mnt);
    // Plenty of bytes, too few inodes: the declared sizes fit, the files do not.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,nr_inodes=60', 'tmpfs', mnt]);
    try {
      const run = await lifeboat(['--home', home, 'restore', id, '--to-dir', join(mnt, 'restored'), '--json']);
      expect(run.code).toBe(1);
      const err = run.json<{ error: { code: string; message: string } }>().error;
      expect(err.code).toBe('DISK_FULL');
      expect(err.message).toContain(`The disk holding ${mnt}`);
      expect(err.message).toMatch(/inodes are free there now/);
      expect(await readdir(mnt)).toEqual([]);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });
});
