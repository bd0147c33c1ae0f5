import type { RestoreStatus } from '../../../src-shared/domain/enums.js';
import type { ErrorInfo } from '../../../src-shared/errors/lifeboat-error.js';
import type { CatalogDb } from '../catalog/open-catalog.js';

/**
 * One mutation of a target, recorded *before* it is made, so a rollback (after an error, or
 * after `kill -9` on the next start) knows exactly what to undo.
 */
export type JournalStep =
  /** A folder target: `old` holds the previous tree (if `existed`); `staged` is the new one. */
  /** `ino`: the staged tree's device:inode, recorded before it is renamed in; rollback removes only that tree. */
  | { readonly kind: 'folder'; readonly target: string; readonly old: string; readonly staged: string; readonly existed: boolean; ino?: string }
  /** A SQLite target: `aside` holds a copy of the previous database (if `existed`). */
  /** `phase` is 'saving' while the aside copy is written (the target is untouched), then 'replacing'. */
  /** `ino`: for a new target, the device:inode of the file linked into place; rollback removes only that file. */
  | { readonly kind: 'sqlite'; readonly target: string; readonly aside: string; readonly existed: boolean; phase: 'saving' | 'replacing'; ino?: string }
  /** A PostgreSQL target: the new database `staged` replaces `database`, whose old copy is renamed to `old`. */
  | {
      readonly kind: 'postgres';
      readonly url: string;
      readonly database: string;
      readonly staged: string;
      readonly old: string;
      readonly existed: boolean;
      phase: 'restoring' | 'renamed-old' | 'swapped';
    }
  /**
   * A MariaDB / MySQL target. The dump is first restored into `staged` and checked. MariaDB has no
   * RENAME DATABASE, and RENAME TABLE cannot move triggers or views to another database, so the
   * old state is kept as a whole dump at `aside` ('saving': the target is untouched), then the
   * target is dropped and loaded ('replacing'); rollback reloads `aside`.
   */
  | {
      readonly kind: 'mysql';
      readonly url: string;
      readonly database: string;
      readonly staged: string;
      readonly aside: string;
      readonly existed: boolean;
      phase: 'restoring' | 'saving' | 'replacing';
    }
  /**
   * A whole-server PostgreSQL restore's globals (issue 13): the roles and tablespaces this restore
   * created on the server at `url`, each recorded before its CREATE; rollback drops exactly those.
   */
  | { readonly kind: 'pg-globals'; readonly url: string; readonly target: string; readonly roles: string[]; readonly tablespaces: string[] }
  /**
   * Part of a folder target (file-level restore): each of `roots` (relative to `target`) is moved
   * into `old` if it exists, then its staged copy (device:inode in `inos`) is renamed in from `staged`.
   */
  | { readonly kind: 'paths'; readonly target: string; readonly staged: string; readonly old: string; readonly roots: readonly string[]; readonly inos: readonly string[] };

/**
 * The restore's named steps, in order. The journal records the step *before* it runs. Recovery
 * after a crash follows one rule: before `commit` the new state is not yet proven, so every target
 * is rolled back; from `commit` on, the new state is in place, durable and checked, so recovery
 * rolls forward (only the old state is removed, the new one is never touched).
 */
export const RESTORE_PHASES = ['plan', 'stage', 'safety', 'swap', 'check', 'commit', 'done'] as const;
/** One step of the restore state machine. */
export type RestorePhase = (typeof RESTORE_PHASES)[number];

/** True once a restore has passed the point of no return: recovery must roll it forward. */
export function rollsForward(journal: RestoreJournal): boolean {
  return journal.phase === 'commit' || journal.phase === 'done';
}

/** The journal of one restore. */
export interface RestoreJournal {
  /** The step under way (absent in journals written before phases existed: treated as before commit). */
  phase?: RestorePhase;
  /** Old state the commit could not remove yet (reported, retried on every start); never the new state. */
  leftovers?: string[];
  readonly steps: JournalStep[];
  /** Staging paths to delete on commit or rollback. */
  readonly scratch: string[];
  /** Folders the restore created for its targets: removed again (if empty) on rollback only. */
  readonly created?: string[];
}

/** A restore row. */
export interface RestoreRow {
  readonly id: string;
  readonly backupId: string | null;
  readonly archivePath: string;
  readonly status: RestoreStatus;
  readonly host: string;
  readonly pid: number | null;
  readonly journal: RestoreJournal;
}

interface Row {
  id: string;
  backup_id: string | null;
  archive_path: string;
  status: string;
  host: string;
  pid: number | null;
  journal: string;
}

const toRow = (r: Row): RestoreRow => ({
  id: r.id,
  backupId: r.backup_id,
  archivePath: r.archive_path,
  status: r.status as RestoreStatus,
  host: r.host,
  pid: r.pid,
  journal: parseJournal(r.journal),
});

/**
 * A journal as stored, made whole: a row written before its first journal save (`{}`), or by an
 * older version, still recovers instead of stopping every start with a TypeError.
 */
export function parseJournal(text: string): RestoreJournal {
  let raw: Partial<RestoreJournal>;
  try {
    raw = JSON.parse(text) as Partial<RestoreJournal>;
  } catch {
    raw = {};
  }
  return {
    ...(raw.phase ? { phase: raw.phase } : {}),
    ...(raw.leftovers ? { leftovers: raw.leftovers } : {}),
    steps: Array.isArray(raw.steps) ? raw.steps : [],
    scratch: Array.isArray(raw.scratch) ? raw.scratch : [],
    created: Array.isArray(raw.created) ? raw.created : [],
  };
}

/** The `restores` table: one row per restore, with its journal kept current step by step. */
export class RestoresRepo {
  constructor(private readonly db: CatalogDb) {}

  /** Insert a RUNNING row together with its first journal (never a row without one). */
  insert(r: { id: string; backupId: string | null; archivePath: string; archiveSha256: string; startedBy: string; host: string; startedAt: string; targets: unknown; journal: RestoreJournal }): void {
    this.db
      .prepare(
        `INSERT INTO restores (id, backup_id, archive_path, archive_sha256, status, started_by, host, pid, started_at, targets, journal)
         VALUES (?, ?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?)`,
      )
      .run(r.id, r.backupId, r.archivePath, r.archiveSha256, r.startedBy, r.host, process.pid, r.startedAt, JSON.stringify(r.targets), JSON.stringify(r.journal));
  }

  /**
   * Claim an interrupted restore for recovery: its pid becomes this process's, only if it still is
   * the dead one it was seen with (one statement, so two processes starting together cannot both
   * recover it). A recovery that dies leaves a dead pid again, so the next start claims it anew.
   */
  claim(id: string, deadPid: number | null, host: string): boolean {
    return this.db.prepare(`UPDATE restores SET pid = ?, host = ? WHERE id = ? AND status = 'RUNNING' AND pid IS ?`).run(process.pid, host, id, deadPid).changes === 1;
  }

  saveJournal(id: string, journal: RestoreJournal, safetyBackupId?: string): void {
    this.db.prepare('UPDATE restores SET journal = ?, safety_backup_id = coalesce(?, safety_backup_id) WHERE id = ?').run(JSON.stringify(journal), safetyBackupId ?? null, id);
  }

  finish(id: string, status: Exclude<RestoreStatus, 'RUNNING'>, at: string, error?: ErrorInfo): void {
    this.db
      .prepare('UPDATE restores SET status = ?, finished_at = ?, error_code = ?, error_message = ?, pid = NULL WHERE id = ?')
      .run(status, at, error?.code ?? null, error?.message ?? null, id);
  }

  /** Give a claimed restore back (its recovery failed): a dead pid again, so the next start retries. */
  release(id: string): void {
    this.db.prepare(`UPDATE restores SET pid = NULL WHERE id = ? AND status = 'RUNNING'`).run(id);
  }

  /** Finished restores whose commit left old state behind: cleanup is retried on start. */
  withLeftovers(): RestoreRow[] {
    return (this.db.prepare(`SELECT * FROM restores WHERE status = 'COMPLETED' AND journal LIKE '%"leftovers":[%'`).all() as Row[])
      .map(toRow)
      .filter((r) => (r.journal.leftovers?.length ?? 0) > 0);
  }

  /** RUNNING restores whose process is gone: recovery rolls them back or forward. */
  interrupted(isAlive: (host: string, pid: number | null) => boolean): RestoreRow[] {
    return (this.db.prepare(`SELECT * FROM restores WHERE status = 'RUNNING'`).all() as Row[]).map(toRow).filter((r) => !isAlive(r.host, r.pid));
  }

  /** Backups that a running restore is reading (retention must not delete them). */
  inUse(): string[] {
    return (this.db.prepare(`SELECT backup_id FROM restores WHERE status = 'RUNNING' AND backup_id IS NOT NULL`).all() as { backup_id: string }[]).map((r) => r.backup_id);
  }

  get(id: string): (RestoreRow & { safetyBackupId: string | null; errorCode: string | null; errorMessage: string | null }) | undefined {
    const r = this.db.prepare('SELECT * FROM restores WHERE id = ?').get(id) as (Row & { safety_backup_id: string | null; error_code: string | null; error_message: string | null }) | undefined;
    return r ? { ...toRow(r), safetyBackupId: r.safety_backup_id, errorCode: r.error_code, errorMessage: r.error_message } : undefined;
  }
}
