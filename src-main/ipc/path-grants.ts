import { randomBytes, timingSafeEqual } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { basename, isAbsolute, normalize } from 'node:path';
import type { GrantKind, PathRef } from '../../src-shared/ipc/contract.js';
import { LifeboatError } from '../../src-shared/errors/lifeboat-error.js';

/** How long a grant stays usable: long enough to walk the restore wizard, short enough not to linger. */
export const GRANT_TTL_MS = 30 * 60_000;
/** Grants kept at once; the oldest go first (a page minting in a loop cannot grow main's memory). */
const MAX_GRANTS = 256;

interface Grant {
  readonly path: string;
  readonly kind: GrantKind;
  readonly expiresAt: number;
}

// Issue 14: an encrypted Lifeboat archive (.zip.age, .tar.gz.age) is dropped like any other.
const ARCHIVE_NAME = /\.(zip|tar\.gz|tgz)(\.age)?$/i;

/**
 * The capability table for renderer-supplied paths. A grant is minted only by main: when the user
 * picks a path in a native dialog, or drops a file (the preload reads the File's path). The renderer
 * gets `{token, displayPath}` and sends it back; main resolves the token, checks it was minted for
 * that same path and for a kind the request accepts, and a write consumes it (single use).
 * A hand-typed path, a guessed or reused token, or a token for another path are all refused.
 */
export class PathGrants {
  private readonly grants = new Map<string, Grant>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Mint a grant for a path the user chose in a main-process dialog. */
  mint(path: string, kind: GrantKind): PathRef {
    this.prune();
    while (this.grants.size >= MAX_GRANTS) {
      const oldest = this.grants.keys().next().value;
      if (oldest === undefined) break;
      this.grants.delete(oldest);
    }
    const token = randomBytes(32).toString('hex');
    this.grants.set(token, { path, kind, expiresAt: this.now() + GRANT_TTL_MS });
    return { token, displayPath: path };
  }

  /**
   * Mint a read-only `archive` grant for a dropped file. The path comes from the preload; it must be
   * an absolute path to a regular file named like an archive, so even a forged call can only name
   * an archive to read, never a place to write.
   */
  async mintDropped(path: string): Promise<PathRef> {
    if (!isAbsolute(path) || normalize(path) !== path) {
      throw new LifeboatError('IPC_REJECTED', `A dropped file must come with its absolute path; got "${path.slice(0, 200)}". Drop the file from the file manager again.`);
    }
    if (!ARCHIVE_NAME.test(basename(path))) {
      throw new LifeboatError('ARCHIVE_INVALID', `${basename(path)} is not a backup archive. Drop a .zip or .tar.gz file (or an encrypted .zip.age / .tar.gz.age).`, { path });
    }
    const st = await lstat(path).catch(() => null);
    if (!st?.isFile()) throw new LifeboatError('NOT_FOUND', `${path} is not a regular file (missing, a folder or a link). Drop the archive file itself.`, { path });
    return this.mint(path, 'archive');
  }

  /** The path a grant stands for, checked but not used up (previews, plans). */
  peek(ref: PathRef, accept: readonly GrantKind[], what: string): string {
    return this.check(ref, accept, what).path;
  }

  /** The path a grant stands for; the grant is used up (writes, deletes, imports). */
  take(ref: PathRef, accept: readonly GrantKind[], what: string): string {
    const g = this.check(ref, accept, what);
    this.grants.delete(ref.token);
    return g.path;
  }

  /** Use up grants after the request they served succeeded. */
  consume(refs: readonly PathRef[]): void {
    for (const r of refs) this.grants.delete(r.token);
  }

  private check(ref: PathRef, accept: readonly GrantKind[], what: string): Grant {
    this.prune();
    const g = this.grants.get(ref.token);
    if (!g) {
      throw new LifeboatError('IPC_REJECTED', `Refused ${what}: its path token is unknown, expired or already used. Choose the location again with its "Choose…" button.`);
    }
    if (!sameText(g.path, ref.displayPath)) {
      throw new LifeboatError('IPC_REJECTED', `Refused ${what}: the path token was issued for ${g.path}, not for ${ref.displayPath.slice(0, 300)}. Choose the location again.`);
    }
    if (!accept.includes(g.kind)) {
      throw new LifeboatError('IPC_REJECTED', `Refused ${what}: ${g.path} was chosen as a ${g.kind}, and ${what} needs a ${accept.join(' or ')}. Choose it again with the right button.`);
    }
    return g;
  }

  private prune(): void {
    const t = this.now();
    for (const [k, g] of this.grants) if (g.expiresAt <= t) this.grants.delete(k);
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
