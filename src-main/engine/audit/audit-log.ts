import { createHash } from 'node:crypto';
import { isAuditEventName, type AuditEventName } from '../../../src-shared/domain/audit-events.js';
import type { AuditOutcome } from '../../../src-shared/domain/enums.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { AuditEventView } from '../../../src-shared/ipc/contract.js';
import type { CatalogDb } from '../catalog/open-catalog.js';
import type { AuditHead, AuditHeadRecord } from './audit-head.js';

/** The hash that precedes the first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** One audit event as stored: what the Audit screen shows, plus the link to the event before. */
export interface AuditEvent extends Omit<AuditEventView, 'label' | 'targetLabel'> {
  readonly prevHash: string;
}

/** What a caller records. */
export interface NewAuditEvent {
  readonly actor: string;
  /** One of the closed list in src-shared/domain/audit-events.ts. */
  readonly action: AuditEventName;
  readonly target: string;
  readonly outcome: AuditOutcome;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Filters for the audit screen and `lifeboat audit list`. */
export interface AuditQuery {
  readonly action?: string | undefined;
  readonly outcome?: AuditOutcome | undefined;
  readonly actor?: string | undefined;
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly search?: string | undefined;
  readonly limit?: number | undefined;
  readonly offset?: number | undefined;
}

/** Result of walking the chain. */
export interface AuditVerification {
  readonly ok: boolean;
  readonly checked: number;
  readonly problem?: { readonly id: number; readonly reason: string };
}

interface AuditRow {
  id: number;
  ts: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  details: string;
  prev_hash: string;
  hash: string;
}

function hashEvent(prevHash: string, id: number, e: Omit<AuditRow, 'id' | 'prev_hash' | 'hash'>): string {
  // A fixed field order: the chain must hash identically on every machine and version.
  const canonical = JSON.stringify([prevHash, id, e.ts, e.actor, e.action, e.target, e.outcome, e.details]);
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * The append-only audit trail. Each row stores the previous row's hash and its own, so an edited,
 * inserted or deleted row breaks the chain from that point on.
 */
export class AuditLog {
  constructor(
    private readonly db: CatalogDb,
    private readonly clock: () => Date = () => new Date(),
    /** Where the chain's head is anchored outside the table (none: in-memory catalogs of tests). */
    private readonly head?: AuditHead,
  ) {
    // A catalog from before the head existed (no key yet): anchor its current end now.
    if (head?.read().kind === 'none') {
      const last = db.prepare('SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1').get() as AuditHeadRecord | undefined;
      if (last) head.record(last);
    }
  }

  append(e: NewAuditEvent): AuditEvent {
    // The type closes the list for TypeScript callers; this closes it for casts and plain JS.
    if (!isAuditEventName(e.action)) {
      throw new LifeboatError('INTERNAL', `Audit event "${String(e.action)}" is not in the list of audit events; add it to src-shared/domain/audit-events.ts.`, { action: e.action });
    }
    const write = this.db.transaction((): AuditRow => {
      const last = this.db.prepare('SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1').get() as { id: number; hash: string } | undefined;
      const id = (last?.id ?? 0) + 1;
      const prev = last?.hash ?? GENESIS_HASH;
      const base = {
        ts: this.clock().toISOString(),
        actor: e.actor,
        action: e.action,
        target: e.target,
        outcome: e.outcome,
        details: JSON.stringify(e.details ?? {}),
      };
      const row: AuditRow = { id, ...base, prev_hash: prev, hash: hashEvent(prev, id, base) };
      this.db
        .prepare(
          `INSERT INTO audit_events (id, ts, actor, action, target, outcome, details, prev_hash, hash)
           VALUES (@id, @ts, @actor, @action, @target, @outcome, @details, @prev_hash, @hash)`,
        )
        .run(row);
      return row;
    });
    // IMMEDIATE: two processes appending at once must not both read the same "last" row.
    const row = write.immediate();
    this.head?.record({ id: row.id, hash: row.hash });
    return toEvent(row);
  }

  /** Filtered, newest first, with the total matching count. */
  query(q: AuditQuery): { rows: AuditEvent[]; total: number } {
    const filters: [string, unknown][] = [
      ['action LIKE @action', q.action ? `${q.action}%` : undefined],
      ['outcome = @outcome', q.outcome],
      ['actor = @actor', q.actor],
      ['ts >= @since', q.since],
      ['ts <= @until', q.until],
      [`(target LIKE @search OR details LIKE @search OR action LIKE @search)`, q.search ? `%${q.search}%` : undefined],
    ];
    const active = filters.filter(([, v]) => v !== undefined && v !== '');
    const where = active.length ? `WHERE ${active.map(([s]) => s).join(' AND ')}` : '';
    const params = Object.fromEntries(active.map(([sql, v]) => [/@(\w+)/.exec(sql)?.[1] ?? '', v]));
    const total = (this.db.prepare(`SELECT count(*) AS n FROM audit_events ${where}`).get(params) as { n: number }).n;
    const rows = this.db.prepare(`SELECT * FROM audit_events ${where} ORDER BY id DESC LIMIT @limit OFFSET @offset`).all({ ...params, limit: q.limit ?? 100, offset: q.offset ?? 0 }) as AuditRow[];
    return { rows: rows.map(toEvent), total };
  }

  list(limit = 100, offset = 0): AuditEvent[] {
    const rows = this.db.prepare('SELECT * FROM audit_events ORDER BY id DESC LIMIT ? OFFSET ?').all(limit, offset) as AuditRow[];
    return rows.map(toEvent);
  }

  verify(): AuditVerification {
    let prev = GENESIS_HASH;
    let expectedId = 1;
    let checked = 0;
    for (const row of this.db.prepare('SELECT * FROM audit_events ORDER BY id').iterate() as Iterable<AuditRow>) {
      if (row.id !== expectedId) return { ok: false, checked, problem: { id: row.id, reason: `row ${expectedId} is missing (deleted)` } };
      if (row.prev_hash !== prev) return { ok: false, checked, problem: { id: row.id, reason: 'prev_hash does not match the previous row' } };
      const { id, prev_hash: _p, hash, ...rest } = row;
      if (hashEvent(prev, id, rest) !== hash) return { ok: false, checked, problem: { id, reason: 'row content does not match its hash (edited)' } };
      prev = hash;
      expectedId += 1;
      checked += 1;
    }
    return this.checkHead(checked);
  }

  /** The chain's end against the head kept outside the table: catches deleted newest rows. */
  private checkHead(checked: number): AuditVerification {
    if (!this.head) return { ok: true, checked };
    const state = this.head.read();
    switch (state.kind) {
      case 'none':
        return checked === 0 ? { ok: true, checked } : { ok: false, checked, problem: { id: checked, reason: 'the audit head file (audit-head.json) is missing, so the end of the chain cannot be proven' } };
      case 'missing':
        return { ok: false, checked, problem: { id: checked, reason: 'the audit head file (audit-head.json) was deleted: the end of the chain cannot be proven' } };
      case 'invalid':
        return { ok: false, checked, problem: { id: checked, reason: 'the audit head file (audit-head.json) was altered: its signature does not match' } };
      case 'ok': {
        const { head } = state;
        if (head.id > checked) {
          return { ok: false, checked, problem: { id: head.id, reason: `rows ${checked + 1}–${head.id} are missing: the chain ends at row ${checked}, but its head, kept outside the table, records row ${head.id} (the newest rows were deleted)` } };
        }
        const row = this.db.prepare('SELECT hash FROM audit_events WHERE id = ?').get(head.id) as { hash: string } | undefined;
        if (head.id > 0 && row?.hash !== head.hash) return { ok: false, checked, problem: { id: head.id, reason: `row ${head.id} does not match the head recorded outside the table (rewritten)` } };
        return { ok: true, checked };
      }
    }
  }
}

function toEvent(row: AuditRow): AuditEvent {
  return {
    id: row.id,
    ts: row.ts,
    actor: row.actor,
    action: row.action,
    target: row.target,
    outcome: row.outcome as AuditOutcome,
    details: JSON.parse(row.details) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
