import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { pgTimeouts, runPgToolStdout, type PgTool } from './pg-tools.js';

/** A table of the snapshot, with the owner pg_dump prints in its TOC line. */
export interface SnapshotTable {
  readonly schema: string;
  readonly name: string;
  readonly owner: string;
}

/**
 * The tables whose rows a dump made with include/exclude options holds, read from the dump's own
 * TOC (its `TABLE DATA schema name owner` lines). pg_dump's patterns follow psql's rules (case
 * folding, quoting, wildcards); asking the dump what it kept, instead of re-implementing them,
 * keeps the manifest's row counts exactly those of the dump.
 */
export async function tablesWithData(pgRestore: PgTool, file: string, candidates: readonly SnapshotTable[], signal?: AbortSignal): Promise<SnapshotTable[]> {
  const r = await runPgToolStdout(pgRestore, ['--list', file], pgTimeouts().toolMs, signal);
  if (r.code !== 0) throw new LifeboatError('PG_DUMP_FAILED', `pg_restore --list cannot read the dump just written (${file}): ${r.stderr.trim().split('\n')[0] ?? ''}`, { file });
  const lines = new Set(
    r.stdout
      .split('\n')
      .map((l) => /^\d+; \d+ \d+ TABLE DATA (.*)$/.exec(l)?.[1])
      .filter((x): x is string => x !== undefined),
  );
  return candidates.filter((t) => lines.has(`${t.schema} ${t.name} ${t.owner}`));
}
