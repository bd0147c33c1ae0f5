import type { Command } from 'commander';
import { formatBytes, formatDateTime } from '../../../src-shared/domain/format.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { compareBackups, type DeltaList, type SourceComparison } from '../../engine/restore/compare.js';
import { printable } from '../../engine/util/printable.js';
import { withEngine } from '../context.js';
import { EXIT, printJson, table, type Io } from '../output.js';

/** Appends one line per listed path (and a "more" line) to `lines`; `--limit` makes the list as long as asked. */
function listLines(lines: string[], what: string, list: DeltaList): void {
  for (const p of list.paths) lines.push(`    ${what} ${printable(p)}`);
  if (list.count > list.paths.length) lines.push(`    ${what} … ${list.count - list.paths.length} more (--limit N lists more)`);
}

function sourceText(s: SourceComparison): string {
  const where = s.presence === 'only-a' ? ' (only in A)' : s.presence === 'only-b' ? ' (only in B)' : '';
  const lines = [`${s.source} (${s.kind})${where}:`];
  if (s.kind === 'folder') {
    lines.push(`  ${s.added.count} added (${formatBytes(s.added.bytes)}), ${s.removed.count} removed (${formatBytes(s.removed.bytes)}), ${s.changed.count} changed, ${s.unchanged} unchanged`);
    listLines(lines, '+', s.added);
    listLines(lines, '-', s.removed);
    listLines(lines, '~', s.changed);
  } else {
    lines.push(`  dump ${s.dumpChanged ? 'differs' : 'identical'} (SHA-256)`);
    const rows = (s.tables ?? []).map((t) => [t.name, t.rowsA === null ? '-' : String(t.rowsA), t.rowsB === null ? '-' : String(t.rowsB), t.delta > 0 ? `+${t.delta}` : String(t.delta)]);
    if (rows.length) lines.push(table(['TABLE', 'ROWS A', 'ROWS B', 'DELTA'], rows).trimEnd().replace(/^/gm, '  '));
  }
  return `${lines.join('\n')}\n`;
}

function limitOf(v: string | undefined, json: boolean): number {
  if (v === undefined) return json ? 200 : 20;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new LifeboatError('USAGE', `--limit takes a whole number ≥ 0, not "${v}".`);
  return n;
}

/** `lifeboat compare <idA> <idB>`: files added, removed and changed, and row deltas per table. */
export function registerCompare(program: Command, io: Io): void {
  program
    .command('compare')
    .description('compare two backups of a profile: files added, removed, changed (SHA-256) per source, and row-count deltas per table')
    .argument('<idA>', 'the earlier backup (id, unique prefix, or archive file)')
    .argument('<idB>', 'the later backup')
    .option('--limit <n>', 'list at most N paths of each kind per source (default 20; 200 with --json)')
    .action(async (idA: string, idB: string, _o: unknown, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        const limit = limitOf(cmd.opts<{ limit?: string }>().limit, json);
        const a = await engine.resolve(idA);
        const b = await engine.resolve(idB);
        const r = await compareBackups(a, b, (t) => engine.manifestOf(t), limit);
        if (json) {
          printJson(io, { ok: true, ...r });
          return EXIT.ok;
        }
        io.out(`A: ${r.a.id?.slice(0, 8) ?? r.a.path} made ${formatDateTime(r.a.createdAt)}\nB: ${r.b.id?.slice(0, 8) ?? r.b.path} made ${formatDateTime(r.b.createdAt)}\n`);
        for (const s of r.sources) io.out(sourceText(s));
        return EXIT.ok;
      });
    });
}
