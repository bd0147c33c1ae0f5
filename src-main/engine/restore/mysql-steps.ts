import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { parseMysqlUrl } from '../sources/mysql-conn.js';
import { fsyncFileAndDir } from '../util/durable.js';
import { faultPoint } from '../util/fault.js';
import type { JournalStep } from './journal.js';
import type { PgSecrets } from './pg-secrets.js';
import type { PlannedTarget } from './restore-plan.js';
import type { RestoreRun } from './restore-steps.js';

/** A journalled MariaDB / MySQL step. */
export type MysqlStep = Extract<JournalStep, { kind: 'mysql' }>;

function compare(what: string, want: readonly { name: string; rows: number }[], got: readonly { name: string; rows: number }[]): string[] {
  const problems = want.flatMap((t) => {
    const g = got.find((x) => x.name === t.name);
    return g && g.rows === t.rows ? [] : [`${what}: table ${t.name} has ${g?.rows ?? 'no'} rows, the manifest says ${t.rows}`];
  });
  for (const g of got) if (!want.some((t) => t.name === g.name)) problems.push(`${what}: table ${g.name} is not in the manifest`);
  return problems;
}

/** The manifest's tables for a planned target. */
function manifestTables(run: RestoreRun, source: string): readonly { name: string; rows: number }[] {
  const src = run.plan.manifest.sources.find((s) => s.name === source);
  return src?.kind === 'mysql' ? src.tables : [];
}

/**
 * stage: load the dump into a new database `<db>_lb_<id>` (journalled first, so a crash drops it
 * again) and compare its row counts with the manifest. The target is not touched.
 */
export async function stageMysql(run: RestoreRun, t: PlannedTarget): Promise<void> {
  const url = t.connectUrl ?? t.target;
  const database = parseMysqlUrl(url).database;
  const s: MysqlStep = {
    kind: 'mysql',
    url: run.secrets.keep(url),
    database,
    // MariaDB names are at most 64 characters: the suffix always fits.
    staged: `${database.slice(0, 48)}_lb_${run.short}`,
    aside: join(run.journal.scratch[0] ?? '', `${t.source}.before.sql`),
    existed: t.exists,
    phase: 'restoring',
  };
  run.journal.steps.push(s);
  run.save();
  const admin = await run.secrets.connectMysql(s.url);
  try {
    await admin.create(s.staged, t.exists ? database : undefined);
    await admin.load(s.staged, run.staged.get(t.source) ?? '');
    const bad = compare(`database ${s.staged}`, manifestTables(run, t.source), await admin.rowCounts(s.staged));
    if (bad.length) throw new LifeboatError('RESTORE_FAILED', `The restored MariaDB/MySQL database does not match the manifest: ${bad.slice(0, 5).join('; ')}`);
  } finally {
    await admin.close();
  }
}

/**
 * swap: keep the old database as a whole, checked dump ('saving', target untouched; fsynced
 * before the next phase is journalled), then drop it and load the checked dump in its place
 * ('replacing'). A new target is just created and loaded.
 */
export async function swapMysql(run: RestoreRun, s: MysqlStep, source: string): Promise<void> {
  const admin = await run.secrets.connectMysql(s.url);
  try {
    if (s.existed) {
      s.phase = 'saving';
      run.save();
      await admin.dumpTo(s.database, s.aside);
      await fsyncFileAndDir(s.aside);
    }
    s.phase = 'replacing';
    run.save();
    faultPoint('restore:swap-mysql-saved');
    await admin.drop(s.database);
    await admin.create(s.database, s.staged);
    faultPoint('restore:swap-mysql-emptied');
    await admin.load(s.database, run.staged.get(source) ?? '');
  } finally {
    await admin.close();
  }
}

/** check: the rows that landed in the target database, against the manifest. */
export async function checkMysql(run: RestoreRun, s: MysqlStep, source: string): Promise<string[]> {
  const admin = await run.secrets.connectMysql(s.url);
  try {
    return compare(`database ${s.database}`, manifestTables(run, source), await admin.rowCounts(s.database));
  } finally {
    await admin.close();
  }
}

/**
 * Undo one step (before the commit): the target is untouched until 'replacing'; from there it is
 * dropped and, if it existed, loaded again from the aside dump. Safe to repeat.
 */
export async function undoMysql(step: MysqlStep, secrets: PgSecrets): Promise<string> {
  const admin = await secrets.connectMysql(step.url);
  try {
    if (step.phase === 'replacing') {
      await admin.drop(step.database);
      if (step.existed) {
        await admin.create(step.database, step.staged);
        await admin.load(step.database, step.aside);
      }
    }
    await admin.drop(step.staged);
  } finally {
    await admin.close();
  }
  await rm(step.aside, { force: true });
  return `MariaDB/MySQL database ${step.database} ${step.phase !== 'replacing' ? 'untouched' : step.existed ? 'put back' : 'removed (it did not exist before)'}`;
}

/** The commit's part: drop the staged database and the aside dump (never the target). */
export async function dropOldMysql(step: MysqlStep, secrets: PgSecrets): Promise<void> {
  const admin = await secrets.connectMysql(step.url);
  try {
    await admin.drop(step.staged);
  } finally {
    await admin.close();
  }
  faultPoint('restore:commit-mysql-dropped');
  await rm(step.aside, { force: true });
}
