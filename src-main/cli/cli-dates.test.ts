import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDateTime } from '../../src-shared/domain/format.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { writeTree } from '../../test-support/tree.js';
import { runCli } from './main.js';
import type { Io } from './output.js';

/** Run the CLI in this process, collecting what it prints. */
async function cli(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => (out += t), err: (t) => (err += t), isTTY: false };
  const code = await runCli(args, io);
  return { code, out, err };
}

/** The one format: `2026-11-30 14:05:09 UTC`, never an ISO `T…Z` slice. */
const DATE_TIME = /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [A-Z+\-0-9:]+/;
const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

describe('CLI dates and times', () => {
  it('list, audit list, cleanup --dry-run and info print times as formatDateTime does (24-hour, with the zone), never as ISO slices', async () => {
    const home = await tempDir('lifeboat-cli-home-');
    const data = await tempDir('lifeboat-cli-data-');
    await writeTree(data, { 'docs/a.txt': 'alpha' });
    const added = await cli(['--home', home, 'profile', 'add', 'docs', '--dir', join(data, 'docs'), '--keep-last', '3']);
    expect(added.code, added.err).toBe(0);
    const made = await cli(['--home', home, 'backup', '--profile', 'docs', '--description', 'dates', '--json']);
    expect(made.code, made.err).toBe(0);
    const backup = JSON.parse(made.out) as { id: string };

    const listJson = await cli(['--home', home, 'list', '--json']);
    const createdAt = (JSON.parse(listJson.out) as { rows: { createdAt: string }[] }).rows[0]?.createdAt ?? '';
    for (const args of [['list'], ['audit', 'list'], ['cleanup', '--dry-run', '--profile', 'docs'], ['info', backup.id]]) {
      const r = await cli(['--home', home, ...args]);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
      expect(r.out, args.join(' ')).toMatch(DATE_TIME);
      expect(r.out, args.join(' ')).not.toMatch(ISO);
    }
    expect((await cli(['--home', home, 'list'])).out).toContain(formatDateTime(createdAt));
    // The audit list names the backup by its file, not its id.
    expect((await cli(['--home', home, 'audit', 'list'])).out).not.toContain(backup.id);
  });
});
