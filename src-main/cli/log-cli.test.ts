import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test-support/temp-dir.js';
import { runCli } from './main.js';
import type { Io } from './output.js';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t), isTTY: false };
  const code = await runCli(args, io);
  return { code, out, err };
}

describe.skipIf(process.platform === 'win32')('lifeboat profile hooks and lifeboat log', () => {
  it('a profile saved with --pre-command/--post-command runs them; `lifeboat log ID` prints the run log with their output', async () => {
    const home = await tempDir();
    const data = join(home, 'data');
    await mkdir(data);
    await writeFile(join(data, 'a.txt'), 'hello');
    const add = await cli(['--home', home, 'profile', 'add', 'svc', '--dir', data, '--pre-command', '["sh","-c","echo stopping app"]', '--pre-timeout', '30', '--post-command', '["echo","starting app"]']);
    expect(add.code).toBe(0);
    const shown = await cli(['--home', home, '--json', 'profile', 'show', 'svc']);
    expect(JSON.parse(shown.out)).toMatchObject({ profile: { spec: { hooks: { pre: { argv: ['sh', '-c', 'echo stopping app'], timeoutSeconds: 30 }, post: { argv: ['echo', 'starting app'], timeoutSeconds: 300 } } } } });

    const backup = await cli(['--home', home, '--json', 'backup', '--profile', 'svc']);
    expect(backup.code).toBe(0);
    const id = (JSON.parse(backup.out) as { id: string }).id;
    const log = await cli(['--home', home, 'log', id.slice(0, 8)]);
    expect(log.code).toBe(0);
    expect(log.out).toContain('pre: stopping app');
    expect(log.out).toContain('post: starting app');
    expect(log.out).toMatch(/COMPLETED: lifeboat-svc-/);
    // The receipt (and so the email, which attaches it) ends with the same log, HTML-escaped.
    const receipt = await cli(['--home', home, 'receipt', id]);
    expect(receipt.out).toContain('<h2 style="font-size:15px;margin:24px 0 8px">Run log</h2>');
    expect(receipt.out).toContain('pre: stopping app');
  });

  it('a hook given as a plain string is refused (nothing splits it like a shell), and an unknown id is NOT_FOUND', async () => {
    const home = await tempDir();
    const data = join(home, 'data');
    await mkdir(data);
    const add = await cli(['--home', home, 'profile', 'add', 'svc', '--dir', data, '--pre-command', 'systemctl stop app; rm -rf /']);
    expect(add.code).toBe(2);
    expect(add.err).toContain('--pre-command must be a JSON array of strings');
    const log = await cli(['--home', home, 'log', 'deadbeef']);
    expect(log.code).toBe(1);
    expect(log.err).toContain('No backup or restore "deadbeef"');
  });
});
