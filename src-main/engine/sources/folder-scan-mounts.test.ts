import { execFileSync } from 'node:child_process';
import { lstatSync } from 'node:fs';
import * as fs from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/temp-dir.js';
import { writeTree } from '../../../test-support/tree.js';
import { OpenedSource, readSourceSync } from '../archive/source-file.js';
import { scanFolder, type ScanRules } from './folder-scan.js';

const rules: ScanRules = { include: [], exclude: [], gitignore: false, avoid: [], skipUnreadable: false };
const isRoot = process.getuid?.() === 0;

/** Mount with `args` onto `target`; false when this machine does not allow it. */
function tryMount(args: string[]): boolean {
  try {
    execFileSync('mount', args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('scanFolder: mounts', () => {
  it.skipIf(!isRoot)('a bind mount of a parent inside its child is not walked twice (device + inode)', async () => {
    const root = await tempDir();
    await writeTree(root, { 'top.txt': 'top', 'child/inner.txt': 'inner' });
    await mkdir(join(root, 'child/loop'));
    if (!tryMount(['--bind', root, join(root, 'child/loop')])) return; // no mount privilege in this sandbox
    try {
      const scan = await scanFolder(root, rules);
      expect(scan.entries.map((e) => e.rel)).toEqual(['child', 'child/inner.txt', 'child/loop', 'top.txt']);
      expect(scan.notes).toEqual([expect.objectContaining({ path: 'child/loop', kind: 'cycle' })]);
      expect(scan.files).toBe(2);
    } finally {
      execFileSync('umount', [join(root, 'child/loop')]);
    }
  });

  it.skipIf(!isRoot)('stops at another filesystem mounted inside the tree unless crossing is allowed', async () => {
    const root = await tempDir();
    await writeTree(root, { 'a.txt': 'a' });
    await mkdir(join(root, 'mnt'));
    if (!tryMount(['-t', 'tmpfs', 'tmpfs', join(root, 'mnt')])) return;
    try {
      await writeFile(join(root, 'mnt/on-tmpfs.txt'), 'elsewhere');
      const stay = await scanFolder(root, rules);
      expect(stay.entries.map((e) => e.rel)).toEqual(['a.txt', 'mnt']);
      expect(stay.notes).toEqual([expect.objectContaining({ path: 'mnt', kind: 'filesystem' })]);
      const cross = await scanFolder(root, { ...rules, crossFilesystems: true });
      expect(cross.entries.map((e) => e.rel)).toEqual(['a.txt', 'mnt', 'mnt/on-tmpfs.txt']);
    } finally {
      execFileSync('umount', [join(root, 'mnt')]);
    }
  });

  it('records device and inode of every entry, and counts a sparse file in when asked', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'sparse.img'), '');
    execFileSync('truncate', ['-s', '1G', join(root, 'sparse.img')]);
    const refused = await scanFolder(root, rules);
    expect(refused.entries).toEqual([]);
    expect(refused.notes[0]).toMatchObject({ path: 'sparse.img', kind: 'sparse' });
    const included = await scanFolder(root, { ...rules, includeSparse: true });
    const st = lstatSync(join(root, 'sparse.img'));
    expect(included.entries[0]).toMatchObject({ rel: 'sparse.img', dev: st.dev, ino: st.ino, size: 1024 ** 3 });
  });
});

describe('the checked open-and-read (one helper for workers, big files and tar.gz)', () => {
  it('the worker read retries a file changed mid-read once, then stores what it read and says why', () => {
    const dir = fs.mkdtempSync('/tmp/lifeboat-read-');
    try {
      const p = join(dir, 'f');
      fs.writeFileSync(p, 'x'.repeat(1000));
      const identity = { dev: lstatSync(p).dev, ino: lstatSync(p).ino };
      // Changed during the first read only: the second read is clean.
      let calls = 0;
      const once = readSourceSync(fs, { path: p, identity, limit: 1 << 20 }, () => {
        if ((calls += 1) === 1) fs.truncateSync(p, 10);
      });
      expect(once).toMatchObject({ ok: true, changed: null });
      expect(once.ok && once.data.length).toBe(10);
      // Changed during every read: stored as read, with the reason.
      fs.writeFileSync(p, 'y'.repeat(1000));
      const always = readSourceSync(fs, { path: p, identity, limit: 1 << 20 }, () => fs.appendFileSync(p, 'z'));
      expect(always).toMatchObject({ ok: true, changed: expect.stringContaining('changed size') });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a symlink or another file put where the walked file was, on every open path', async () => {
    const dir = await tempDir();
    const p = join(dir, 'f');
    await writeFile(p, 'public');
    const identity = { dev: lstatSync(p).dev, ino: lstatSync(p).ino };
    await writeFile(join(dir, 'secret'), 'secret');
    // The walked file is kept (aside), so no later file can reuse its inode number.
    fs.renameSync(p, join(dir, 'walked'));
    await symlink(join(dir, 'secret'), p);
    expect(readSourceSync(fs, { path: p, identity, limit: 1 << 20 })).toMatchObject({ ok: false, kind: 'replaced' });
    await expect(OpenedSource.open({ path: p, size: 6, identity })).rejects.toMatchObject({ kind: 'replaced' });
    await writeFile(join(dir, 'other'), 'other file, same name');
    fs.renameSync(join(dir, 'other'), p);
    expect(readSourceSync(fs, { path: p, identity, limit: 1 << 20 })).toMatchObject({ ok: false, kind: 'replaced' });
    await expect(OpenedSource.open({ path: p, size: 6, identity })).rejects.toMatchObject({ kind: 'replaced' });
    fs.rmSync(p);
    execFileSync('mkfifo', [p]);
    // O_NONBLOCK: a FIFO opens at once (no writer needed) and fstat shows it is not a file.
    expect(readSourceSync(fs, { path: p, limit: 1 << 20 })).toMatchObject({ ok: false, kind: 'replaced' });
    await expect(OpenedSource.open({ path: p, size: 6 })).rejects.toMatchObject({ kind: 'replaced' });
    fs.rmSync(p);
    expect(readSourceSync(fs, { path: p, limit: 1 << 20 })).toMatchObject({ ok: false, kind: 'vanished' });
  });
});
