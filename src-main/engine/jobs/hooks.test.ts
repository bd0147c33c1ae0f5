import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HookCommand } from '../../../src-shared/domain/profile.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { RunLogsRepo } from './run-log.js';

const posix = process.platform !== 'win32';

/** A folder with one file, an engine, and a place for the commands to leave traces. */
async function world() {
  const { engine, out } = await testEngine();
  const dir = await tempDir();
  const data = join(dir, 'data');
  await mkdir(data);
  await writeFile(join(data, 'a.txt'), 'hello');
  const sh = (script: string, timeoutSeconds = 60): HookCommand => ({ argv: ['sh', '-c', script], timeoutSeconds });
  const logOf = (id: string): string => new RunLogsRepo(engine.env.catalog.db).get(id)?.text ?? '';
  const failedRow = () => engine.history({ limit: 5 }).rows[0];
  return { engine, out, dir, data, sh, logOf, failedRow };
}

/** Whether a process still runs (a zombie waiting for its reaper counts as gone). */
async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return stat !== null && !/^\d+ \(.*\) Z/.test(stat);
}

describe.skipIf(!posix)('pre- and post-backup commands', () => {
  it('a failing pre-command fails the backup with its output, the backup does not run, and the post-command does not run', async () => {
    const { engine, out, dir, data, sh, logOf, failedRow } = await world();
    const post = join(dir, 'post-ran');
    const err = await engine
      .backup(request(out, [folder(data)], { profile: 'svc', hooks: { pre: sh('echo stopping the service; echo "cannot stop: busy" >&2; exit 3'), post: sh(`touch ${post}`) } }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LifeboatError);
    expect(err).toMatchObject({ code: 'HOOK_FAILED', message: expect.stringContaining('exited with code 3') });
    expect((err as Error).message).toContain('cannot stop: busy');
    const row = failedRow();
    expect(row).toMatchObject({ status: 'FAILED', errorCode: 'HOOK_FAILED' });
    // Nothing was read or written: no archive, no work folder.
    expect((await readdir(out).catch(() => [])).filter((f) => !f.startsWith('.lifeboat-probe'))).toEqual([]);
    expect(existsSync(post)).toBe(false);
    const log = logOf(row?.id ?? '');
    expect(log).toContain('pre: stopping the service');
    expect(log).toContain('pre: cannot stop: busy');
    expect(log).toContain('ERROR HOOK_FAILED');
    expect(log).not.toContain('archiving');
  });

  it('a failing pre-command that prints a password: the History row, the audit trail and the warning of a failing post-command show it masked', async () => {
    const { engine, out, data, sh, failedRow } = await world();
    const secret = 'hunter2-Secret';
    await engine.backup(request(out, [folder(data)], { profile: 'svc', hooks: { post: null, pre: sh(`echo "connecting to postgres://admin:${secret}@db/app"; echo password=${secret}; exit 1`) } })).catch(() => undefined);
    const row = failedRow();
    expect(row?.errorCode).toBe('HOOK_FAILED');
    expect(row?.errorMessage).toContain('postgres://admin:***@db/app');
    const audit = JSON.stringify(engine.audit.list(50));
    expect(`${row?.errorMessage ?? ''} ${audit}`).not.toContain(secret);
    const ok = await engine.backup(request(out, [folder(data)], { profile: 'svc', hooks: { pre: null, post: sh(`echo token=${secret}; exit 2`) } }));
    expect(JSON.stringify(ok.warnings)).toContain('token=***');
    expect(JSON.stringify(ok.warnings)).not.toContain(secret);
  });

  it('a pre-command that outlives its time limit is killed with every process it started, and the backup fails', async () => {
    const { engine, out, dir, data, sh, logOf, failedRow } = await world();
    const pidFile = join(dir, 'child.pid');
    // The shell starts a grandchild and waits for it: killing only the shell would leave the sleep behind.
    const err = await engine.backup(request(out, [folder(data)], { hooks: { pre: sh(`sleep 300 & echo $! > ${pidFile}; echo started; wait`, 1), post: null } })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'HOOK_FAILED', message: expect.stringContaining('did not finish within 1 s') });
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    expect(pid).toBeGreaterThan(0);
    // The group got SIGTERM before the promise settled; wait for the kernel to finish the job.
    while (await alive(pid)) await new Promise((r) => setTimeout(r, 50));
    expect(await alive(pid)).toBe(false);
    expect(logOf(failedRow()?.id ?? '')).toContain('did not finish within 1 s: stopping it and every process it started');
  });

  it('after a pre-command succeeds the backup runs and the post-command runs, seeing the backup id and outcome; both outputs are in the log', async () => {
    const { engine, out, dir, data, sh, logOf } = await world();
    const trace = join(dir, 'trace');
    const r = await engine.backup(
      request(out, [folder(data)], { hooks: { pre: sh(`echo pre >> ${trace}; echo service stopped`), post: sh(`echo "post $LIFEBOAT_BACKUP_STATUS $LIFEBOAT_BACKUP_ID" >> ${trace}; echo service started`) } }),
    );
    expect(r.status).toBe('COMPLETED');
    expect(r.warnings).toEqual([]);
    expect((await readFile(trace, 'utf8')).trim().split('\n')).toEqual(['pre', `post read ${r.id}`]);
    const log = logOf(r.id);
    expect(log).toContain('pre: service stopped');
    expect(log).toContain('post: service started');
    expect(log.indexOf('pre-backup command started')).toBeLessThan(log.indexOf('archiving'));
  });

  it('a failing post-command is a warning on a backup that completed', async () => {
    const { engine, out, data, sh, logOf } = await world();
    const r = await engine.backup(request(out, [folder(data)], { hooks: { pre: null, post: sh('echo "could not start" >&2; exit 1') } }));
    expect(r.status).toBe('COMPLETED');
    expect(r.warnings).toEqual([expect.objectContaining({ code: 'POST_COMMAND_FAILED', message: expect.stringContaining('could not start') })]);
    expect(engine.record(r.id).warnings.map((w) => w.code)).toContain('POST_COMMAND_FAILED');
    expect(logOf(r.id)).toContain('WARNING The post-backup command');
  });

  it('the post-command runs when the backup fails after a pre-command succeeded', async () => {
    const { engine, out, dir, sh } = await world();
    const trace = join(dir, 'trace');
    const empty = join(dir, 'empty');
    await mkdir(empty);
    const err = await engine.backup(request(out, [folder(empty)], { hooks: { pre: sh('true'), post: sh(`echo "post $LIFEBOAT_BACKUP_STATUS" > ${trace}`) } })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SOURCE_EMPTY' });
    expect((await readFile(trace, 'utf8')).trim()).toBe('post failed');
  });

  it('a command that starts a daemon ends when it exits: the daemon keeps the output pipe, yet the backup goes on and the daemon is left running', async () => {
    const { engine, out, dir, data, sh } = await world();
    const pidFile = join(dir, 'daemon.pid');
    const r = await engine.backup(request(out, [folder(data)], { hooks: { pre: null, post: sh(`sleep 300 & echo $! > ${pidFile}; echo service started`) } }));
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    try {
      expect(r.status).toBe('COMPLETED');
      expect(r.warnings).toEqual([]);
      expect(await alive(pid)).toBe(true);
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });

  it('arguments are passed as they are, never through a shell', async () => {
    const { engine, out, dir, data, logOf } = await world();
    const victim = join(dir, 'injected');
    const r = await engine.backup(request(out, [folder(data)], { hooks: { pre: { argv: ['echo', `x; touch ${victim}`, '$(id)'], timeoutSeconds: 30 }, post: null } }));
    expect(existsSync(victim)).toBe(false);
    expect(logOf(r.id)).toContain(`pre: x; touch ${victim} $(id)`);
  });

  it('a program that does not exist fails the backup naming it', async () => {
    const { engine, out, data } = await world();
    const err = await engine.backup(request(out, [folder(data)], { hooks: { pre: { argv: ['/nonexistent/stop-service'], timeoutSeconds: 30 }, post: null } })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'HOOK_FAILED', message: expect.stringContaining('/nonexistent/stop-service was not found') });
  });
});
