import { execFileSync } from 'node:child_process';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/temp-dir.js';
import { writeTree } from '../../../test-support/tree.js';
import { scanFolder, type ScanRules } from './folder-scan.js';

const rules: ScanRules = { include: [], exclude: [], gitignore: false, avoid: [], skipUnreadable: false };
const paths = async (root: string, r: Partial<ScanRules> = {}): Promise<string[]> =>
  (await scanFolder(root, { ...rules, ...r })).entries.map((e) => (e.kind === 'directory' ? `${e.rel}/` : e.rel));

describe('scanFolder', () => {
  it('lists files, folders (also empty ones) and symlinks in a stable order, without following links', async () => {
    const root = await tempDir();
    await writeTree(root, { 'b.txt': 'b', 'a/x.txt': 'x' });
    await mkdir(join(root, 'empty'));
    await symlink('/etc', join(root, 'etc-link'));
    const scan = await scanFolder(root, rules);
    expect(scan.entries.map((e) => [e.rel, e.kind])).toEqual([
      ['a', 'directory'],
      ['a/x.txt', 'file'],
      ['b.txt', 'file'],
      ['empty', 'directory'],
      ['etc-link', 'symlink'],
    ]);
    expect(scan.entries.find((e) => e.rel === 'etc-link')?.target).toBe('/etc');
    expect(scan.files).toBe(2);
    expect(scan.bytes).toBe(2);
  });

  it('applies exclude globs (by name at any depth, or by path) and include globs', async () => {
    const root = await tempDir();
    await writeTree(root, { 'app.log': '', 'src/main.ts': '', 'src/deep/app.log': '', 'build/out.js': '', 'docs/a.md': '' });
    expect(await paths(root, { exclude: ['*.log', 'build'] })).toEqual(['docs/', 'docs/a.md', 'src/', 'src/deep/', 'src/main.ts']);
    expect(await paths(root, { include: ['**/*.md', 'src/*.ts'] })).toEqual(['docs/', 'docs/a.md', 'src/', 'src/main.ts']);
  });

  it('honours nested .gitignore files with negations, as git does', async () => {
    const root = await tempDir();
    await writeTree(root, {
      '.gitignore': '*.db-wal\n*.log\n__pycache__/\n!keep.log\n',
      'keep.log': 'kept by negation',
      'app.log': 'ignored',
      'orgchart.db-wal': 'ignored',
      '__pycache__/m.pyc': 'ignored',
      'sub/.gitignore': 'secret.txt\n!*.log\n',
      'sub/secret.txt': 'ignored by nested file',
      'sub/debug.log': 're-included by nested negation',
      'sub/code.py': 'kept',
      '.git/HEAD': 'never backed up with --gitignore',
    });
    expect(await paths(root, { gitignore: true })).toEqual(['.gitignore', 'keep.log', 'sub/', 'sub/.gitignore', 'sub/code.py', 'sub/debug.log']);
    // Without the option everything is there.
    expect(await paths(root)).toContain('app.log');
  });

  it('never descends into the backup destination (no recursive backups)', async () => {
    const root = await tempDir();
    await writeTree(root, { 'data.txt': 'd', 'backups/old.zip': 'zip' });
    expect(await paths(root, { avoid: [join(root, 'backups')] })).toEqual(['data.txt']);
    await expect(scanFolder(root, { ...rules, avoid: [root] })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('skips FIFOs and devices with a reason instead of hanging on them', async () => {
    const root = await tempDir();
    await writeTree(root, { 'ok.txt': 'ok' });
    execFileSync('mkfifo', [join(root, 'pipe')]);
    const scan = await scanFolder(root, rules);
    expect(scan.entries.map((e) => e.rel)).toEqual(['ok.txt']);
    expect(scan.skipped).toEqual([{ path: 'pipe', reason: 'not a regular file, folder or symlink' }]);
  });

  it('fails with SOURCE_MISSING for a folder that does not exist', async () => {
    const root = await tempDir();
    await expect(scanFolder(join(root, 'unmounted'), rules)).rejects.toMatchObject({ code: 'SOURCE_MISSING', message: expect.stringContaining('unmounted') });
  });
});
