import { createReadStream, createWriteStream } from 'node:fs';
import { homedir } from 'node:os';
import { posix } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import SftpClient from 'ssh2-sftp-client';
import type { Client as SshClient, SFTPWrapper } from 'ssh2';
import type { RemoteSpec } from '../../../src-shared/domain/profile.js';
import type { ErrorCode } from '../../../src-shared/errors/codes.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { faultPoint } from '../util/fault.js';
import { readSmallFile } from '../util/read-small-file.js';
import { HashingStream } from '../util/hashing-stream.js';
import { downloadLimit, type PutOptions, type RemoteDestination, type RemoteHash, type RemoteObject, type RemoteSecrets } from './destination.js';
import { checkHostKey, fingerprint, knownHostsLine, readKnownHosts, type HostKeyVerdict } from './known-hosts.js';
import { PacedStream } from './pacer.js';

const CHUNK_FAULT_BYTES = 1024 * 1024;

/** Where to reach an SFTP server. */
export interface SftpTarget {
  readonly user: string;
  readonly host: string;
  readonly port: number;
  readonly path: string;
}

function classify(e: unknown, id: string, doing: string): LifeboatError {
  if (e instanceof LifeboatError) return e;
  const err = e as { code?: string | number; message?: string; level?: string };
  const msg = err.message ?? String(e);
  let code: ErrorCode = 'REMOTE_FAILED';
  if (/authentication methods failed|auth.*fail|permission denied \(publickey/i.test(msg) || err.level === 'client-authentication') code = 'REMOTE_AUTH_FAILED';
  else if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|timed out|No response from server|Not connected|connection lost|closed/i.test(`${err.code ?? ''} ${msg}`)) code = 'REMOTE_UNREACHABLE';
  else if (/no such file|ENOENT|not exist/i.test(`${err.code ?? ''} ${msg}`)) code = 'REMOTE_NOT_FOUND';
  else if (/quota|no space|disk full/i.test(msg)) code = 'REMOTE_FULL';
  return new LifeboatError(code, `SFTP ${doing} at ${id} failed: ${msg}`, { remote: id }, { cause: e });
}

/** Hex SHA-256 of everything a stream yields. */
async function hashPrefix(stream: NodeJS.ReadableStream): Promise<string> {
  const hs = new HashingStream();
  await pipeline(stream, hs, new Writable({ write: (_c, _e, cb) => cb() }));
  return hs.digest();
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A backup server over SSH through ssh2-sftp-client, with known_hosts checking. */
export class SftpDestination implements RemoteDestination {
  readonly kind = 'sftp' as const;
  private client: SftpClient | null = null;

  constructor(
    readonly id: string,
    private readonly target: SftpTarget,
    private readonly spec: RemoteSpec,
    private readonly secrets: RemoteSecrets = {},
  ) {}

  /** The private key file, bounded (its path is a spec's: no FIFO, device or huge file is read). */
  private async readKey(path: string): Promise<Buffer> {
    const key = await readSmallFile(path, 1024 * 1024, 'The SSH key', 'REMOTE_AUTH_FAILED');
    if (!key) throw new LifeboatError('REMOTE_AUTH_FAILED', `The SSH key ${path} does not exist. Check the key path of ${this.id}.`, { remote: this.id, path });
    return key;
  }

  private async connect(): Promise<SftpClient> {
    if (this.client) return this.client;
    const { host, port, user } = this.target;
    const knownHostsFile = this.spec.knownHosts ?? posix.join(homedir(), '.ssh', 'known_hosts');
    const known = await readKnownHosts(knownHostsFile);
    let verdict: { v: HostKeyVerdict; fp: string; line: string } | null = null;
    const client = new SftpClient('lifeboat');
    const auth = this.spec.sshKey
      ? { privateKey: await this.readKey(this.spec.sshKey), ...(this.secrets.sshKeyPassphrase ? { passphrase: this.secrets.sshKeyPassphrase } : {}) }
      : process.env.SSH_AUTH_SOCK
        ? { agent: process.env.SSH_AUTH_SOCK }
        : {};
    try {
      await client.connect({
        host,
        port,
        username: user,
        ...auth,
        ...(this.secrets.sshPassword ? { password: this.secrets.sshPassword } : {}),
        readyTimeout: 15_000,
        retries: 0,
        hostVerifier: (key: Buffer) => {
          verdict = { v: checkHostKey(known, host, port, key), fp: fingerprint(key), line: knownHostsLine(host, port, key) };
          return verdict.v === 'known';
        },
      });
    } catch (e) {
      await client.end().catch(() => undefined);
      const v = verdict as { v: HostKeyVerdict; fp: string; line: string } | null;
      if (v && v.v !== 'known') {
        const changed = v.v !== 'unknown';
        // The app shows this fingerprint and asks; the CLI prints it with the ssh-keyscan hint.
        throw new LifeboatError(
          changed ? 'REMOTE_HOST_CHANGED' : 'REMOTE_HOST_UNKNOWN',
          changed
            ? `The SSH host key of ${host}:${port} (${v.fp}) is not the one ${knownHostsFile} records${v.v === 'revoked' ? ' (it is marked @revoked)' : ''}. Not connecting.`
            : `The SSH host ${host}:${port} is not in ${knownHostsFile}; its key fingerprint is ${v.fp}. Check it and add it before uploading.`,
          // knownHostsLine lets the app add the key once the user has compared the fingerprint.
          { remote: this.id, host, port, fingerprint: v.fp, knownHosts: knownHostsFile, ...(changed ? {} : { knownHostsLine: v.line }) },
        );
      }
      throw classify(e, this.id, 'connection');
    }
    this.client = client;
    return client;
  }

  private path(name: string): string {
    return posix.join(this.target.path, name);
  }

  async put(localPath: string, name: string, opts: PutOptions): Promise<void> {
    const c = await this.connect();
    const final = this.path(name);
    // A reader never sees a half-written archive under its real name; a killed upload leaves only
    // this temporary name, which the next attempt resumes (when its bytes are proven ours) or overwrites.
    const temp = this.path(`.${name}.lifeboat-partial`);
    let paced: PacedStream | null = null;
    // Cancelling stops the stream where it is; what reached the server stays for the next sync to resume.
    const onAbort = (): void => void paced?.destroy(new Error('cancelled'));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      opts.signal?.throwIfAborted();
      await c.mkdir(this.target.path, true);
      opts.journal?.started(null);
      const from = await this.resumableBytes(temp, localPath, opts.size);
      if (from > 0) opts.journal?.resumed?.(from);
      opts.signal?.throwIfAborted();
      let sinceFault = 0;
      paced = new PacedStream(this.spec.bwlimitKiB, (n) => {
        opts.onBytes?.(n);
        sinceFault += n;
        if (sinceFault >= CHUNK_FAULT_BYTES) {
          sinceFault = 0;
          faultPoint('remote:uploading');
        }
      });
      if (from === 0) {
        const source = createReadStream(localPath);
        source.pipe(paced);
        // A fresh upload never opens what is under the temporary name: a symlink planted there would
        // be followed by a plain 'w' open, truncating the file it points at (another archive) and
        // leaving the link as the "copy". The name is removed (a link goes, not its target) and
        // created anew with O_EXCL, which the server does not follow.
        await c.delete(temp, true);
        // put(), not a bare stream: it also fails when the connection drops mid-way. (Its types know 'w' and 'a' only.)
        const exclusive = { writeStreamOptions: { flags: 'wx' } } as unknown as Parameters<SftpClient['put']>[2];
        await c.put(paced, temp, exclusive).finally(() => source.destroy());
      } else if (from < opts.size) {
        // Resuming writes at the proven offset of the existing file (r+: no truncation, and no
        // append that would land after bytes someone else added since the check).
        await pipeline(createReadStream(localPath, { start: from }), paced, c.createWriteStream(temp, { flags: 'r+', start: from }));
      }
      // The client can report success for a stream whose writes failed on the server (a full disk
      // gave a 1 MiB file for 3 MiB sent): the temp file must hold every byte before it is renamed.
      const landed = (await c.stat(temp)).size;
      if (landed !== opts.size) {
        await c.delete(temp, true).catch(() => undefined);
        const full = await this.freeSpaceShort(opts.size);
        throw full ?? new LifeboatError('REMOTE_FAILED', `SFTP upload of ${name} to ${this.id} arrived short: ${landed} of ${opts.size} bytes. It was removed; nothing is under the final name.`, { remote: this.id, landed, size: opts.size });
      }
      faultPoint('remote:uploaded');
      await c.posixRename(temp, final).catch(async () => {
        await c.delete(final, true);
        await c.rename(temp, final);
      });
    } catch (e) {
      if (opts.signal?.aborted) {
        throw new LifeboatError('CANCELLED', `The SFTP upload of ${name} to ${this.id} was cancelled. What was sent stays under a temporary name; the next sync resumes from it.`, { remote: this.id });
      }
      throw await this.diskFull(e, opts.size, `upload of ${name}`);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * How many bytes of an interrupted upload can be kept: the size of the temporary file left on
   * the server, but only when its SHA-256 equals that of the same prefix of the local archive
   * (hashed on the server with `sha256sum`, else read back over SFTP). Anything else (no file,
   * longer than the archive, different bytes, a hole a torn pipelined write left) restarts from 0.
   */
  private async resumableBytes(temp: string, localPath: string, size: number): Promise<number> {
    const c = await this.connect();
    // lstat: only a regular file is ours to append to; a symlink's size and bytes are its target's.
    const st = await (c as unknown as { lstat(p: string): Promise<{ isFile: boolean; size: number }> }).lstat(temp).catch(() => null);
    if (!st?.isFile) return 0;
    const have = st.size;
    if (have <= 0 || have > size) return 0;
    const local = await hashPrefix(createReadStream(localPath, { start: 0, end: have - 1 }));
    const remote = (await this.execSha256(temp, have)) ?? (await hashPrefix(c.createReadStream(temp, { start: 0, end: have - 1 })).catch(() => null));
    return remote === local ? have : 0;
  }

  /** SFTP reports a full disk as a bare "Failure": ask the server for its free space to tell. */
  private async diskFull(e: unknown, needed: number, doing: string): Promise<LifeboatError> {
    const err = classify(e, this.id, doing);
    if (err.code !== 'REMOTE_FAILED') return err;
    return (await this.freeSpaceShort(needed, doing)) ?? err;
  }

  /** REMOTE_FULL when the server's free space (statvfs@openssh.com) is below `needed`, else null. */
  private async freeSpaceShort(needed: number, doing = 'upload'): Promise<LifeboatError | null> {
    const sftp = (this.client as unknown as { sftp?: SFTPWrapper & { ext_openssh_statvfs?: (p: string, cb: (err: Error | undefined, st: { bavail: number; frsize: number }) => void) => void } })?.sftp;
    if (!sftp?.ext_openssh_statvfs) return null;
    const free = await new Promise<number | null>((resolve) => {
      try {
        sftp.ext_openssh_statvfs?.(this.target.path, (er: Error | undefined, st: { bavail: number; frsize: number }) => resolve(er ? null : st.bavail * st.frsize));
      } catch {
        resolve(null);
      }
    });
    if (free === null || free >= needed) return null;
    return new LifeboatError('REMOTE_FULL', `SFTP ${doing} at ${this.id} failed: the server has ${free} bytes free in ${this.target.path}, the archive needs ${needed}.`, { remote: this.id, free, needed });
  }

  async putSmall(name: string, body: Buffer): Promise<void> {
    const c = await this.connect();
    const temp = this.path(`.${name}.lifeboat-partial`);
    try {
      await c.mkdir(this.target.path, true);
      // As put(): the temporary name is created anew (O_EXCL), never opened through a planted link.
      await c.delete(temp, true);
      await c.put(body, temp, { writeStreamOptions: { flags: 'wx' } } as unknown as Parameters<SftpClient['put']>[2]);
      await c.posixRename(temp, this.path(name));
    } catch (e) {
      throw await this.diskFull(e, body.length, `upload of ${name}`);
    }
  }

  async stat(name: string): Promise<{ size: number } | null> {
    const c = await this.connect();
    const t = await c.exists(this.target.path).catch((e: unknown) => {
      throw classify(e, this.id, 'stat');
    });
    if (t !== 'd') throw new LifeboatError('REMOTE_NOT_FOUND', `The folder ${this.target.path} does not exist on ${this.id}.`, { remote: this.id });
    const s = await c.stat(this.path(name)).catch(() => null);
    return s ? { size: s.size } : null;
  }

  async hash(name: string): Promise<RemoteHash> {
    const c = await this.connect();
    const viaExec = await this.execSha256(this.path(name));
    if (viaExec) return { sha256: viaExec, how: 'remote-sha256sum' };
    const hs = new HashingStream();
    await pipeline(c.createReadStream(this.path(name)), hs, new Writable({ write: (_c, _e, cb) => cb() })).catch((e: unknown) => {
      throw classify(e, this.id, `read-back of ${name}`);
    });
    return { sha256: hs.digest(), how: 'read-back' };
  }

  /**
   * `sha256sum` on the server when a shell is allowed (an sftp-only account gets null), of the
   * whole file or of its first `prefix` bytes (`head -c`; any stderr, e.g. no `head`, gives null).
   */
  private async execSha256(path: string, prefix?: number): Promise<string | null> {
    const ssh = (this.client as unknown as { client?: SshClient }).client;
    if (!ssh) return null;
    const cmd = prefix === undefined ? `sha256sum -- ${shellQuote(path)}` : `head -c ${Math.floor(prefix)} -- ${shellQuote(path)} | sha256sum`;
    return new Promise((resolve) => {
      ssh.exec(cmd, (err, stream) => {
        if (err) return resolve(null);
        let out = '';
        let stderr = '';
        stream.on('data', (d: Buffer) => (out = (out + d.toString('latin1')).slice(0, 4096)));
        stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        // No stdin: an account forced into internal-sftp would otherwise wait for SFTP packets forever.
        stream.end();
        stream.on('close', (code: number | null) => {
          const m = /^([0-9a-f]{64})\s/.exec(out);
          resolve(code === 0 && stderr === '' && m?.[1] ? m[1] : null);
        });
      });
    });
  }

  async list(): Promise<RemoteObject[]> {
    const c = await this.connect();
    const entries = await c.list(this.target.path).catch((e: unknown) => {
      throw classify(e, this.id, 'listing');
    });
    return entries.filter((e) => e.type === '-').map((e) => ({ name: e.name, size: e.size }));
  }

  async get(name: string, localPath: string, onBytes?: (n: number) => void, maxBytes?: number): Promise<void> {
    const c = await this.connect();
    await pipeline(c.createReadStream(this.path(name)), new HashingStream(onBytes, downloadLimit(name, this.id, maxBytes)), createWriteStream(localPath, { flags: 'wx' })).catch((e: unknown) => {
      throw classify(e, this.id, `download of ${name}`);
    });
  }

  async getSmall(name: string, maxBytes: number): Promise<Buffer> {
    const c = await this.connect();
    const s = await c.stat(this.path(name)).catch((e: unknown) => {
      throw classify(e, this.id, `download of ${name}`);
    });
    const tooLarge = (): LifeboatError => new LifeboatError('REMOTE_FAILED', `${name} at ${this.id} is larger than ${maxBytes} bytes; it is not a Lifeboat sidecar.`, { remote: this.id });
    if (s.size > maxBytes) throw tooLarge();
    // The size above is the server's word: the read itself is bounded too (a file that grows, or a
    // server that serves more than it stated, would otherwise be read into memory until it ends).
    const chunks: Buffer[] = [];
    let got = 0;
    const sink = new Writable({
      write: (chunk: Buffer, _e, cb) => {
        got += chunk.length;
        if (got > maxBytes) return cb(tooLarge());
        chunks.push(chunk);
        return cb();
      },
    });
    await pipeline(c.createReadStream(this.path(name), { start: 0, end: maxBytes }), sink).catch((e: unknown) => {
      throw classify(e, this.id, `download of ${name}`);
    });
    return Buffer.concat(chunks);
  }

  async delete(name: string): Promise<void> {
    const c = await this.connect();
    await c.delete(this.path(name), true).catch((e: unknown) => {
      throw classify(e, this.id, `delete of ${name}`);
    });
  }

  async close(): Promise<void> {
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }
}
