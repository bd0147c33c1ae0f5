/* eslint-disable no-restricted-syntax -- the audit trail is appended in better-sqlite3's synchronous transactions; its head is one tiny file written right after each commit, so the sync calls here never block on data-sized work. */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The newest audit row, as last recorded outside the table it protects. */
export interface AuditHeadRecord {
  readonly id: number;
  readonly hash: string;
}

/** What the head file says: a record, nothing ever recorded, or a file that fails its signature. */
export type HeadState = { readonly kind: 'ok'; readonly head: AuditHeadRecord } | { readonly kind: 'none' } | { readonly kind: 'missing' } | { readonly kind: 'invalid' };

/**
 * The audit chain's head, anchored outside the catalog: `audit-head.json` holds the newest row's
 * id and hash with an HMAC under a key of its own (`audit-key`, 0600). Deleting the newest rows
 * from the table no longer verifies, because the head still names them. Once a key exists, a
 * head must exist too: deleting the head file is itself detected.
 */
export class AuditHead {
  private readonly headPath: string;
  private readonly keyPath: string;

  constructor(dir: string) {
    this.headPath = join(dir, 'audit-head.json');
    this.keyPath = join(dir, 'audit-key');
  }

  private key(create: boolean): Buffer | null {
    if (existsSync(this.keyPath)) return readFileSync(this.keyPath);
    if (!create) return null;
    const key = randomBytes(32);
    writeFileSync(this.keyPath, key, { mode: 0o600, flag: 'wx' });
    return key;
  }

  private mac(key: Buffer, h: AuditHeadRecord): string {
    return createHmac('sha256', key).update(`${h.id}:${h.hash}`).digest('hex');
  }

  /** Read and check the head file. */
  read(): HeadState {
    const key = this.key(false);
    if (!existsSync(this.headPath)) return key ? { kind: 'missing' } : { kind: 'none' };
    try {
      const raw = JSON.parse(readFileSync(this.headPath, 'utf8')) as { id?: unknown; hash?: unknown; mac?: unknown };
      if (!key || typeof raw.id !== 'number' || typeof raw.hash !== 'string' || typeof raw.mac !== 'string') return { kind: 'invalid' };
      const head = { id: raw.id, hash: raw.hash };
      const want = Buffer.from(this.mac(key, head), 'hex');
      const got = Buffer.from(raw.mac, 'hex');
      return want.length === got.length && timingSafeEqual(want, got) ? { kind: 'ok', head } : { kind: 'invalid' };
    } catch {
      return { kind: 'invalid' };
    }
  }

  /** Record a new head (never moves back: a slower writer of an older row does not win). Durable before returning. */
  record(h: AuditHeadRecord): void {
    const current = this.read();
    if (current.kind === 'ok' && current.head.id >= h.id) return;
    const key = this.key(true) as Buffer;
    const tmp = `${this.headPath}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify({ ...h, mac: this.mac(key, h) }));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.headPath);
  }
}
