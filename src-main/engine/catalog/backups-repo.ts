import type { BackupRecord, BackupSummary, BackupWarning, HistoryPage, HistoryQuery } from '../../../src-shared/domain/backup.js';
import type { ArchiveFormat, BackupType, Trigger } from '../../../src-shared/domain/enums.js';
import type { ErrorInfo } from '../../../src-shared/errors/lifeboat-error.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { CatalogDb } from './open-catalog.js';

interface BackupRow {
  id: string;
  file_name: string;
  path: string;
  format: string;
  type: string;
  status: string;
  trigger: string;
  size: number | null;
  sha256: string | null;
  description: string;
  created_by: string;
  host: string;
  pid: number | null;
  created_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  error_code: string | null;
  error_message: string | null;
  summary: string | null;
  warnings: string;
  profile: string | null;
  verified_at: string | null;
}

/** What a new RUNNING row needs. */
export interface NewBackup {
  readonly id: string;
  readonly fileName: string;
  readonly path: string;
  readonly format: ArchiveFormat;
  readonly type: BackupType;
  readonly trigger: Trigger;
  readonly description: string;
  readonly createdBy: string;
  readonly host: string;
  readonly pid: number;
  readonly createdAt: string;
  readonly profile: string | null;
  readonly searchText: string;
}

/** A RUNNING row whose process is gone. */
export interface InterruptedBackup {
  readonly id: string;
  readonly path: string;
}

function toRecord(row: BackupRow): BackupRecord {
  // The CHECK constraints guarantee the enum columns hold values from the shared arrays.
  return {
    id: row.id,
    fileName: row.file_name,
    path: row.path,
    format: row.format as BackupRecord['format'],
    type: row.type as BackupRecord['type'],
    status: row.status as BackupRecord['status'],
    trigger: row.trigger as BackupRecord['trigger'],
    size: row.size,
    sha256: row.sha256,
    description: row.description,
    createdBy: row.created_by,
    host: row.host,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    errorCode: row.error_code as BackupRecord['errorCode'],
    errorMessage: row.error_message,
    summary: row.summary ? (JSON.parse(row.summary) as BackupSummary) : null,
    warnings: JSON.parse(row.warnings) as BackupWarning[],
    profile: row.profile,
    verifiedAt: row.verified_at,
  };
}

/** Sortable History columns and the SQL they sort by: a closed map, so no caller text reaches ORDER BY. */
const SORT_COLUMNS = {
  createdAt: 'created_at',
  profile: 'profile',
  type: 'type',
  size: 'size',
  durationMs: 'duration_ms',
  status: 'status',
  trigger: 'trigger',
  createdBy: 'created_by',
} as const;

/** How a History page is ordered (default: newest first). */
export interface HistorySort {
  readonly sortBy?: keyof typeof SORT_COLUMNS;
  readonly sortDir?: 'asc' | 'desc';
}

function orderBy(q: HistorySort): string {
  const column = Object.hasOwn(SORT_COLUMNS, q.sortBy ?? '') ? SORT_COLUMNS[q.sortBy as keyof typeof SORT_COLUMNS] : 'created_at';
  const dir = q.sortDir === 'asc' ? 'ASC' : 'DESC';
  // NULLs (no size yet, ad-hoc profile) sort last either way; ties fall back to newest first.
  return `${column} IS NULL, ${column} ${dir}, created_at DESC, id`;
}

/** The `backups` table: one row per backup attempt, whatever its outcome. */
export class BackupsRepo {
  constructor(private readonly db: CatalogDb) {}

  insertRunning(b: NewBackup): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO backups (id, file_name, path, format, type, status, trigger, description, created_by, host, pid, created_at, profile)
           VALUES (@id, @fileName, @path, @format, @type, 'RUNNING', @trigger, @description, @createdBy, @host, @pid, @createdAt, @profile)`,
        )
        .run(b);
      this.db.prepare('INSERT INTO backups_search (id, body) VALUES (?, ?)').run(b.id, b.searchText.toLowerCase());
    })();
  }

  markCompleted(
    id: string,
    r: { size: number; sha256: string; finishedAt: string; durationMs: number; summary: BackupSummary; warnings: readonly BackupWarning[] },
  ): void {
    this.db
      .prepare(
        `UPDATE backups SET status = 'COMPLETED', size = ?, sha256 = ?, finished_at = ?, duration_ms = ?, summary = ?, warnings = ?, pid = NULL
         WHERE id = ? AND status = 'RUNNING'`,
      )
      .run(r.size, r.sha256, r.finishedAt, r.durationMs, JSON.stringify(r.summary), JSON.stringify(r.warnings), id);
  }

  markFailed(id: string, error: ErrorInfo, finishedAt: string, durationMs: number | null): void {
    this.db
      .prepare(
        `UPDATE backups SET status = 'FAILED', error_code = ?, error_message = ?, finished_at = ?, duration_ms = ?, pid = NULL
         WHERE id = ? AND status IN ('PENDING', 'RUNNING')`,
      )
      .run(error.code, error.message, finishedAt, durationMs, id);
  }

  markVerified(id: string, at: string): void {
    this.db.prepare('UPDATE backups SET verified_at = ? WHERE id = ?').run(at, id);
  }

  /** Find by full id or a unique prefix of at least 4 characters. */
  get(idOrPrefix: string): BackupRecord | undefined {
    const exact = this.db.prepare('SELECT * FROM backups WHERE id = ?').get(idOrPrefix) as BackupRow | undefined;
    if (exact) return toRecord(exact);
    if (idOrPrefix.length < 4 || !/^[0-9a-f-]+$/i.test(idOrPrefix)) return undefined;
    const rows = this.db.prepare('SELECT * FROM backups WHERE id LIKE ? LIMIT 2').all(`${idOrPrefix.toLowerCase()}%`) as BackupRow[];
    if (rows.length > 1) {
      throw new LifeboatError('USAGE', `The id prefix "${idOrPrefix}" matches more than one backup. Give more characters.`, { prefix: idOrPrefix });
    }
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** Every COMPLETED backup of a profile (null: the safety backups), newest first. */
  completedOf(profile: string | null, trigger?: BackupRecord['trigger']): BackupRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM backups WHERE status = 'COMPLETED' AND profile IS ? AND (? IS NULL OR trigger = ?) ORDER BY created_at DESC`,
      )
      .all(profile, trigger ?? null, trigger ?? null) as BackupRow[];
    return rows.map(toRecord);
  }

  /** Every COMPLETED backup with an archive, for housekeeping. */
  allCompleted(): BackupRecord[] {
    return (this.db.prepare(`SELECT * FROM backups WHERE status = 'COMPLETED'`).all() as BackupRow[]).map(toRecord);
  }

  /** A COMPLETED backup whose archive has this SHA-256 (duplicate imports). */
  findBySha256(sha256: string): BackupRecord | undefined {
    const row = this.db.prepare(`SELECT * FROM backups WHERE (sha256 = ? OR origin_sha256 = ?) AND status = 'COMPLETED' LIMIT 1`).get(sha256, sha256) as
      | BackupRow
      | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** Register an archive that was written elsewhere (import, doctor) as COMPLETED. */
  insertCompleted(b: NewBackup & { size: number; sha256: string; finishedAt: string; summary: BackupSummary; warnings: readonly BackupWarning[]; verifiedAt: string | null }): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO backups (id, file_name, path, format, type, status, trigger, size, sha256, description, created_by, host, created_at, finished_at, summary, warnings, profile, verified_at)
           VALUES (@id, @fileName, @path, @format, @type, 'COMPLETED', @trigger, @size, @sha256, @description, @createdBy, @host, @createdAt, @finishedAt, @summary, @warnings, @profile, @verifiedAt)`,
        )
        .run({ ...b, summary: JSON.stringify(b.summary), warnings: JSON.stringify(b.warnings) });
      this.db.prepare('INSERT INTO backups_search (id, body) VALUES (?, ?)').run(b.id, b.searchText.toLowerCase());
    })();
  }

  /** Record the SHA-256 of the file a backup was imported from. */
  setOrigin(id: string, sha256: string): void {
    this.db.prepare('UPDATE backups SET origin_sha256 = ? WHERE id = ?').run(sha256, id);
  }

  /** Remove a row (its archive is gone); the audit trail keeps the record of it. */
  delete(id: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM backups WHERE id = ?').run(id);
      this.db.prepare('DELETE FROM backups_search WHERE id = ?').run(id);
    })();
  }

  /** Mark a COMPLETED row whose archive vanished from disk. */
  markMissing(id: string, at: string): void {
    this.db
      .prepare(`UPDATE backups SET status = 'FAILED', error_code = 'NOT_FOUND', error_message = ?, finished_at = coalesce(finished_at, ?) WHERE id = ?`)
      .run(`the archive file is missing from disk (found by doctor at ${at})`, at, id);
  }

  /** Aggregates for the dashboard. */
  stats(): { completed: number; bytes: number; latest: BackupRecord | undefined; lastVerified: BackupRecord | undefined; recent: BackupRecord[]; throughput: number | null } {
    const agg = this.db.prepare(`SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM backups WHERE status = 'COMPLETED'`).get() as { n: number; bytes: number };
    const latest = this.db.prepare('SELECT * FROM backups ORDER BY created_at DESC LIMIT 1').get() as BackupRow | undefined;
    const verified = this.db.prepare(`SELECT * FROM backups WHERE verified_at IS NOT NULL AND status = 'COMPLETED' ORDER BY verified_at DESC LIMIT 1`).get() as BackupRow | undefined;
    const recent = this.db.prepare(`SELECT * FROM backups WHERE status IN ('COMPLETED', 'FAILED') ORDER BY created_at DESC LIMIT 30`).all() as BackupRow[];
    const tp = this.db
      .prepare(`SELECT sum(size) AS b, sum(duration_ms) AS ms FROM (SELECT size, duration_ms FROM backups WHERE status = 'COMPLETED' AND duration_ms > 0 ORDER BY created_at DESC LIMIT 20)`)
      .get() as { b: number | null; ms: number | null };
    return {
      completed: agg.n,
      bytes: agg.bytes,
      latest: latest ? toRecord(latest) : undefined,
      lastVerified: verified ? toRecord(verified) : undefined,
      recent: recent.map(toRecord),
      throughput: tp.b && tp.ms ? (tp.b / tp.ms) * 1000 : null,
    };
  }

  /**
   * One profile's health figures, in one read: its newest finished run (COMPLETED or FAILED; a
   * RUNNING row has no result yet), its two newest COMPLETED rows (for the size trend), and how
   * many FAILED rows follow its newest COMPLETED one (every failure if it never succeeded).
   */
  healthOf(profile: string): { latestRun: BackupRecord | undefined; lastTwoCompleted: BackupRecord[]; consecutiveFailures: number } {
    return this.db.transaction(() => {
      const latest = this.db
        .prepare(`SELECT * FROM backups WHERE profile = ? AND status IN ('COMPLETED', 'FAILED') ORDER BY created_at DESC, rowid DESC LIMIT 1`)
        .get(profile) as BackupRow | undefined;
      const completed = this.db
        .prepare(`SELECT rowid AS row_order, * FROM backups WHERE profile = ? AND status = 'COMPLETED' ORDER BY created_at DESC, rowid DESC LIMIT 2`)
        .all(profile) as (BackupRow & { row_order: number })[];
      // "After" is by time, then by insertion order: a failure in the same millisecond as the success still counts.
      const failures = this.db
        .prepare(`SELECT count(*) AS n FROM backups WHERE profile = ? AND status = 'FAILED' AND (created_at, rowid) > (?, ?)`)
        .get(profile, completed[0]?.created_at ?? '', completed[0]?.row_order ?? -1) as { n: number };
      return { latestRun: latest ? toRecord(latest) : undefined, lastTwoCompleted: completed.map(toRecord), consecutiveFailures: failures.n };
    })();
  }

  /** Rows by status over the whole catalog: what History's unfiltered count is made of. */
  countByStatus(): Record<string, number> {
    const rows = this.db.prepare('SELECT status, count(*) AS n FROM backups GROUP BY status').all() as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /** The newest row whose archive is at `path`. */
  findByPath(path: string): BackupRecord | undefined {
    const row = this.db.prepare('SELECT * FROM backups WHERE path = ? ORDER BY created_at DESC LIMIT 1').get(path) as BackupRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  query(q: HistoryQuery & HistorySort): HistoryPage {
    const filters: [string, unknown][] = [
      ['status = @status', q.status],
      ['type = @type', q.type],
      ['trigger = @trigger', q.trigger],
      ['profile = @profile', q.profile],
      ['created_at >= @since', q.since],
      ['created_at <= @until', q.until],
      // The trigram index serves LIKE '%text%'; user text is escaped so % and _ match literally.
      [`id IN (SELECT id FROM backups_search WHERE body LIKE @search ESCAPE '\\')`, q.search ? `%${q.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined],
    ];
    const active = filters.filter(([, v]) => v !== undefined && v !== '');
    const where = active.map(([sql]) => sql);
    const params = Object.fromEntries(active.map(([sql, v]) => [/@(\w+)/.exec(sql)?.[1] ?? '', v]));
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT count(*) AS n FROM backups ${clause}`).get(params) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT * FROM backups ${clause} ORDER BY ${orderBy(q)} LIMIT @limit OFFSET @offset`)
      .all({ ...params, limit: q.limit ?? 100, offset: q.offset ?? 0 }) as BackupRow[];
    return { rows: rows.map(toRecord), total };
  }

  /** The newest COMPLETED backup of a profile, the baseline for drop warnings. */
  lastCompleted(profile: string): BackupRecord | undefined {
    const row = this.db
      .prepare(`SELECT * FROM backups WHERE profile = ? AND status = 'COMPLETED' ORDER BY created_at DESC LIMIT 1`)
      .get(profile) as BackupRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** When a profile last ran with this trigger, whatever the outcome. */
  lastAttempt(profile: string, trigger: BackupRecord['trigger']): BackupRecord | undefined {
    const row = this.db.prepare('SELECT * FROM backups WHERE profile = ? AND trigger = ? ORDER BY created_at DESC LIMIT 1').get(profile, trigger) as BackupRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** RUNNING rows of a profile whose owning process is still alive. */
  runningForProfile(profile: string, isAlive: (host: string, pid: number | null) => boolean): BackupRecord[] {
    const rows = this.db.prepare(`SELECT * FROM backups WHERE profile = ? AND status = 'RUNNING'`).all(profile) as BackupRow[];
    return rows.filter((r) => isAlive(r.host, r.pid)).map(toRecord);
  }

  /**
   * Mark RUNNING rows whose process is gone as FAILED/INTERRUPTED and return them, so the caller
   * can delete their partial files. Rows owned by a live process (another Lifeboat) are left alone.
   */
  failInterrupted(isAlive: (host: string, pid: number | null) => boolean, now: string): InterruptedBackup[] {
    const rows = this.db.prepare(`SELECT * FROM backups WHERE status IN ('PENDING', 'RUNNING')`).all() as BackupRow[];
    const dead = rows.filter((r) => !isAlive(r.host, r.pid));
    for (const r of dead) {
      this.markFailed(
        r.id,
        { code: 'INTERRUPTED', message: `interrupted: the process (pid ${r.pid ?? '?'} on ${r.host}) stopped before the backup finished` },
        now,
        null,
      );
    }
    return dead.map((r) => ({ id: r.id, path: r.path }));
  }
}
