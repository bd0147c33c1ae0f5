import { execFileSync, spawn } from 'node:child_process';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIFEBOAT_BIN, lifeboat } from '../../test-support/cli.js';
import { tempDir } from '../../test-support/temp-dir.js';

/** Run the CLI with its stdout read end closed before it writes anything (`lifeboat list | head` at its worst). */
function withClosedStdout(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LIFEBOAT_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** Fill the file system holding `dir` until a write fails with ENOSPC. */
async function fill(dir: string): Promise<void> {
  const fh = await open(join(dir, 'filler'), 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) await fh.write(chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

const isRoot = process.getuid?.() === 0;

describe('CLI error causes', () => {
  it('a reader that closes early (list | head) ends the CLI quietly: no EPIPE stack trace', async () => {
    const home = await tempDir('lifeboat-home-');
    const data = await tempDir();
    await writeFile(join(data, 'a.txt'), 'a');
    for (let i = 0; i < 3; i += 1) expect((await lifeboat(['--home', home, 'backup', '--dir', data, '--out', join(home, 'out')])).code).toBe(0);
    for (const args of [['list'], ['list', '--json'], ['--help']]) {
      const run = await withClosedStdout(['--home', home, ...args]);
      expect([0, 1]).toContain(run.code);
      expect(run.stderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
    }
  });

  it.skipIf(!isRoot)(`a catalog on a full disk is DISK_FULL naming the catalog, not INTERNAL${isRoot ? '' : ' (skipped: mounting a tmpfs needs root)'}`, async () => {
    const mnt = await tempDir('lifeboat-full-');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt]);
    } catch (e) {
      console.warn(`skipped: cannot mount a tmpfs (${(e as Error).message})`);
      return;
    }
    try {
      const home = join(mnt, 'home');
      const data = await tempDir();
      await writeFile(join(data, 'a.txt'), 'a');
      const out = await tempDir();
      expect((await lifeboat(['--home', home, 'list'])).code).toBe(0);
      await fill(mnt);
      const run = await lifeboat(['--home', home, 'backup', '--dir', data, '--out', out]);
      expect(run.stderr).toContain('[DISK_FULL]');
      expect(run.stderr).toContain(join(home, 'catalog.sqlite'));
      expect(run.stderr).not.toContain('bug in Lifeboat');
      expect(run.code).toBe(1);
      await rm(join(mnt, 'filler'));
    } finally {
      execFileSync('umount', ['-l', mnt]);
      await mkdir(mnt, { recursive: true });
    }
  });
});
