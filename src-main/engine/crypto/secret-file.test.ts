import { lstat, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/temp-dir.js';
import { writeSecretFile } from './secret-file.js';
import { replaceFileNoFollow } from '../util/replace-file.js';

describe('writeSecretFile', () => {
  it('a symlink planted at the name is replaced, not followed: the outside file is untouched', async () => {
    const dir = await tempDir();
    const outside = join(await tempDir(), 'victim.txt');
    await writeFile(outside, 'precious\n', { mode: 0o644 });
    await symlink(outside, join(dir, 'kit.html'));
    const path = await writeSecretFile(dir, 'kit', '.html', 'SECRET');
    expect(path).toBe(join(dir, 'kit.html'));
    expect(await readFile(outside, 'utf8')).toBe('precious\n');
    expect((await stat(outside)).mode & 0o777).toBe(0o644);
    expect((await lstat(path)).isFile()).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['kit.html']);
    expect(await readFile(path, 'utf8')).toBe('SECRET');
  });

  it('a dangling symlink is not a way to create a file elsewhere', async () => {
    const dir = await tempDir();
    const elsewhere = join(await tempDir(), 'would-be-created.html');
    await symlink(elsewhere, join(dir, 'kit.html'));
    await writeSecretFile(dir, 'kit', '.html', 'SECRET');
    await expect(stat(elsewhere)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('is 0600 whatever the umask, keeps an older file of the same name, and leaves no temporary behind', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'kit.html'), 'old key', { mode: 0o644 });
    const old = process.umask(0);
    try {
      const path = await writeSecretFile(dir, 'kit', '.html', 'new key');
      expect((await stat(path)).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(old);
    }
    expect(await readFile(join(dir, 'kit.html'), 'utf8')).toBe('old key');
    expect((await readdir(dir)).sort()).toEqual(['kit-2.html', 'kit.html']);
  });
});

describe('replaceFileNoFollow', () => {
  it('replaces a symlink planted at the name instead of writing through it', async () => {
    const dir = await tempDir();
    const outside = join(await tempDir(), 'victim.txt');
    await writeFile(outside, 'precious\n');
    await symlink(outside, join(dir, 'a.zip.age.sha256'));
    await replaceFileNoFollow(join(dir, 'a.zip.age.sha256'), 'abc  a.zip.age\n');
    expect(await readFile(outside, 'utf8')).toBe('precious\n');
    expect((await lstat(join(dir, 'a.zip.age.sha256'))).isFile()).toBe(true);
    expect(await readFile(join(dir, 'a.zip.age.sha256'), 'utf8')).toBe('abc  a.zip.age\n');
    expect(await readdir(dir)).toEqual(['a.zip.age.sha256']);
  });
});
