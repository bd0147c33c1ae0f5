import Database from 'better-sqlite3';
import { chmod, readdir, rm } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lifeboat } from '../../../test-support/cli.js';
import { catalogRows, nextStart, runAndKillAfter, runWithFault } from '../../../test-support/crash.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { describeTree, writeTree } from '../../../test-support/tree.js';

/**
 * Kill tests for the restore state machine (folders and SQLite in one restore). The invariant after
 * every kill and the next start: each target is wholly old or wholly new, all targets agree, and the
 * catalog says which (ROLLED_BACK = old, COMPLETED = new).
 */

function makeDb(path: string, rows: number, tag: string): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, tag TEXT, body TEXT)');
  const ins = db.prepare('INSERT INTO items (tag, body) VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i += 1) ins.run(tag, `${tag}-${i}-${'x'.repeat(200)}`);
  })();
  db.close();
}

function rowsOf(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    expect(db.pragma('quick_check', { simple: true })).toBe('ok');
    return (db.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function treeFiles(tag: string, count: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i += 1) files[`d${i % 12}/sub${i % 3}/f${i}.txt`] = `${tag} file ${i}\n`.repeat(1 + (i % 7));
  return files;
}

interface Scenario {
  readonly home: string;
  readonly dir: string;
  readonly data: string;
  readonly db: string;
  readonly id: string;
  readonly newTree: Record<string, string>;
  readonly oldTree: Record<string, string>;
  /** Put the live ("old") state back in place: 150 changed files plus extras, 50 rows. */
  readonly resetOld: () => Promise<void>;
}

const NEW_ROWS = 500;
const OLD_ROWS = 50;

async function scenario(): Promise<Scenario> {
  const home = await tempDir();
  const dir = await tempDir();
  const data = join(dir, 'data');
  const db = join(dir, 'app.db');
  await writeTree(data, treeFiles('new', 200));
  makeDb(db, NEW_ROWS, 'new');
  const b = await lifeboat(['--home', home, 'backup', '--dir', data, '--sqlite', db, '--json']);
  expect(b.code, b.stderr).toBe(0);
  const id = b.json<{ id: string }>().id;
  const newTree = await describeTree(data);
  const resetOld = async (): Promise<void> => {
    await rm(data, { recursive: true, force: true });
    await writeTree(data, { ...treeFiles('old', 150), 'extra/only-in-live.txt': 'user file added after the backup' });
    await Promise.all(['', '-wal', '-shm'].map((s) => rm(`${db}${s}`, { force: true })));
    makeDb(db, OLD_ROWS, 'old');
  };
  await resetOld();
  return { home, dir, data, db, id, newTree, oldTree: await describeTree(data), resetOld };
}

type Outcome = 'old' | 'new';

/** Which whole state the targets are in; fails if a target is neither, or the two disagree. */
async function stateOf(s: Scenario): Promise<Outcome> {
  const tree = await describeTree(s.data).catch(() => ({}));
  const rows = rowsOf(s.db);
  const folder: Outcome | null = JSON.stringify(tree) === JSON.stringify(s.newTree) ? 'new' : JSON.stringify(tree) === JSON.stringify(s.oldTree) ? 'old' : null;
  const sqlite: Outcome | null = rows === NEW_ROWS ? 'new' : rows === OLD_ROWS ? 'old' : null;
  expect(folder, `the folder is neither wholly old nor wholly new (${Object.keys(tree).length} entries)`).not.toBeNull();
  expect(sqlite, `the SQLite database is neither old nor new (${rows} rows)`).not.toBeNull();
  expect(folder).toBe(sqlite);
  return folder as Outcome;
}

async function noStagingLeft(s: Scenario): Promise<void> {
  expect((await readdir(s.dir)).filter((n) => n.startsWith('.lifeboat'))).toEqual([]);
  expect(await readdir(join(s.home, 'tmp')).catch(() => [])).toEqual([]);
}

function lastRestore(home: string): { status: string; error_code: string | null } | undefined {
  return catalogRows<{ status: string; error_code: string | null }>(home, 'SELECT status, error_code FROM restores ORDER BY started_at DESC, rowid DESC LIMIT 1')[0];
}

/** Each named step of the restore state machine, and where recovery must leave the targets. */
const POINTS: readonly [string, Outcome][] = [
  ['restore:stage', 'old'],
  ['restore:staged', 'old'],
  ['restore:safety', 'old'],
  ['restore:swap', 'old'],
  ['restore:swap-folder-aside', 'old'],
  ['restore:swap-sqlite-aside', 'old'],
  ['restore:swap-sqlite-replaced', 'old'],
  ['restore:swapped', 'old'],
  ['restore:check', 'old'],
  ['restore:commit', 'new'],
  ['restore:commit-removing@40', 'new'],
  ['restore:commit-removing@150', 'new'],
  ['restore:done', 'new'],
];

describe('restore crash recovery (kill -9 at every named step, then random kills)', () => {
  it(`kill at each of ${POINTS.length} fault points: before the commit the next start rolls back, from the commit on it rolls forward`, async () => {
    const s = await scenario();
    for (const [point, want] of POINTS) {
      await s.resetOld();
      const run = await runWithFault(['--home', s.home, 'restore', s.id], point);
      expect(run.signal, `${point}: the fault point was never reached (${run.code}) ${run.stderr}`).toBe('SIGKILL');
      // The moment of death is recorded as RUNNING: nothing claims success or rollback yet.
      expect(lastRestore(s.home)?.status, point).toBe('RUNNING');
      await nextStart(s.home);
      expect(await stateOf(s), point).toBe(want);
      expect(lastRestore(s.home), point).toEqual(want === 'new' ? { status: 'COMPLETED', error_code: null } : { status: 'ROLLED_BACK', error_code: 'INTERRUPTED' });
      await noStagingLeft(s);
    }
  }, 240_000);

  it('random kills during a restore: every time, wholly old or wholly new, and the catalog agrees', async () => {
    const s = await scenario();
    await s.resetOld();
    const t0 = Date.now();
    const full = await lifeboat(['--home', s.home, 'restore', s.id]);
    expect(full.code, full.stderr).toBe(0);
    const duration = Date.now() - t0;
    const outcomes: Outcome[] = [];
    const kills = 10;
    for (let i = 0; i < kills; i += 1) {
      await s.resetOld();
      const before = catalogRows<{ n: number }>(s.home, 'SELECT count(*) AS n FROM restores')[0]?.n ?? 0;
      // Spread over the whole run (start-up included), with jitter.
      const delay = Math.round((duration * (i + Math.random())) / kills);
      await runAndKillAfter(['--home', s.home, 'restore', s.id], delay);
      await nextStart(s.home);
      const state = await stateOf(s);
      outcomes.push(state);
      const after = catalogRows<{ n: number }>(s.home, 'SELECT count(*) AS n FROM restores')[0]?.n ?? 0;
      if (after > before) expect(lastRestore(s.home)?.status, `kill after ${delay} ms`).toBe(state === 'new' ? 'COMPLETED' : 'ROLLED_BACK');
      else expect(state, `kill after ${delay} ms, before the restore was recorded`).toBe('old');
      await noStagingLeft(s);
    }
    expect(outcomes).toHaveLength(kills);
  }, 240_000);
});

const isRoot = process.getuid?.() === 0;
describe.skipIf(!isRoot)(`a commit that cannot delete the old state${isRoot ? '' : ' (skipped: needs root to run the CLI as nobody and meet a real EACCES)'}`, () => {
  it('keeps the new state, reports the leftover and retries it at every start; it never rolls back over the new tree', async () => {
    const home = await tempDir();
    const dir = await tempDir();
    const data = join(dir, 'data');
    await writeTree(data, treeFiles('new', 60));
    // As root every unlink succeeds; as nobody a read-only folder in the old tree is a real EACCES.
    execFileSync('chown', ['-R', '65534:65534', home, dir]);
    const asNobody = { uid: 65534, gid: 65534 };
    const b = await lifeboat(['--home', home, 'backup', '--dir', data, '--json'], asNobody);
    expect(b.code, b.stderr).toBe(0);
    const id = b.json<{ id: string }>().id;
    const newTree = await describeTree(data);
    await rm(data, { recursive: true });
    await writeTree(data, { ...treeFiles('old', 40), 'locked/keep.txt': 'cannot be deleted by nobody' });
    execFileSync('chown', ['-R', '65534:65534', data]);
    await chmod(join(data, 'locked'), 0o555);

    const r = await lifeboat(['--home', home, 'restore', id, '--json'], asNobody);
    expect(r.code, r.stderr).toBe(0);
    const result = r.json<{ warnings: string[]; id: string }>();
    expect(result.warnings.join(' ')).toMatch(/previous state could not be fully removed.*\.lifeboat-old-[0-9a-f]{8}-0.*(EACCES|permission denied)/i);
    expect(await describeTree(data)).toEqual(newTree);
    const aside = (await readdir(dir)).filter((n) => n.startsWith('.lifeboat-old-'));
    expect(aside).toHaveLength(1);
    expect(catalogRows<{ status: string }>(home, 'SELECT status FROM restores')).toEqual([{ status: 'COMPLETED' }]);

    // The next start retries; it still cannot delete, and still leaves the new tree alone.
    await nextStart(home, asNobody);
    expect(await describeTree(data)).toEqual(newTree);
    expect(catalogRows<{ outcome: string }>(home, "SELECT outcome FROM audit_events WHERE action = 'restore.cleanup'")).toEqual([{ outcome: 'failure' }]);

    // Once the admin fixes the permission, the next start finishes the cleanup.
    await chmod(join(dir, aside[0] ?? '', 'locked'), 0o755);
    await nextStart(home, asNobody);
    expect((await readdir(dir)).filter((n) => n.startsWith('.lifeboat'))).toEqual([]);
    expect(await describeTree(data)).toEqual(newTree);
    const last = catalogRows<{ journal: string }>(home, 'SELECT journal FROM restores')[0];
    expect(JSON.parse(last?.journal ?? '{}')).toMatchObject({ phase: 'done', leftovers: [] });
  }, 240_000);
});
