import { chmod, readdir, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Events, JobFinished } from '../../src-shared/ipc/contract.js';
import { testEngine } from '../../test-support/engine.js';
import { PG_BIN } from '../../test-support/pg-cluster.js';
import { makeServices } from '../../test-support/services.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { describeTree, writeTree } from '../../test-support/tree.js';
import { dispatch } from './dispatch.js';

// Every request here is what a compromised renderer (an XSS, a bad dependency) could send through
// window.lifeboat: it reaches dispatch() exactly as the real window's does. Each must be refused with
// a clear error, and the disk must be as it was.

const APP = 'file:///opt/Lifeboat/resources/app.asar/out/renderer/index.html';
const FRAME = { url: APP, isMainFrame: true };
const FORGED = 'ab'.repeat(32);

async function world() {
  const { engine } = await testEngine();
  const finished: JobFinished[] = [];
  const s = makeServices(engine, <E extends keyof Events>(e: E, p: Events[E]) => {
    if (e === 'job:finished') finished.push(p as JobFinished);
  });
  const send = (channel: string, payload: unknown) => dispatch(s, [APP], channel, payload, FRAME);
  const ok = async (channel: string, payload: unknown): Promise<Record<string, unknown>> => {
    const r = await send(channel, payload);
    if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
    return r.value as Record<string, unknown>;
  };
  /** The user picks `path` in main's dialog (the fake dialog answers). */
  const pick = async (path: string, kind = 'folder') => {
    s.desktop.nextPick = path;
    return (await ok('dialog:pick-path', { kind })) as { token: string; displayPath: string };
  };
  const root = await tempDir();
  const docs = join(root, 'docs');
  const precious = join(root, 'precious');
  await writeTree(docs, { 'a.txt': 'alpha', 'sub/b.txt': 'beta' });
  await writeTree(precious, { 'thesis.tex': 'years of work', 'data/raw.csv': '1,2,3' });
  await ok('profile:save', { name: 'docs', spec: { sources: [{ kind: 'folder', path: docs }] }, pathGrants: [await pick(docs)] });
  await ok('backup:start', { profile: 'docs' });
  await s.jobs.idle();
  const record = engine.history({ limit: 1 }).rows[0];
  if (!record) throw new Error('no backup');
  const snapshot = async () => ({ docs: await describeTree(docs), precious: await describeTree(precious) });
  return { engine, s, send, ok, pick, root, docs, precious, record, finished, snapshot };
}

const refused = (code: string, text: string | RegExp) => ({ ok: false, error: { code, message: typeof text === 'string' ? expect.stringContaining(text) : expect.stringMatching(text) } });

describe('a compromised renderer gets nothing through dispatch()', () => {
  it('cannot restore over a hand-typed folder: a string path, a forged token, a token for another path and a reused token are refused', async () => {
    const w = await world();
    const before = await w.snapshot();
    const start = (toDir: unknown) => w.send('restore:start', { target: { id: w.record.id }, options: { toDir, safetyBackup: false }, confirmName: w.record.fileName });

    expect(await start(w.precious)).toMatchObject(refused('IPC_REJECTED', 'options.toDir'));
    expect(await start({ token: FORGED, displayPath: w.precious })).toMatchObject(refused('IPC_REJECTED', 'unknown, expired or already used'));
    expect(await w.send('restore:plan', { target: { id: w.record.id }, options: { toDir: { token: FORGED, displayPath: w.precious }, safetyBackup: false } })).toMatchObject(refused('IPC_REJECTED', 'unknown'));
    // The user picked an empty folder; the page swaps the path for the precious one.
    const elsewhere = join(w.root, 'restored-here');
    const grant = await w.pick(elsewhere);
    expect(await start({ token: grant.token, displayPath: w.precious })).toMatchObject(refused('IPC_REJECTED', `issued for ${elsewhere}, not for ${w.precious}`));
    // A grant for a dropped archive is read-only: it cannot be a restore target.
    const archiveGrant = await w.ok('dialog:grant-dropped', { path: w.record.path });
    expect(await start(archiveGrant)).toMatchObject(refused('IPC_REJECTED', 'needs a folder'));

    // The real flow still works, once; then the grant is spent.
    expect(await start(grant)).toMatchObject({ ok: true });
    await w.s.jobs.idle();
    expect(w.finished.at(-1)).toMatchObject({ kind: 'restore', result: { ok: true } });
    expect(await describeTree(elsewhere)).toEqual(before.docs);
    expect(await start(grant)).toMatchObject(refused('IPC_REJECTED', 'already used'));
    expect(await w.snapshot()).toEqual(before);
  });

  it('restoring over existing data needs main\'s own confirmation; a declined box changes nothing', async () => {
    const w = await world();
    const before = await w.snapshot();
    const grant = await w.pick(w.precious);
    w.s.desktop.confirmAnswer = false;
    const r = await w.send('restore:start', { target: { id: w.record.id }, options: { toDir: grant, safetyBackup: true }, confirmName: w.record.fileName });
    expect(r).toMatchObject(refused('CANCELLED', 'was not confirmed. Nothing was changed'));
    expect(w.s.desktop.confirmations.at(-1)).toMatchObject({ title: 'Restore over existing data', detail: expect.stringContaining(w.precious) });
    expect(w.s.desktop.confirmations.at(-1)?.detail).toMatch(/deletes 3 file\(s\), replaces 0, adds 3/);
    await w.s.jobs.idle();
    expect(w.finished.filter((f) => f.kind === 'restore')).toEqual([]);
    expect(await w.snapshot()).toEqual(before);
  });

  it('cannot export to /etc or any path it names', async () => {
    const w = await world();
    const etc = await readdir('/etc');
    const target = await tempDir();
    expect(await w.send('backup:export', { id: w.record.id, destination: '/etc' })).toMatchObject(refused('IPC_REJECTED', 'destination'));
    expect(await w.send('backup:export', { id: w.record.id, destination: { token: FORGED, displayPath: '/etc' } })).toMatchObject(refused('IPC_REJECTED', 'unknown'));
    const grant = await w.pick(target);
    expect(await w.send('backup:export', { id: w.record.id, destination: { ...grant, displayPath: '/etc' } })).toMatchObject(refused('IPC_REJECTED', 'issued for'));
    expect(await readdir('/etc')).toEqual(etc);
    expect(await readdir(target)).toEqual([]);
    // The user's own choice works once.
    expect(await w.send('backup:export', { id: w.record.id, destination: grant })).toMatchObject({ ok: true, value: { path: join(target, w.record.fileName) } });
    expect(await w.send('backup:export', { id: w.record.id, destination: grant })).toMatchObject(refused('IPC_REJECTED', 'already used'));
  });

  it('cannot delete a backup, the safety backup or a profile without main\'s confirmation', async () => {
    const w = await world();
    // A real restore over the data, confirmed by the user, leaves a safety backup.
    const grant = await w.pick(w.precious);
    expect(await w.send('restore:start', { target: { id: w.record.id }, options: { toDir: grant, safetyBackup: true }, confirmName: w.record.fileName })).toMatchObject({ ok: true });
    await w.s.jobs.idle();
    const safetyId = w.finished.at(-1)?.result.ok ? w.finished.at(-1)?.result : null;
    const safety = w.engine.record((safetyId as { value: { safetyBackupId: string } }).value.safetyBackupId);
    expect(safety.trigger).toBe('PRE_RESTORE_SAFETY');

    w.s.desktop.confirmAnswer = false;
    for (const rec of [w.record, safety]) {
      expect(await w.send('backup:delete', { id: rec.id })).toMatchObject(refused('CANCELLED', 'was not deleted'));
      expect(w.engine.record(rec.id).status).toBe('COMPLETED');
      expect((await stat(rec.path)).isFile()).toBe(true);
    }
    expect(w.s.desktop.confirmations.at(-1)).toMatchObject({ title: 'Delete safety backup', detail: expect.stringContaining('cannot be undone') });
    expect(await w.send('profile:remove', { name: 'docs' })).toMatchObject(refused('CANCELLED', 'was not removed'));
    expect(w.engine.profiles.find('docs')).toBeDefined();
    // The old typed confirmation is no key: knowing the file name does not delete anything.
    expect(await w.send('backup:delete', { id: w.record.id, confirmName: w.record.fileName })).toMatchObject({ ok: false });
    expect(existsSync(w.record.path)).toBe(true);
  });

  it('cannot make main run an executable of its choice as pg_dump or pg_restore', async () => {
    const w = await world();
    const dir = await tempDir();
    const fake = join(dir, 'pg_dump');
    await writeFile(fake, '#!/bin/sh\necho "pg_dump (PostgreSQL) 9.6.24"\n');
    await chmod(fake, 0o755);
    const liar = join(dir, 'bin', 'pg_restore');
    await writeTree(dir, { 'bin/pg_restore': '#!/bin/sh\necho "Python 3.11.2"\n' });
    await chmod(liar, 0o755);
    const attempts: [string, string, string][] = [
      ['pgDumpPath', '/bin/sh', 'not named pg_dump'],
      ['pgDumpPath', 'pg_dump', 'absolute path'],
      ['pgDumpPath', join(dir, 'missing', 'pg_dump'), 'no file there'],
      ['pgDumpPath', fake, 'version 9 is not supported'],
      ['pgRestorePath', liar, 'does not answer --version as pg_restore'],
      ['pgRestorePath', join(PG_BIN, 'pg_dump'), 'not named pg_restore'],
    ];
    for (const [key, path, why] of attempts) {
      expect(await w.send('settings:set', { [key]: path })).toMatchObject(refused('PG_DUMP_NOT_FOUND', why));
    }
    expect(w.s.settings.get()).toMatchObject({ pgDumpPath: null, pgRestorePath: null });
    // The real tools identify themselves and are accepted.
    if (existsSync(join(PG_BIN, 'pg_dump'))) {
      expect(await w.send('settings:set', { pgDumpPath: join(PG_BIN, 'pg_dump'), pgRestorePath: join(PG_BIN, 'pg_restore') })).toMatchObject({ ok: true });
    }
  });

  it('cannot save a profile, start an ad-hoc backup or import from paths it typed', async () => {
    const w = await world();
    const before = w.engine.profiles.get('docs');
    const spec = (path: string, destination: string | null = null) => ({ sources: [{ kind: 'folder', path }], destination });
    expect(await w.send('profile:save', { name: 'docs', replace: true, spec: spec(w.precious) })).toMatchObject(refused('IPC_REJECTED', `folder path ${w.precious} was not chosen`));
    expect(await w.send('profile:save', { name: 'docs', replace: true, spec: spec(w.docs, '/etc') })).toMatchObject(refused('IPC_REJECTED', 'destination path /etc was not chosen'));
    expect(await w.send('profile:save', { name: 'evil', spec: spec(w.docs) })).toMatchObject(refused('IPC_REJECTED', 'was not chosen'));
    const forged = { token: FORGED, displayPath: w.precious };
    expect(await w.send('profile:save', { name: 'docs', replace: true, spec: spec(w.precious), pathGrants: [forged] })).toMatchObject(refused('IPC_REJECTED', 'unknown'));
    expect(w.engine.profiles.get('docs')).toEqual(before);
    expect(w.engine.profiles.find('evil')).toBeUndefined();
    // The stored profile's own paths need no grant (a schedule change keeps its folder).
    expect(await w.send('profile:save', { name: 'docs', replace: true, spec: { ...spec(w.docs), schedule: { preset: 'daily', time: '02:30' } } })).toMatchObject({ ok: true });

    expect(await w.send('backup:start', { sources: [{ kind: 'folder', path: w.precious }] })).toMatchObject(refused('IPC_REJECTED', 'was not chosen'));
    expect(await w.send('import:archive', { path: w.record.path })).toMatchObject(refused('IPC_REJECTED', 'archive'));
    expect(await w.send('import:archive', { archive: forged })).toMatchObject(refused('IPC_REJECTED', 'unknown'));
    expect(await w.send('restore:plan', { target: { path: w.record.path }, options: {} })).toMatchObject(refused('IPC_REJECTED', 'target'));
    // A forged drop: the preload-only channel mints read-only grants for archive files, nothing else.
    expect(await w.send('dialog:grant-dropped', { path: '/etc/passwd' })).toMatchObject(refused('ARCHIVE_INVALID', 'not a backup archive'));
    expect(await w.send('dialog:grant-dropped', { path: 'backups/../x.zip' })).toMatchObject(refused('IPC_REJECTED', 'absolute path'));
    expect(await w.send('dialog:grant-dropped', { path: join(w.root, 'nothing.zip') })).toMatchObject(refused('NOT_FOUND', 'not a regular file'));
    await w.s.jobs.idle();
    expect(w.engine.history({ limit: 10 }).total).toBe(1);
  });
});
