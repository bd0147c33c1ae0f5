import { formatDateTime } from '../../../src-shared/domain/format.js';
import type { SourceSpec } from '../../../src-shared/domain/profile.js';
import type { Manifest } from '../../../src-shared/manifest/schema.js';
import type { CatalogDb } from '../catalog/open-catalog.js';
import { redact } from '../sources/postgres-source.js';
import { printable } from '../util/printable.js';

/** Which kind of catalog row a run log belongs to. */
export type RunLogKind = 'backup' | 'restore';

/** Bounds of one log: lines kept from the start, lines kept from the end, characters per line. */
export interface RunLogLimits {
  readonly headLines: number;
  readonly tailLines: number;
  readonly lineChars: number;
}

/** About 1,500 lines of at most 400 characters: under 600 KiB per run, whatever the job does. */
export const RUN_LOG_LIMITS: RunLogLimits = { headLines: 1000, tailLines: 500, lineChars: 400 };

/**
 * A readable log of one backup or restore: phases with start and end times, warnings, files left
 * out or changed, tool output (pg_dump's warnings, hook commands). Lines go to memory, bounded: the
 * first `headLines` and the last `tailLines` are kept (the start says what ran, the end how it
 * ended) and the middle becomes "… N more lines". The text is stored with the catalog row when the
 * job ends, so a job that writes a million lines costs the catalog the same as one that writes 2,000.
 */
export class RunLog {
  private readonly head: string[] = [];
  /** A ring of the newest lines once the head is full. */
  private readonly tail: string[] = [];
  private tailStart = 0;
  private dropped = 0;
  private phaseName: string | null = null;
  private phaseStarted = 0;
  private stampSecond = Number.NaN;
  private stampText = '';

  constructor(
    private readonly now: () => Date = () => new Date(),
    private readonly limits: RunLogLimits = RUN_LOG_LIMITS,
  ) {}

  /** A plain line. */
  info(text: string): void {
    this.line('', text);
  }

  /** Something the user should read (also kept as a warning elsewhere, where the job has one). */
  warn(text: string): void {
    this.line('WARNING ', text);
  }

  /** The error a job failed with. */
  error(text: string): void {
    this.line('ERROR ', text);
  }

  /** End the current phase (if any) and start the next one; both lines carry their times. */
  phase(name: string): void {
    this.endPhase();
    this.phaseName = name;
    this.phaseStarted = this.now().getTime();
    this.line('', `── ${name} started`);
  }

  /** End the current phase, saying how long it took. */
  endPhase(outcome = 'done'): void {
    if (this.phaseName === null) return;
    const ms = this.now().getTime() - this.phaseStarted;
    this.line('', `── ${this.phaseName} ${outcome} after ${ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`}`);
    this.phaseName = null;
  }

  /** A tool's or command's output, one log line per output line, each prefixed with its source. */
  output(source: string, text: string): void {
    // Line by line without split(): a 100 MB stderr must not become a 100 MB array.
    let from = 0;
    while (from < text.length) {
      let nl = text.indexOf('\n', from);
      if (nl === -1) nl = text.length;
      const line = text.slice(from, Math.min(nl, from + this.limits.lineChars * 2)).replace(/\r$/, '');
      if (line.trim()) this.line('', `${source}: ${line}`);
      from = nl + 1;
    }
  }

  /** How many lines were written, kept or not. */
  get written(): number {
    return this.head.length + this.tail.length + this.dropped;
  }

  /** The log as stored: head, "… N more lines", tail. */
  text(): string {
    const tail = [...this.tail.slice(this.tailStart), ...this.tail.slice(0, this.tailStart)];
    const middle = this.dropped > 0 ? [`… ${this.dropped} more line${this.dropped === 1 ? '' : 's'} (not kept; the log keeps the first ${this.limits.headLines} and the last ${this.limits.tailLines})`] : [];
    return [...this.head, ...middle, ...tail].join('\n');
  }

  /** The time, formatted once per second (formatting costs more than the rest of a line). */
  private stamp(): string {
    const second = Math.floor(this.now().getTime() / 1000);
    if (second !== this.stampSecond) {
      this.stampSecond = second;
      this.stampText = formatDateTime(second * 1000, { timeZone: 'UTC' });
    }
    return this.stampText;
  }

  private line(level: string, text: string): void {
    // A file name or tool output with terminal escapes must not rewrite the reader's screen; no
    // password in it is kept, whoever wrote the line (a hook's argv, a tool's message, an error).
    const shown = printable(maskSecrets(text.slice(0, this.limits.lineChars * 4)).replace(/\r?\n/g, ' ⏎ ').replace(/\t/g, ' '));
    const clipped = shown.length > this.limits.lineChars ? `${shown.slice(0, this.limits.lineChars - 1)}…` : shown;
    const out = `${this.stamp()}  ${level}${clipped}`;
    if (this.head.length < this.limits.headLines) {
      this.head.push(out);
      return;
    }
    if (this.tail.length < this.limits.tailLines) {
      this.tail.push(out);
      return;
    }
    if (this.limits.tailLines === 0) {
      this.dropped += 1;
      return;
    }
    // The ring is full: the oldest tail line joins the dropped middle.
    this.tail[this.tailStart] = out;
    this.tailStart = (this.tailStart + 1) % this.limits.tailLines;
    this.dropped += 1;
  }
}

/** `scheme://user:PASSWORD@`: the password part of any URL. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@'"`]*:)[^\s@/'"`]*@/gi;
/** `password=…`, `--password=…`, `PGPASSWORD=…`, `MYSQL_PWD=…`, `token=…` (quoted or not). */
const ASSIGNED_SECRET = /((?:password|passwd|pwd|secret|token)\s*=\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s'"`&]+)/gi;

/** A log line without the secrets a URL, conninfo or argument may carry. */
export function maskSecrets(text: string): string {
  return text.replace(URL_PASSWORD, '$1***@').replace(ASSIGNED_SECRET, '$1***');
}

/** One stored run log. */
export interface StoredRunLog {
  readonly id: string;
  readonly kind: RunLogKind;
  readonly text: string;
  readonly updatedAt: string;
}

/** The `run_logs` table: one log per backup or restore row, deleted with its row (triggers). */
export class RunLogsRepo {
  constructor(private readonly db: CatalogDb) {}

  save(id: string, kind: RunLogKind, log: RunLog, at: Date): void {
    this.db
      .prepare(
        `INSERT INTO run_logs (id, kind, text, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at`,
      )
      .run(id, kind, log.text(), at.toISOString());
  }

  get(id: string): StoredRunLog | undefined {
    const row = this.db.prepare('SELECT id, kind, text, updated_at FROM run_logs WHERE id = ?').get(id) as { id: string; kind: RunLogKind; text: string; updated_at: string } | undefined;
    return row ? { id: row.id, kind: row.kind, text: row.text, updatedAt: row.updated_at } : undefined;
  }
}

/**
 * Save a job's log without letting a catalog problem replace the job's own outcome: the log is an
 * account of the run, and a failure to store it is reported on stderr by the caller's process only.
 */
export function saveRunLog(db: CatalogDb, id: string, kind: RunLogKind, log: RunLog, at: Date): void {
  try {
    new RunLogsRepo(db).save(id, kind, log, at);
  } catch (e) {
    process.emitWarning(`Lifeboat could not store the run log of ${kind} ${id}: ${(e as Error).message}`);
  }
}

/** A source as the log names it: a database URL without its password. */
function where(s: SourceSpec): string {
  if (s.kind === 'postgres') return redact(s.url);
  if (s.kind === 'mysql') return s.url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
  return s.path;
}

/** The first lines of a backup's log: what runs, with which settings, from where to where. */
export function logBackupPlan(
  log: RunLog,
  b: { id: string; fileName: string; destination: string; profile: string | null; trigger: string; type: string; format: string; compressionLevel?: number; verify?: boolean; options: { skipUnreadable: boolean; allowEmpty: boolean; onChangedFile?: string } },
  sources: readonly (SourceSpec & { name: string })[],
): void {
  log.info(`Backup ${b.id} (${b.trigger.toLowerCase()}${b.profile ? `, profile ${b.profile}` : ', ad hoc'}) → ${b.destination}/${b.fileName}`);
  log.info(
    `Settings: type ${b.type}, format ${b.format}, compression level ${b.compressionLevel ?? 6}, verification ${b.verify === false ? 'off' : 'on'}, unreadable files ${b.options.skipUnreadable ? 'skipped' : 'fail the backup'}, changed files ${b.options.onChangedFile === 'fail' ? 'fail the backup' : 'kept with a warning'}, empty sources ${b.options.allowEmpty ? 'allowed' : 'refused'}`,
  );
  for (const s of sources) log.info(`Source ${s.name} (${s.kind}): ${where(s)}`);
}

/** Every file a backup left out or stored while it changed, one line each (the log bounds them). */
export function logManifestNotes(log: RunLog, m: Manifest): void {
  for (const s of m.sources) {
    if (s.kind !== 'folder') continue;
    for (const x of s.skipped) log.warn(`${s.name}: left out ${x.path} (${x.reason})`);
    for (const x of s.changed ?? []) log.warn(`${s.name}: changed while read, stored as read: ${x.path} (${x.reason})`);
  }
}
