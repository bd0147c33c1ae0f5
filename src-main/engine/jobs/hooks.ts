import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import type { BackupWarning } from '../../../src-shared/domain/backup.js';
import type { HookCommand } from '../../../src-shared/domain/profile.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { maskSecrets, type RunLog } from './run-log.js';

/** Which side of the backup a hook runs on. */
export type HookSide = 'pre' | 'post';

/** How one hook command ended. */
export interface HookResult {
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly cancelled: boolean;
  /** Could not be started at all (no such program, not executable): the reason. */
  readonly startError: string | null;
  readonly durationMs: number;
  /** The last few KiB of its output (stdout and stderr, interleaved), for an error message. */
  readonly outputTail: string;
}

/** What a hook run needs besides the command. */
export interface HookContext {
  readonly log: RunLog;
  /** Extra environment (LIFEBOAT_PROFILE, LIFEBOAT_BACKUP_ID, ...), on top of the app's own. */
  readonly env: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Between SIGTERM and SIGKILL to the process group on a timeout or cancel (default 5 s). */
  readonly graceMs?: number;
}

const TAIL_CHARS = 4096;
/** After the command exits, how long its output pipes may stay open (a daemon it started may hold them). */
const DRAIN_MS = 500;

/** "`pg_ctl stop -D /srv/db` (pre-backup command)": how the log and errors name a hook. */
export function describeHook(side: HookSide, cmd: HookCommand): string {
  const shown = cmd.argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
  const masked = maskSecrets(shown); // the command line shows in History, the audit and emails
  return `${side === 'pre' ? 'pre-backup' : 'post-backup'} command \`${masked.length > 300 ? `${masked.slice(0, 299)}…` : masked}\``;
}

/**
 * Stop a hook and everything it started. The command runs as the leader of its own process group
 * (detached), so `kill(-pid)` reaches the children a shell script forked too: a timed-out
 * `sh -c 'sleep 600'` must not leave the sleep behind holding a service stopped. SIGTERM first,
 * SIGKILL after the grace period.
 */
function killGroup(child: ChildProcess, graceMs: number): void {
  const pid = child.pid;
  if (pid === undefined) return;
  if (process.platform === 'win32') {
    // No process groups: taskkill /T walks the tree.
    spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).on('error', () => undefined);
    return;
  }
  const send = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      // The group is gone already.
    }
  };
  send('SIGTERM');
  setTimeout(() => send('SIGKILL'), graceMs).unref();
}

/**
 * Run one pre- or post-backup command with its time limit. Its output goes line by line into the
 * run log (bounded there); the result says how it ended. Never throws: the caller decides what a
 * failure means (a failed pre-command fails the backup, a failed post-command is a warning).
 */
export function runHook(side: HookSide, cmd: HookCommand, ctx: HookContext): Promise<HookResult> {
  const what = describeHook(side, cmd);
  const started = Date.now();
  const graceMs = ctx.graceMs ?? 5000;
  ctx.log.info(`running the ${what} (time limit ${cmd.timeoutSeconds} s)`);
  return new Promise<HookResult>((resolve) => {
    let tail = '';
    let timedOut = false;
    let cancelled = false;
    let settled = false;
    const pending: Record<'out' | 'err', string> = { out: '', err: '' };
    const flush = (stream: 'out' | 'err', final: boolean): void => {
      const text = pending[stream];
      const cut = final ? text.length : text.lastIndexOf('\n') + 1;
      if (cut <= 0) {
        // One very long line without a newline: log it in pieces rather than hold it all.
        if (text.length > 8192) {
          ctx.log.output(side, text);
          pending[stream] = '';
        }
        return;
      }
      ctx.log.output(side, text.slice(0, cut));
      pending[stream] = text.slice(cut);
    };
    let child: ChildProcess;
    try {
      const [program, ...args] = cmd.argv as [string, ...string[]];
      child = spawn(program, args, { detached: process.platform !== 'win32', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...ctx.env }, windowsHide: true, shell: false });
    } catch (e) {
      // spawn throws synchronously for some argument errors (a NUL byte in an argument).
      const reason = (e as Error).message;
      ctx.log.error(`the ${what} could not be started: ${reason}`);
      resolve({ ok: false, exitCode: null, signal: null, timedOut: false, cancelled: false, startError: reason, durationMs: 0, outputTail: '' });
      return;
    }
    const onData = (stream: 'out' | 'err') => (d: string) => {
      tail = (tail + d).slice(-TAIL_CHARS);
      pending[stream] += d;
      flush(stream, false);
    };
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', onData('out'));
    child.stderr?.on('data', onData('err'));

    const timer = setTimeout(() => {
      timedOut = true;
      ctx.log.error(`the ${what} did not finish within ${cmd.timeoutSeconds} s: stopping it and every process it started`);
      killGroup(child, graceMs);
    }, cmd.timeoutSeconds * 1000);
    const onAbort = (): void => {
      cancelled = true;
      ctx.log.warn(`the ${what} is stopped: the backup was cancelled`);
      killGroup(child, graceMs);
    };
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    if (ctx.signal?.aborted) onAbort();

    const finish = (exitCode: number | null, signal: string | null, startError: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', onAbort);
      flush('out', true);
      flush('err', true);
      const durationMs = Date.now() - started;
      const ok = startError === null && !timedOut && !cancelled && exitCode === 0;
      if (startError !== null) ctx.log.error(`the ${what} could not be started: ${startError}`);
      else if (ok) ctx.log.info(`the ${what} succeeded after ${(durationMs / 1000).toFixed(1)} s`);
      else if (!timedOut && !cancelled) ctx.log.error(`the ${what} failed: ${exitCode !== null ? `exit code ${exitCode}` : `killed by ${signal ?? 'a signal'}`}`);
      resolve({ ok, exitCode, signal, timedOut, cancelled, startError, durationMs, outputTail: tail.trim() });
    };
    child.on('error', (e: NodeJS.ErrnoException) => finish(null, null, e.code === 'ENOENT' ? `${cmd.argv[0] ?? ''} was not found (give the full path of the program)` : e.message));
    child.on('exit', () => {
      // The pipes close when every holder closes them; a daemon the command started may keep
      // them open forever. Output already read counts; after a short drain the command is done.
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, DRAIN_MS).unref();
    });
    // 'close' comes after the exit and the pipes' end (or their destruction above).
    child.on('close', (code, signal) => finish(code, signal, null));
  });
}

/**
 * Run the pre-backup command. A failure (non-zero exit, timeout, cannot start) throws HOOK_FAILED
 * with the command's output, so the backup stops before reading anything.
 */
export async function runPreHook(cmd: HookCommand, ctx: HookContext): Promise<void> {
  const r = await runHook('pre', cmd, ctx);
  if (r.ok) return;
  if (r.cancelled) ctx.signal?.throwIfAborted();
  const what = describeHook('pre', cmd);
  // The error is stored on the History row, in the audit trail and in emails: masked like the run log.
  const tail = r.outputTail ? maskSecrets(r.outputTail) : '';
  const why = r.startError !== null ? `could not be started: ${r.startError}` : r.timedOut ? `did not finish within ${cmd.timeoutSeconds} s and was stopped` : r.exitCode !== null ? `exited with code ${r.exitCode}` : `was killed by ${r.signal ?? 'a signal'}`;
  throw new LifeboatError(
    'HOOK_FAILED',
    `The ${what} ${why}, so the backup did not run.${tail ? ` Its output ends with: ${tail.slice(-1000)}` : ' It printed nothing.'} Fix the command (or its time limit) in the profile, then back up again.`,
    { side: 'pre', argv: cmd.argv.map(maskSecrets), exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, output: tail },
  );
}

/** Run the post-backup command; its failure is the warning returned (the backup itself stands). */
export async function runPostHook(cmd: HookCommand, ctx: HookContext): Promise<BackupWarning | null> {
  const r = await runHook('post', cmd, ctx);
  if (r.ok) return null;
  const what = describeHook('post', cmd);
  const why = r.startError !== null ? `could not be started: ${r.startError}` : r.timedOut ? `did not finish within ${cmd.timeoutSeconds} s and was stopped` : r.cancelled ? 'was stopped by the cancel' : r.exitCode !== null ? `exited with code ${r.exitCode}` : `was killed by ${r.signal ?? 'a signal'}`;
  const tail = r.outputTail ? maskSecrets(r.outputTail) : '';
  const message = `The ${what} ${why}${tail ? ` (output: ${tail.slice(-300)})` : ''}. Check what it should have done (a service it should have started?); the run log has its full output.`;
  ctx.log.warn(message);
  return { code: 'POST_COMMAND_FAILED', message };
}

/**
 * Check that a hook's program can be started: a path must be an executable file, a bare name
 * must be found on PATH. Profiles are checked on save, so a typo shows in the editor, not as the
 * first scheduled backup's failure. Returns the problem, or null.
 */
export async function hookProgramProblem(side: HookSide, cmd: HookCommand): Promise<string | null> {
  const program = cmd.argv[0] ?? '';
  const what = side === 'pre' ? 'The command before the backup' : 'The command after the backup';
  const executable = async (p: string): Promise<boolean> => {
    const st = await stat(p).catch(() => null);
    if (!st?.isFile()) return false;
    return access(p, process.platform === 'win32' ? constants.F_OK : constants.X_OK).then(() => true, () => false);
  };
  if (program.includes('/') || program.includes('\\')) {
    if (!isAbsolute(program)) return `${what} names ${program}, a relative path: give the full path (the working folder of a scheduled backup is not yours).`;
    return (await executable(program)) ? null : `${what} names ${program}, which is not an executable file. Check the path and its permissions.`;
  }
  const exts = process.platform === 'win32' ? ['', ...(process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';')] : [''];
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const ext of exts) if (await executable(join(dir, program + ext))) return null;
  }
  return `${what} runs "${program}", which is not on PATH. Give the program's full path (e.g. /usr/bin/${program}).`;
}
