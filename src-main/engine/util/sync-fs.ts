import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { TaskPool } from './task-pool.js';

/**
 * Make `files` durable before they are swapped into place. On Linux `sync -f` (syncfs) flushes a
 * whole filesystem at once, far cheaper than an fsync per file: it is given each distinct folder
 * (files may sit on several filesystems). Elsewhere, or if that fails, every file is fsynced.
 */
export async function flushWritten(files: readonly string[]): Promise<void> {
  if (files.length === 0) return;
  if (process.platform === 'linux') {
    try {
      const dirs = [...new Set(files.map((f) => dirname(f)))];
      for (let i = 0; i < dirs.length; i += 500) await promisify(execFile)('sync', ['-f', ...dirs.slice(i, i + 500)]);
      return;
    } catch {
      /* fall back to fsync per file */
    }
  }
  const pool = new TaskPool(16);
  for (const f of files) {
    await pool.run(async () => {
      const fh = await open(f, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    });
  }
  await pool.drain();
}
