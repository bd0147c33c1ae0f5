import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RemoteSpec } from '../../../src-shared/domain/profile.js';
import type { ErrorCode } from '../../../src-shared/errors/codes.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { faultPoint } from '../util/fault.js';
import { HashingStream } from '../util/hashing-stream.js';
import { downloadLimit, type PutOptions, type RemoteDestination, type RemoteHash, type RemoteObject } from './destination.js';
import { PacedStream } from './pacer.js';

const CHUNK_FAULT_BYTES = 1024 * 1024;
const PARTIAL_SUFFIX = '.lifeboat-partial';
/** One attempt for cleanup calls: after a failed upload the server may well be gone, and the next run retries. */
const ONCE = ['--retries', '1', '--low-level-retries', '1'] as const;
const STDERR_KEEP = 4000;

function classify(stderr: string, exit: number | null): ErrorCode {
  if (/didn't find section in config|directory not found|object not found|not found|404/i.test(stderr) || exit === 3 || exit === 4) return 'REMOTE_NOT_FOUND';
  if (/connection refused|no route to host|i\/o timeout|no such host|connection reset|EOF/i.test(stderr)) return 'REMOTE_UNREACHABLE';
  if (/401|403|unauthori[sz]ed|forbidden|auth/i.test(stderr)) return 'REMOTE_AUTH_FAILED';
  if (/no space left|insufficient storage|507|quota/i.test(stderr)) return 'REMOTE_FULL';
  return 'REMOTE_FAILED';
}

/** Any rclone backend (WebDAV, SMB, Azure, Drive...) by `remote:path`, through the `rclone` CLI. */
export class RcloneDestination implements RemoteDestination {
  readonly kind = 'rclone' as const;
  private readonly bin = process.env.LIFEBOAT_RCLONE ?? 'rclone';

  constructor(
    readonly id: string,
    private readonly target: string,
    private readonly spec: RemoteSpec,
  ) {}

  private path(name: string): string {
    return this.target.endsWith(':') || this.target.endsWith('/') ? `${this.target}${name}` : `${this.target}/${name}`;
  }

  /**
   * Run rclone with an argv (never a shell). `stdin`/`stdout` stream the object's bytes; the
   * promise rejects with a classified error carrying the end of rclone's stderr.
   */
  private run(args: readonly string[], doing: string, io: { stdin?: Readable; stdout?: Writable; signal?: AbortSignal } = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      if (io.signal?.aborted) return reject(new LifeboatError('CANCELLED', `rclone ${doing} at ${this.id} was cancelled before it started.`, { remote: this.id }));
      // rclone reads RCLONE_CONFIG (and its other variables) from the environment itself.
      const child = spawn(this.bin, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      const onAbort = (): void => void child.kill('SIGTERM');
      io.signal?.addEventListener('abort', onAbort, { once: true });
      let out = '';
      let err = '';
      const stdoutDone = io.stdout ? pipeline(child.stdout, io.stdout) : Promise.resolve();
      // Read once rclone exits (below); a consumer that stops early (a download past its size) must not be an unhandled rejection meanwhile.
      stdoutDone.catch(() => undefined);
      if (!io.stdout) child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-STDERR_KEEP)));
      if (!io.stdin) child.stdin.end();
      const stdinDone = io.stdin ? pipeline(io.stdin, child.stdin) : Promise.resolve();
      // A failed write to rclone's stdin shows up as rclone's own exit status below.
      stdinDone.catch(() => undefined);
      child.on('error', (e: NodeJS.ErrnoException) => {
        reject(
          e.code === 'ENOENT'
            ? new LifeboatError('REMOTE_TOOL_NOT_FOUND', `rclone was not found (${this.bin}); it is needed for ${this.id}.`, { remote: this.id })
            : new LifeboatError('REMOTE_FAILED', `rclone ${doing} at ${this.id} could not start: ${e.message}`, { remote: this.id }),
        );
      });
      child.on('close', (code) => {
        io.signal?.removeEventListener('abort', onAbort);
        void Promise.allSettled([stdoutDone, stdinDone]).then(([o, i]) => {
          if (io.signal?.aborted) return reject(new LifeboatError('CANCELLED', `rclone ${doing} at ${this.id} was cancelled.`, { remote: this.id }));
          if (code === 0 && o.status === 'fulfilled' && i.status === 'fulfilled') return resolve(out);
          const why = err.trim().split('\n').slice(-3).join(' ') || (o.status === 'rejected' ? String(o.reason) : i.status === 'rejected' ? String(i.reason) : `exit ${code}`);
          reject(new LifeboatError(classify(err, code), `rclone ${doing} at ${this.id} failed (exit ${code}): ${why}`, { remote: this.id, exit: code }));
        });
      });
    });
  }

  /**
   * Upload under a temporary name, then rename. Not resumable: `rclone rcat` has no append or
   * offset, and rclone exposes no backend-neutral way to continue a partial object (WebDAV PUT,
   * SMB, Drive... each differ), so a restarted upload always starts from zero. What it must not do
   * is leave stale partials behind or trip over them: the temporary objects earlier attempts left
   * (killed, cut) are deleted before sending, a failed or cancelled attempt deletes its own, and
   * each attempt writes under its own name, because the rcat of a killed process lives on as an
   * orphan until it reads EOF and then deletes *its* object, which must not be ours.
   */
  async put(localPath: string, name: string, opts: PutOptions): Promise<void> {
    const temp = this.path(`.${name}.${process.pid}-${randomBytes(4).toString('hex')}${PARTIAL_SUFFIX}`);
    opts.journal?.started(null);
    await this.removeStalePartials(name);
    let sinceFault = 0;
    const paced = new PacedStream(null, (n) => {
      opts.onBytes?.(n);
      sinceFault += n;
      if (sinceFault >= CHUNK_FAULT_BYTES) {
        sinceFault = 0;
        faultPoint('remote:uploading');
      }
    });
    const src = createReadStream(localPath);
    src.pipe(paced);
    // rcat reads our stdin: if this process dies, rclone sees EOF and stops under the temp name,
    // never the final one (a copyto child would keep running as an orphan).
    const bw = this.spec.bwlimitKiB ? ['--bwlimit', `${this.spec.bwlimitKiB}k`] : [];
    try {
      await this.run(['rcat', '--size', String(opts.size), ...bw, temp], `upload of ${name}`, { stdin: paced, ...(opts.signal ? { signal: opts.signal } : {}) });
    } catch (e) {
      src.destroy();
      await this.removeTemp(temp, name).catch(() => undefined);
      throw e;
    }
    // Never rename a short object into place (rcat takes EOF as the end, whatever caused it).
    const landed = JSON.parse(await this.run(['lsjson', '--stat', temp], `stat of ${name}`)) as { Size?: number };
    if (landed.Size !== opts.size) {
      await this.removeTemp(temp, name).catch(() => undefined);
      throw new LifeboatError('REMOTE_FAILED', `rclone upload of ${name} to ${this.id} arrived short: ${landed.Size ?? '?'} of ${opts.size} bytes. It was removed; nothing is under the final name.`, { remote: this.id });
    }
    faultPoint('remote:uploaded');
    await this.run(['moveto', temp, this.path(name)], `rename of ${name}`);
  }

  /** Delete every temporary object earlier attempts at `name` left (a missing folder has none). */
  private async removeStalePartials(name: string): Promise<void> {
    const listing = await this.run(['lsjson', ...ONCE, '--files-only', this.target], 'listing').catch((e: unknown) => {
      if (e instanceof LifeboatError && e.code === 'REMOTE_NOT_FOUND') return '[]';
      throw e;
    });
    const stale = (JSON.parse(listing) as { Name: string }[]).map((o) => o.Name).filter((n) => n.startsWith(`.${name}.`) && n.endsWith(PARTIAL_SUFFIX));
    // The orphaned rcat of a killed run deletes its own object when it ends, possibly while we do:
    // an object that is gone by the time we delete it is cleaned, not a failure.
    for (const n of stale) {
      await this.run(['deletefile', ...ONCE, this.path(n)], `cleanup of ${name}`).catch(async (e: unknown) => {
        if (await this.present(this.path(n), name)) throw e;
      });
    }
  }

  /** Whether an object exists (`lsjson --stat` exits 3 when it is absent). */
  private present(path: string, name: string): Promise<boolean> {
    return this.run(['lsjson', ...ONCE, '--stat', path], `stat of ${name}`).then(
      () => true,
      (e: unknown) => {
        if (e instanceof LifeboatError && e.code === 'REMOTE_NOT_FOUND') return false;
        throw e;
      },
    );
  }

  /**
   * Delete a temporary object if there is one. Asked first with `lsjson --stat` (exit 3 when it is
   * absent): `deletefile` reports a missing object only as a generic failure, after its retries.
   */
  private async removeTemp(temp: string, name: string): Promise<void> {
    if (await this.present(temp, name)) await this.run(['deletefile', ...ONCE, temp], `cleanup of ${name}`);
  }

  async putSmall(name: string, body: Buffer): Promise<void> {
    await this.run(['rcat', '--size', String(body.length), this.path(name)], `upload of ${name}`, { stdin: Readable.from([body]) });
  }

  async stat(name: string): Promise<{ size: number } | null> {
    try {
      const out = await this.run(['lsjson', '--stat', this.path(name)], `stat of ${name}`);
      const o = JSON.parse(out) as { Size?: number; IsDir?: boolean };
      return o.IsDir ? null : { size: o.Size ?? 0 };
    } catch (e) {
      if (e instanceof LifeboatError && e.code === 'REMOTE_NOT_FOUND') {
        // A missing object is null; a missing remote or folder is an error.
        await this.run(['lsjson', '--stat', this.target], 'listing');
        return null;
      }
      throw e;
    }
  }

  async hash(name: string): Promise<RemoteHash> {
    const out = await this.run(['hashsum', 'sha256', this.path(name)], `checksum of ${name}`).catch(() => '');
    const m = /^([0-9a-f]{64})\s/.exec(out);
    if (m?.[1]) return { sha256: m[1], how: 'rclone-hashsum' };
    // The backend keeps no SHA-256 (WebDAV, SFTP without shell...): read the object back.
    const hs = new HashingStream();
    const drained = pipeline(hs, new Writable({ write: (_c, _e, cb) => cb() }));
    await this.run(['cat', this.path(name)], `read-back of ${name}`, { stdout: hs });
    await drained;
    return { sha256: hs.digest(), how: 'read-back' };
  }

  async list(): Promise<RemoteObject[]> {
    const out = await this.run(['lsjson', '--files-only', this.target], 'listing');
    return (JSON.parse(out) as { Name: string; Size: number }[]).map((o) => ({ name: o.Name, size: o.Size }));
  }

  async get(name: string, localPath: string, onBytes?: (n: number) => void, maxBytes?: number): Promise<void> {
    const hs = new HashingStream(onBytes, downloadLimit(name, this.id, maxBytes));
    const file = createWriteStream(localPath, { flags: 'wx' });
    const done = pipeline(hs, file);
    // Whichever fails first says why: an object longer than the catalog's stops the stream (and rclone with it).
    await Promise.all([this.run(['cat', this.path(name)], `download of ${name}`, { stdout: hs }), done]);
  }

  async getSmall(name: string, maxBytes: number): Promise<Buffer> {
    const st = await this.stat(name);
    if (!st) throw new LifeboatError('REMOTE_NOT_FOUND', `${name} is gone from ${this.id}.`, { remote: this.id });
    if (st.size > maxBytes) throw new LifeboatError('REMOTE_FAILED', `${name} at ${this.id} is larger than ${maxBytes} bytes; it is not a Lifeboat sidecar.`, { remote: this.id });
    // The listing's size is a moment's: the read is bounded too (one byte over says "too large").
    const body = Buffer.from(await this.run(['cat', '--head', String(maxBytes + 1), this.path(name)], `download of ${name}`), 'utf8');
    if (body.length > maxBytes) throw new LifeboatError('REMOTE_FAILED', `${name} at ${this.id} is larger than ${maxBytes} bytes; it is not a Lifeboat sidecar.`, { remote: this.id });
    return body;
  }

  async delete(name: string): Promise<void> {
    await this.run(['deletefile', this.path(name)], `delete of ${name}`);
  }

  async close(): Promise<void> {
    // Each call is its own process: nothing stays open.
  }
}
