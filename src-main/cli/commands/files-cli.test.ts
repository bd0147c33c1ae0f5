import Database from 'better-sqlite3';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lifeboat } from '../../../test-support/cli.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { describeTree, writeTree } from '../../../test-support/tree.js';

async function ok(args: readonly string[]): Promise<ReturnType<Awaited<ReturnType<typeof lifeboat>>['json']>> {
  const r = await lifeboat(args);
  expect(r.code, r.stderr).toBe(0);
  return r.json();
}

describe('lifeboat restore --only <source>:<path> and lifeboat compare', () => {
  it('--dry-run lists the selection and its changes and changes nothing; the restore then replaces only the selection', async () => {
    const home = await tempDir();
    const dir = await tempDir();
    const data = join(dir, 'data');
    await writeTree(data, { 'a/one.txt': 'one v1\n', 'a/two.txt': 'two v1\n', 'b/three.txt': 'three v1\n' });
    const { id } = (await ok(['--home', home, 'backup', '--dir', data, '--json'])) as { id: string };
    await writeTree(data, { 'a/one.txt': 'one v2, edited\n', 'a/new.txt': 'new after backup\n', 'b/three.txt': 'three v2, edited\n' });
    const live = await describeTree(data);

    const dry = await lifeboat(['--home', home, 'restore', id, '--only', 'data:a', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/restores 1 selected path\(s\) of data \(2 files/);
    expect(dry.stdout).toMatch(/select {2}a\n/);
    expect(dry.stdout).toMatch(/delete {2}a\/new.txt/);
    expect(dry.stdout).toMatch(/replace a\/one.txt/);
    expect(dry.stdout).not.toMatch(/b\/three.txt/);
    expect(await describeTree(data)).toEqual(live);

    const r = await lifeboat(['--home', home, 'restore', id, '--only', 'data:a']);
    expect(r.code, r.stderr).toBe(0);
    const after = await describeTree(data);
    expect(after['b/three.txt']).toBe(live['b/three.txt']);
    expect(after['a/new.txt']).toBeUndefined();
    expect(after['a/one.txt']).not.toBe(live['a/one.txt']);

    const bad = await lifeboat(['--home', home, 'restore', id, '--only', 'data:../../etc', '--dry-run']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/refused: it climbs out of the folder/);
    const none = await lifeboat(['--home', home, 'restore', id, '--only', 'data:*.pdf']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/matches nothing.*at its top: a\/, b\//s);
  }, 60_000);

  it('compare reports files added, removed and changed by SHA-256 and row deltas per SQLite table', async () => {
    const home = await tempDir();
    const dir = await tempDir();
    const data = join(dir, 'data');
    const db = join(dir, 'app.db');
    await writeTree(data, { 'keep.txt': 'same\n', 'edit.txt': 'before\n', 'gone.txt': 'removed later\n' });
    const d = new Database(db);
    d.exec('CREATE TABLE users (id INTEGER PRIMARY KEY); CREATE TABLE orders (id INTEGER PRIMARY KEY)');
    for (let i = 0; i < 10; i += 1) d.prepare('INSERT INTO users DEFAULT VALUES').run();
    for (let i = 0; i < 5; i += 1) d.prepare('INSERT INTO orders DEFAULT VALUES').run();
    d.close();
    const first = (await ok(['--home', home, 'backup', '--dir', data, '--sqlite', db, '--json'])) as { id: string };

    await writeTree(data, { 'edit.txt': 'after\n', 'added/new.txt': 'new file\n' });
    await rm(join(data, 'gone.txt'));
    const d2 = new Database(db);
    for (let i = 0; i < 7; i += 1) d2.prepare('INSERT INTO users DEFAULT VALUES').run();
    d2.exec('DELETE FROM orders WHERE id <= 2; CREATE TABLE audit (x)');
    d2.close();
    const second = (await ok(['--home', home, 'backup', '--dir', data, '--sqlite', db, '--json'])) as { id: string };

    const cmp = (await ok(['--home', home, 'compare', first.id, second.id, '--json'])) as {
      sources: { source: string; kind: string; added: { count: number; paths: string[] }; removed: { paths: string[] }; changed: { paths: string[] }; unchanged: number; tables?: unknown[]; dumpChanged?: boolean }[];
    };
    const folder = cmp.sources.find((s) => s.kind === 'folder');
    expect(folder?.added.paths.sort()).toEqual(['added/', 'added/new.txt']);
    expect(folder?.removed.paths).toEqual(['gone.txt']);
    expect(folder?.changed.paths).toEqual(['edit.txt']);
    expect(folder?.unchanged).toBe(1);
    const sqlite = cmp.sources.find((s) => s.kind === 'sqlite');
    expect(sqlite?.dumpChanged).toBe(true);
    expect(sqlite?.tables).toEqual([
      { name: 'audit', rowsA: null, rowsB: 0, delta: 0 },
      { name: 'orders', rowsA: 5, rowsB: 3, delta: -2 },
      { name: 'users', rowsA: 10, rowsB: 17, delta: 7 },
    ]);

    const text = await lifeboat(['--home', home, 'compare', first.id, second.id]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/2 added .*1 removed .*1 changed, 1 unchanged/);
    expect(text.stdout).toMatch(/users\s+10\s+17\s+\+7/);
    expect(text.stdout).toMatch(/orders\s+5\s+3\s+-2/);
  }, 60_000);
});
