import type { JobProgress } from '../../src-shared/domain/progress.js';
import { formatBytes, formatDuration } from '../../src-shared/domain/format.js';
import { ERROR_HINTS } from '../../src-shared/errors/codes.js';
import type { ErrorInfo } from '../../src-shared/errors/lifeboat-error.js';

/** Exit codes of the `lifeboat` command. */
export const EXIT = { ok: 0, failed: 1, usage: 2, verifyFailed: 3 } as const;

/** Where a command writes; tests and the binary share the same code. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly isTTY: boolean;
}

const closed = new WeakSet<NodeJS.WriteStream>();

/**
 * Write to one of the process's streams. When its reader has gone (`lifeboat list | head`), the
 * write fails with EPIPE: output stops quietly and the command finishes as it would have (a
 * backup in progress is not abandoned half-way because nobody reads its progress).
 */
function writeTo(stream: NodeJS.WriteStream, text: string): void {
  if (closed.has(stream)) return;
  if (stream.listenerCount('error') === 0) {
    // EPIPE, or any other failure of the stream: nothing more can be shown there.
    stream.on('error', () => closed.add(stream));
  }
  stream.write(text);
}

/** The process's own streams. */
export const processIo: Io = {
  out: (t) => writeTo(process.stdout, t),
  err: (t) => writeTo(process.stderr, t),
  isTTY: Boolean(process.stderr.isTTY),
};

/** Print one JSON document on stdout. */
export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Print an error: JSON on stdout with --json, else a message and a hint on stderr. */
export function printError(io: Io, json: boolean, e: ErrorInfo): void {
  if (json) {
    printJson(io, { ok: false, error: e });
    return;
  }
  io.err(`lifeboat: ${e.message} [${e.code}]\n  hint: ${ERROR_HINTS[e.code]}\n`);
}

/** A plain-text table with left-aligned columns. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** Key/value lines, aligned. */
export function keyValues(pairs: readonly (readonly [string, string])[]): string {
  const w = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n') + '\n';
}

/**
 * A live progress bar on a terminal (one redrawn line), or one line per phase elsewhere
 * (cron mail and log files stay readable).
 */
export function progressPrinter(io: Io): { update: (p: JobProgress) => void; clear: () => void } {
  let lastPhase = '';
  let drawn = false;
  return {
    update(p) {
      if (!io.isTTY) {
        if (p.phase !== lastPhase) io.err(`[${p.phase}]${p.bytesTotal ? ` ${formatBytes(p.bytesTotal)}, ${p.filesTotal} files` : ''}\n`);
        lastPhase = p.phase;
        return;
      }
      const frac = p.bytesTotal > 0 ? Math.min(1, p.bytesDone / p.bytesTotal) : 0;
      const width = 24;
      const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
      const eta = p.etaSeconds !== null ? ` ETA ${formatDuration(p.etaSeconds * 1000)}` : '';
      const item = p.currentItem.length > 40 ? `…${p.currentItem.slice(-39)}` : p.currentItem;
      const text = `${p.phase.padEnd(9)} [${bar}] ${String(Math.round(frac * 100)).padStart(3)}% ${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)} ${p.filesDone}/${p.filesTotal} files${eta} ${item}`;
      io.err(`\r\x1b[2K${text}`);
      drawn = true;
    },
    clear() {
      if (drawn) io.err('\r\x1b[2K');
      drawn = false;
    },
  };
}
