import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

/**
 * Make a rename, create or delete inside `dir` durable: on POSIX a directory entry only survives a
 * power cut once the directory itself is fsynced. Windows cannot open folders for fsync; NTFS
 * journals the metadata itself, so there it is a no-op.
 */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsync a file's data and then the folder entry that names it. */
export async function fsyncFileAndDir(file: string): Promise<void> {
  const fh = await open(file, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsyncDir(dirname(file));
}

/**
 * Flush everything written on the filesystems that hold `paths` (whole trees, before what they
 * replace is deleted). Linux: `sync -f` (syncfs) per filesystem, one call for a tree of any size.
 * Elsewhere: a global `sync`, which macOS and the BSDs implement as a full flush.
 */
export async function flushTrees(paths: readonly string[]): Promise<void> {
  if (paths.length === 0 || process.platform === 'win32') return;
  const run = promisify(execFile);
  if (process.platform === 'linux') await run('sync', ['-f', ...paths]);
  else await run('sync', []);
}
