import { readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { describeTree, writeTree } from '../../../test-support/tree.js';

const BACKED_UP: Record<string, string> = {
  'docs/report.txt': 'report v1\n',
  'docs/notes/a.md': 'note a v1\n',
  'docs/notes/b.md': 'note b v1\n',
  'docs/we[ir]d (1).txt': 'odd name v1\n',
  'photos/2024/cat.jpg': 'cat pixels\n',
  'photos/2024/dog.jpg': 'dog pixels\n',
  'top.txt': 'top v1\n',
};

/** A backup of BACKED_UP, then the live folder changed: edits, a deletion and extra files. */
async function scenario() {
  const { engine, out } = await testEngine();
  const dir = await tempDir();
  const data = join(dir, 'data');
  await writeTree(data, BACKED_UP);
  await symlink('report.txt', join(data, 'docs/latest'));
  const backup = await engine.backup(request(out, [folder(data, { name: 'files' })]));
  const original = await describeTree(data);
  await writeTree(data, {
    'docs/report.txt': 'report v2 (edited after the backup)\n',
    'docs/notes/a.md': 'note a v2, longer\n',
    'docs/notes/extra.md': 'a note written after the backup\n',
    'docs/we[ir]d (1).txt': 'odd name v2\n',
    'photos/2024/cat.jpg': 'cat edited\n',
    'extra/user.txt': 'user file not in the backup\n',
    'top.txt': 'top v2\n',
  });
  await rm(join(data, 'photos/2024/dog.jpg'));
  const resolved = await engine.resolve(backup.id);
  return { engine, dir, data, backup, original, resolved };
}

/** The tree, with the listed paths taken from `from` instead (what a selective restore should give). */
function expected(live: Record<string, string>, from: Record<string, string>, paths: readonly string[]): Record<string, string> {
  const out = { ...live };
  for (const p of paths) {
    for (const k of Object.keys(out)) if (k === p || k.startsWith(`${p}/`)) delete out[k];
    for (const [k, v] of Object.entries(from)) if (k === p || k.startsWith(`${p}/`)) out[k] = v;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function usage(p: Promise<unknown>): Promise<LifeboatError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(LifeboatError);
  expect((e as LifeboatError).code).toBe('USAGE');
  return e as LifeboatError;
}

describe('file-level restore (--only <source>:<path|glob>)', () => {
  it('in place: only the selected file and folder are replaced; edited, extra and deleted paths elsewhere stay as they are', async () => {
    const s = await scenario();
    const live = await describeTree(s.data);
    const only = ['files:docs/notes', 'files:photos/2024/dog.jpg'];
    const plan = await s.engine.planRestore(s.resolved, { only });
    const t = plan.targets[0];
    expect(t?.selection?.roots).toEqual(['docs/notes', 'photos/2024/dog.jpg']);
    // The plan deletes only inside the selection (the note written after the backup), nothing else.
    expect(t?.changes?.deleted.paths).toEqual(['docs/notes/extra.md']);
    expect(t?.changes?.replaced.paths).toEqual(['docs/notes/a.md']);
    expect(t?.changes?.added.paths).toEqual(['photos/2024/dog.jpg']);

    const r = await s.engine.restore(s.resolved, { only });
    expect(await describeTree(s.data)).toEqual(expected(live, s.original, ['docs/notes', 'photos/2024/dog.jpg']));
    // What was replaced or deleted is in the safety backup; what was not selected is not.
    expect(r.safetyBackupId).not.toBeNull();
    const kept = (await s.engine.manifestOf(await s.engine.resolve(r.safetyBackupId ?? ''))).entries.filter((e) => e.kind === 'file').map((e) => e.path.replace(/^files\/[^/]+\//, ''));
    expect(kept.sort()).toEqual(['docs/notes/a.md', 'docs/notes/b.md', 'docs/notes/extra.md']);
    expect((await readdir(s.data)).filter((n) => n.startsWith('.lifeboat'))).toEqual([]);
    expect((await readdir(s.dir)).filter((n) => n.startsWith('.lifeboat'))).toEqual([]);
  });

  it('a glob selects every match (names with glob characters included); a name-only glob matches at any depth', async () => {
    const s = await scenario();
    const live = await describeTree(s.data);
    await s.engine.restore(s.resolved, { only: ['files:*.md', 'files:docs/we[[]ir]d*'] });
    expect(await describeTree(s.data)).toEqual(expected(live, s.original, ['docs/notes/a.md', 'docs/notes/b.md', 'docs/we[ir]d (1).txt']));
  });

  it('NAME=path is one exact path: glob characters in it are the name itself', async () => {
    const s = await scenario();
    const live = await describeTree(s.data);
    const plan = await s.engine.planRestore(s.resolved, { only: ['files=docs/we[ir]d (1).txt'] });
    expect(plan.targets[0]?.selection?.roots).toEqual(['docs/we[ir]d (1).txt']);
    await usage(s.engine.planRestore(s.resolved, { only: ['files=docs/*.txt'] }));
    await s.engine.restore(s.resolved, { only: ['files=docs/we[ir]d (1).txt'] });
    expect(await describeTree(s.data)).toEqual(expected(live, s.original, ['docs/we[ir]d (1).txt']));
  });

  it('relocated: the selected paths land in another folder with their relative paths, and the original place is untouched', async () => {
    const s = await scenario();
    const live = await describeTree(s.data);
    const elsewhere = join(s.dir, 'restored-here');
    await writeTree(elsewhere, { 'already-there.txt': 'keep me\n' });
    const there = await describeTree(elsewhere);
    const r = await s.engine.restore(s.resolved, { only: ['files:docs/report.txt', 'files:docs/latest', 'files:photos'], toDir: elsewhere });
    expect(r.targets.map((x) => x.target)).toEqual([elsewhere]);
    expect(await describeTree(s.data)).toEqual(live);
    expect(await describeTree(elsewhere)).toEqual(
      // The parent folder `docs` is created to hold the selected paths; nothing else of it comes along.
      expected({ ...there, docs: 'dir' }, s.original, ['docs/report.txt', 'docs/latest', 'photos']),
    );
    // Only added, nothing replaced: no safety backup was needed.
    expect(r.safetyBackupId).toBeNull();
  });

  it('into a folder that does not exist yet: it is created with just the selection', async () => {
    const s = await scenario();
    const fresh = join(s.dir, 'new', 'place');
    await s.engine.restore(s.resolved, { only: ['files:top.txt'], toDir: fresh });
    expect(await describeTree(fresh)).toEqual({ 'top.txt': s.original['top.txt'] });
  });

  it('refuses hostile selections before anything is read into place: "..", absolute, backslash, empty, control characters', async () => {
    const s = await scenario();
    const before = await describeTree(s.data);
    for (const bad of ['files:../etc/passwd', 'files:docs/../../x', `files:${s.data}/top.txt`, 'files:docs\\report.txt', 'files:', 'files:./', 'files:docs//a', 'files:a\u0000b', 'files:docs/./notes']) {
      const e = await usage(s.engine.restore(s.resolved, { only: [bad] }));
      expect(e.message, bad).toMatch(/refused/);
    }
    expect(await describeTree(s.data)).toEqual(before);
  });

  it('a path or glob that matches nothing is refused with what the backup holds; a database source cannot be restored in part', async () => {
    const s = await scenario();
    const missing = await usage(s.engine.planRestore(s.resolved, { only: ['files:docs/nope.txt'] }));
    expect(missing.message).toMatch(/"docs\/nope.txt" \(no such path\)/);
    expect(missing.message).toMatch(/at its top: docs\/, photos\/, top.txt/);
    const glob = await usage(s.engine.planRestore(s.resolved, { only: ['files:**/*.pdf'] }));
    expect(glob.message).toMatch(/a glob that matches nothing/);
    const noSource = await usage(s.engine.planRestore(s.resolved, { only: ['nosuch:docs'] }));
    expect(noSource.message).toMatch(/no source named "nosuch". It has: files \(folder\)/);
    const db = join(s.dir, 'app.db');
    await writeFile(db, '');
    const { engine, out } = await testEngine();
    await rm(db);
    const Database = (await import('better-sqlite3')).default;
    const d = new Database(db);
    d.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    d.close();
    const b = await engine.backup(request(out, [{ kind: 'sqlite', path: db, name: 'app' }]));
    const e = await usage(engine.planRestore(await engine.resolve(b.id), { only: ['app:t'] }));
    expect(e.message).toMatch(/sqlite source, which is restored whole/);
  });

  it('never writes through a link at the target where the backup has a folder (plan problem, and the swap refuses too)', async () => {
    const s = await scenario();
    const outside = await tempDir();
    await writeTree(outside, { 'report.txt': 'a file outside the target, reached through a link\n', 'notes/a.md': 'outside note\n' });
    await rm(join(s.data, 'docs'), { recursive: true });
    await symlink(outside, join(s.data, 'docs'));
    const before = await describeTree(outside);
    const plan = await s.engine.planRestore(s.resolved, { only: ['files:docs/report.txt', 'files:docs/notes'] });
    expect(plan.problems.join('\n')).toMatch(/docs is a link or a file at the target where the backup has a folder/);
    const e = await s.engine.restore(s.resolved, { only: ['files:docs/report.txt'] }).then(() => null, (x: unknown) => x as LifeboatError);
    expect(e?.code).toBe('PRECHECK_FAILED');
    expect(await describeTree(outside)).toEqual(before);
    // Selecting the link itself replaces the link with the backed-up folder; the outside stays untouched.
    await s.engine.restore(s.resolved, { only: ['files:docs'] });
    expect(await describeTree(outside)).toEqual(before);
    expect((await describeTree(s.data))['docs/report.txt']).toBe(s.original['docs/report.txt']);
  });

  it('a failed check rolls back only the selected paths (nothing else in the target was touched)', async () => {
    const s = await scenario();
    const live = await describeTree(s.data);
    const e = await s.engine
      .restore(s.resolved, { only: ['files:docs', 'files:top.txt'] }, {
        afterStep: async (step) => {
          if (step === 'swapped') {
            expect((await describeTree(s.data))['top.txt']).toBe(s.original['top.txt']);
            throw new Error('injected failure after the swap');
          }
        },
      })
      .then(() => null, (x: unknown) => x as Error);
    expect(e?.message).toMatch(/injected failure/);
    expect(await describeTree(s.data)).toEqual(live);
    expect((await readdir(s.data)).filter((n) => n.startsWith('.lifeboat'))).toEqual([]);
  });
});
