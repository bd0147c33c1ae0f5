import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIFEBOAT_BIN, lifeboat } from '../../test-support/cli.js';
import { pgUnavailableReason, PG_BIN, startPgCluster, type PgCluster } from '../../test-support/pg-cluster.js';
import { walDatabaseWithRowsOnlyInWal } from '../../test-support/sqlite-fixtures.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { describeTree, writeTree } from '../../test-support/tree.js';

interface BackupJson {
  ok: boolean;
  id: string;
  path: string;
  sha256: string;
  size: number;
  status: string;
  warnings: { code: string }[];
}

async function fixture(): Promise<{ home: string; data: string; db: string }> {
  const home = await tempDir('lifeboat-cli-home-');
  const data = await tempDir('lifeboat-cli-data-');
  await writeTree(data, { 'docs/a.txt': 'alpha', 'docs/b.csv': '1,2,3\n', 'img/x.bin': randomBytes(4096) });
  const db = join(data, 'app.db');
  walDatabaseWithRowsOnlyInWal(db, 500).close();
  return { home, data, db };
}

describe('lifeboat CLI (through its binary)', () => {
  it('backs up with --json, then lists, shows and verifies it; exit codes 0', async () => {
    const { home, data, db } = await fixture();
    const b = await lifeboat(['--home', home, 'backup', '--sqlite', db, '--dir', join(data, 'docs'), '--format', 'tar.gz', '--description', 'cli run', '--json']);
    expect(b.code, b.stderr).toBe(0);
    const r = b.json<BackupJson>();
    expect(r).toMatchObject({ ok: true, status: 'COMPLETED', size: (await stat(r.path)).size });
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.path.endsWith('.tar.gz')).toBe(true);

    const list = await lifeboat(['list', '--json', '--home', home, '--search', 'cli run']);
    expect(list.json<{ total: number; rows: { id: string; status: string }[] }>()).toMatchObject({ total: 1, rows: [{ id: r.id, status: 'COMPLETED' }] });

    const info = await lifeboat(['--home', home, 'info', r.id.slice(0, 8)]);
    expect(info.code).toBe(0);
    expect(info.stdout).toContain('501 rows');
    expect(info.stdout).toMatch(/docs: folder .* 2 files/);

    const verify = await lifeboat(['--home', home, 'verify', r.id]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toContain('matches the catalog');

    const human = await lifeboat(['--home', home, 'list']);
    expect(human.stdout).toMatch(new RegExp(`${r.id.slice(0, 8)} .*COMPLETED`));
  });

  it('verify exits 3 and names the damage when the archive was altered', async () => {
    const { home, data } = await fixture();
    const r = (await lifeboat(['--home', home, 'backup', '--dir', join(data, 'img'), '--level', '0', '--json'])).json<BackupJson>();
    const fh = await open(r.path, 'r+');
    const { size } = await fh.stat();
    const at = Math.floor(size / 3);
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, at);
    await fh.write(Buffer.from([b[0]! ^ 0xff]), 0, 1, at);
    await fh.close();
    const v = await lifeboat(['--home', home, 'verify', r.path, '--json']);
    expect(v.code).toBe(3);
    const report = v.json<{ ok: boolean; problems: { path: string; problem: string }[] }>();
    expect(report.ok).toBe(false);
    expect(report.problems[0]?.problem).toMatch(/archive SHA-256 is .* the catalog says/);
    const human = await lifeboat(['--home', home, 'verify', r.id]);
    expect(human.code).toBe(3);
    expect(human.stderr).toContain('FAILED');
    // The quick check (whole-file checksum only) catches the same damage.
    const quick = await lifeboat(['--home', home, 'verify', r.id, '--quick', '--json']);
    expect(quick.code).toBe(3);
    expect(quick.json<{ problems: { problem: string }[] }>().problems[0]?.problem).toMatch(/archive SHA-256 is .* the catalog says/);
  });

  it('verify --quick re-hashes only the archive and does not mark the backup verified', async () => {
    const { home, data } = await fixture();
    const r = (await lifeboat(['--home', home, 'backup', '--dir', join(data, 'img'), '--no-verify', '--json'])).json<BackupJson>();
    const quick = await lifeboat(['--home', home, 'verify', r.id, '--quick']);
    expect(quick.code, quick.stderr).toBe(0);
    expect(quick.stdout).toContain('quick check: entries were not read');
    const listed = (await lifeboat(['--home', home, 'list', '--json'])).json<{ rows: { id: string; verifiedAt: string | null }[] }>();
    expect(listed.rows.find((x) => x.id === r.id)?.verifiedAt).toBeNull();
    const full = await lifeboat(['--home', home, 'verify', r.id]);
    expect(full.code).toBe(0);
    const after = (await lifeboat(['--home', home, 'list', '--json'])).json<{ rows: { id: string; verifiedAt: string | null }[] }>();
    expect(after.rows.find((x) => x.id === r.id)?.verifiedAt).toEqual(expect.any(String));
  });

  it.each([
    [['backup'], 'Nothing to back up'],
    [['backup', '--dir', '/tmp', '--format', 'rar'], "argument 'rar' is invalid"],
    [['backup', '--nonsense'], "unknown option '--nonsense'"],
    [['list', '--since', 'yesterday-ish'], 'is not a date'],
    [['frobnicate'], "unknown command 'frobnicate'"],
  ])('usage errors exit 2: %j', async (args, message) => {
    const home = await tempDir();
    const run = await lifeboat(['--home', home, ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('an operation that fails exits 1 with the code, a message and a hint; --json puts the error on stdout', async () => {
    const home = await tempDir();
    const human = await lifeboat(['--home', home, 'info', 'deadbeef']);
    expect(human.code).toBe(1);
    expect(human.stderr).toMatch(/"deadbeef" is neither an archive file nor a backup id .*\[NOT_FOUND\]\n {2}hint: /);
    const json = await lifeboat(['--home', home, 'backup', '--dir', join(home, 'missing'), '--json']);
    expect(json.code).toBe(1);
    expect(json.json()).toMatchObject({ ok: false, error: { code: 'SOURCE_MISSING' } });
  });

  it('manages profiles and backs one up; refuses to store a PostgreSQL password', async () => {
    const { home, data, db } = await fixture();
    const add = await lifeboat(['--home', home, 'profile', 'add', 'nightly', '--sqlite', db, '--dir', join(data, 'docs'), '--format', 'tar.gz', '--keep-last', '7']);
    expect(add.code, add.stderr).toBe(0);
    const list = await lifeboat(['--home', home, 'profile', 'list', '--json']);
    expect(list.json<{ profiles: { name: string; spec: { format: string; retention: { keepLast: number } } }[] }>().profiles).toMatchObject([
      { name: 'nightly', spec: { format: 'tar.gz', retention: { keepLast: 7 } } },
    ]);
    const run = await lifeboat(['--home', home, 'backup', '--profile', 'nightly', '--trigger', 'SCHEDULED', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect((await lifeboat(['--home', home, 'list', '--json', '--profile', 'nightly', '--trigger', 'SCHEDULED'])).json<{ total: number }>().total).toBe(1);
    const pw = await lifeboat(['--home', home, 'profile', 'add', 'pg', '--postgres', 'postgres://u:hunter2@db/app']);
    expect(pw.code).toBe(2);
    expect(pw.stderr).toContain('never store passwords');
    expect((await lifeboat(['--home', home, 'profile', 'remove', 'nightly'])).code).toBe(0);
    expect((await lifeboat(['--home', home, 'profile', 'show', 'nightly'])).code).toBe(1);
    const audit = await lifeboat(['--home', home, 'audit', 'verify']);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toMatch(/Audit trail intact: \d+ events/);
  });

  it('kill -9 during a backup: the next start leaves no partial file and no COMPLETED row', async () => {
    const home = await tempDir();
    const data = await tempDir();
    // Incompressible data at level 9 keeps the process busy long enough to be killed mid-write.
    await writeTree(data, Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`blob${i}.bin`, randomBytes(8 * 1024 * 1024)])));
    const out = join(home, 'backups');
    const child = spawn(process.execPath, [LIFEBOAT_BIN, '--home', home, 'backup', '--dir', data, '--level', '9'], { stdio: 'ignore' });
    let partial: string | undefined;
    for (let i = 0; i < 200 && !partial; i += 1) {
      await sleep(50);
      const names = await readdir(out).catch(() => [] as string[]);
      const p = names.find((n) => n.endsWith('.partial'));
      if (p && (await stat(join(out, p))).size > 0) partial = p;
    }
    expect(partial, 'the backup never started writing').toBeDefined();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    expect(await readdir(out)).toContain(partial);

    const list = await lifeboat(['--home', home, 'list', '--json']);
    const rows = list.json<{ rows: { status: string; errorCode: string; errorMessage: string }[] }>().rows;
    expect(rows).toMatchObject([{ status: 'FAILED', errorCode: 'INTERRUPTED' }]);
    expect(rows[0]?.errorMessage).toMatch(/^interrupted/);
    expect(await readdir(out)).toEqual([]);
  });

  it('restore, import and cleanup through the binary, with their exit codes', async () => {
    const { home, data } = await fixture();
    const b = (await lifeboat(['--home', home, 'backup', '--dir', join(data, 'docs'), '--json'])).json<BackupJson>();
    const check = await lifeboat(['--home', home, 'restore', b.id, '--check']);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain('No problems found. Nothing was changed.');
    const dry = await lifeboat(['--home', home, 'restore', b.id, '--dry-run', '--to-dir', join(data, 'copy'), '--json']);
    expect(dry.json<{ targets: { target: string; exists: boolean }[] }>().targets).toEqual([expect.objectContaining({ target: join(data, 'copy'), exists: false })]);
    expect((await lifeboat(['--home', home, 'restore', b.id, '--no-safety-backup'])).code).toBe(2);
    const run = await lifeboat(['--home', home, 'restore', b.id, '--to-dir', join(data, 'copy')]);
    expect(run.code, run.stderr).toBe(0);
    expect(await describeTree(join(data, 'copy'))).toEqual(await describeTree(join(data, 'docs')));

    const other = await tempDir();
    const imported = await lifeboat(['--home', other, 'import', b.path]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('Imported Lifeboat backup');
    const twice = await lifeboat(['--home', other, 'import', b.path]);
    expect(twice.stdout).toContain('Already in the catalog');

    const cleanup = await lifeboat(['--home', home, 'cleanup', '--dry-run']);
    expect(cleanup.code).toBe(0);
    expect(cleanup.stdout).toContain('(safety backups)');

    const { writeFakeBackup } = await import('../../test-support/fake-archive.js');
    const evil = join(other, 'evil.zip');
    await writeFakeBackup(evil, [{ name: 'files/docs/../../x', data: 'x' }]);
    const hostile = await lifeboat(['--home', other, 'restore', evil, '--to-dir', join(other, 't')]);
    expect(hostile.code).toBe(3);
    expect(hostile.stderr).toContain('[ARCHIVE_HOSTILE]');
  });

  it('schedule print gives a crontab line and a systemd service/timer pair for a scheduled profile', async () => {
    const home = await tempDir();
    expect((await lifeboat(['--home', home, 'profile', 'add', 'web', '--dir', home, '--schedule', 'weekly@5@23:15'])).code).toBe(0);
    const out = await lifeboat(['--home', home, 'schedule', 'print', '--profile', 'web']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain(`15 23 * * 5 ${process.execPath} ${LIFEBOAT_BIN} --home ${home} backup --profile web --trigger SCHEDULED`);
    expect(out.stdout).toContain('OnCalendar=Fri *-*-* 23:15:00');
    expect(out.stdout).toContain('Persistent=true');
    expect((await lifeboat(['--home', home, 'profile', 'add', 'bad', '--dir', home, '--schedule', '99 * * * *'])).code).toBe(2);
  });

  it('audit export writes the chain as CSV, and audit verify names a row edited directly in the catalog file', async () => {
    const { home, data } = await fixture();
    expect((await lifeboat(['--home', home, 'backup', '--dir', join(data, 'docs')])).code).toBe(0);
    const csv = await lifeboat(['--home', home, 'audit', 'export', '--format', 'csv']);
    expect(csv.stdout.split('\r\n')[0]).toBe('id,ts,actor,action,target,outcome,details,prev_hash,hash');
    expect(csv.stdout).toContain('"backup.complete"');
    const catalog = new Database(join(home, 'catalog.sqlite'));
    const row = catalog.prepare(`SELECT id FROM audit_events WHERE action = 'backup.complete'`).get() as { id: number };
    catalog.exec('DROP TRIGGER audit_events_no_update');
    catalog.prepare(`UPDATE audit_events SET details = '{"sha256":"forged"}' WHERE id = ?`).run(row.id);
    catalog.close();
    const verify = await lifeboat(['--home', home, 'audit', 'verify']);
    expect(verify.code).toBe(3);
    expect(verify.stderr).toContain(`Audit trail TAMPERED at event #${row.id}: row content does not match its hash (edited)`);
    const listed = await lifeboat(['--home', home, 'audit', 'list', '--action', 'backup', '--json']);
    expect(listed.json<{ events: { action: string }[] }>().events.every((e) => e.action.startsWith('backup'))).toBe(true);
  });

  it('receipt gives an HTML receipt of a backup with its checksum, verification and audit reference', async () => {
    const { home, data } = await fixture();
    const b = (await lifeboat(['--home', home, 'backup', '--dir', join(data, 'docs'), '--json'])).json<BackupJson>();
    const r = await lifeboat(['--home', home, 'receipt', b.id.slice(0, 8)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('<h2 style="color:#15803d">Backup succeeded</h2>');
    expect(r.stdout).toContain(b.sha256);
    expect(r.stdout).toContain('passed (every entry re-hashed, SQLite integrity_check)');
    expect(r.stdout).toMatch(/Audit reference<\/th><td[^>]*>#\d+ [0-9a-f]{16}/);
  });

  it('kill -9 mid-restore: the next start detects the interrupted restore and rolls it back', async () => {
    const home = await tempDir();
    const data = await tempDir();
    await writeTree(data, { 'a.txt': 'version 1', 'sub/b.txt': 'b' });
    const b = (await lifeboat(['--home', home, 'backup', '--dir', data, '--json'])).json<BackupJson>();
    await writeTree(data, { 'a.txt': 'version 2 (after the backup)', 'new.txt': 'new' });
    const before = await describeTree(data);

    const child = spawn(process.execPath, [LIFEBOAT_BIN, '--home', home, 'restore', b.id], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LIFEBOAT_TEST_PAUSE_AFTER: 'swapped' },
    });
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('paused after swapped')) resolve();
      });
      child.once('close', () => reject(new Error(`restore ended before the pause: ${err}`)));
    });
    // The new tree is in place and the old one aside: the worst moment to die.
    expect(await describeTree(data)).toMatchObject({ 'a.txt': expect.any(String) });
    expect((await describeTree(data))['new.txt']).toBeUndefined();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));

    const next = await lifeboat(['--home', home, 'list', '--json']);
    expect(next.code).toBe(0);
    expect(await describeTree(data)).toEqual(before);
    const catalog = new Database(join(home, 'catalog.sqlite'), { readonly: true });
    const row = catalog.prepare('SELECT status, error_code FROM restores').get();
    catalog.close();
    expect(row).toEqual({ status: 'ROLLED_BACK', error_code: 'INTERRUPTED' });
    expect((await readdir(dirname(data))).filter((n) => n.startsWith('.lifeboat-') && n.endsWith(basename(data)))).toEqual([]);
  });

  const isRoot = process.getuid?.() === 0;
  it('an unreadable file fails the backup naming the file; --skip-unreadable lists it in the manifest instead', async () => {
    const home = await tempDir();
    const data = await tempDir();
    await writeTree(data, { 'ok.txt': 'fine', 'secret.key': 'top secret' });
    await chmod(home, 0o777);
    await chmod(data, 0o755);
    await chmod(join(data, 'ok.txt'), 0o644);
    await chmod(join(data, 'secret.key'), 0o000);
    // Root reads anything, so as root the CLI runs as the unprivileged 'nobody' user to meet a real EACCES.
    const asUser = isRoot ? { uid: 65534, gid: 65534 } : {};
    if (isRoot) await chown(join(data, 'secret.key'), 0, 0);
    const fail = await lifeboat(['--home', home, 'backup', '--dir', data, '--json'], asUser);
    expect(fail.code, fail.stderr).toBe(1);
    expect(fail.json()).toMatchObject({ ok: false, error: { code: 'SOURCE_UNREADABLE', message: expect.stringContaining(join(data, 'secret.key')) } });
    expect(await readdir(join(home, 'backups'))).toEqual([]);

    const skip = await lifeboat(['--home', home, 'backup', '--dir', data, '--skip-unreadable', '--json'], asUser);
    expect(skip.code, skip.stderr).toBe(0);
    const r = skip.json<BackupJson>();
    expect(r.warnings.map((w) => w.code)).toEqual(['SKIPPED_FILES']);
    const info = (await lifeboat(['--home', home, 'info', r.id, '--json'])).json<{ manifest: { sources: { skipped: { path: string }[] }[]; totals: { files: number } } }>();
    expect(info.manifest.sources[0]?.skipped.map((s) => s.path)).toEqual(['secret.key']);
    expect(info.manifest.totals.files).toBe(1);
  });
});

const pgReason = pgUnavailableReason();
describe.skipIf(pgReason !== null)(`lifeboat CLI with PostgreSQL${pgReason ? ` (skipped: ${pgReason})` : ''}`, () => {
  let pg: PgCluster;
  beforeAll(async () => {
    pg = await startPgCluster();
    pg.psql('postgres', 'CREATE DATABASE shop');
    pg.psql('shop', `CREATE TABLE orders (id int PRIMARY KEY, total numeric); INSERT INTO orders SELECT i, i * 2 FROM generate_series(1, 250) i;`);
  });
  afterAll(() => pg?.stop());

  it('backs up PostgreSQL + SQLite + a folder in one archive, with the password only in PGPASSWORD', async () => {
    const { home, data, db } = await fixture();
    const url = `postgres://${pg.user}@127.0.0.1:${pg.port}/shop`;
    const env = { ...process.env, PGPASSWORD: pg.password, LIFEBOAT_PG_DUMP: join(PG_BIN, 'pg_dump') };
    const run = await lifeboat(['--home', home, 'backup', '--postgres', url, '--sqlite', db, '--dir', join(data, 'docs'), '--json'], { env });
    expect(run.code, run.stderr).toBe(0);
    const r = run.json<BackupJson>();
    const info = await lifeboat(['--home', home, 'info', r.id, '--json']);
    const m = info.json<{ manifest: { sources: { kind: string; totalRows?: number; serverVersion?: string }[]; tools: Record<string, string> } }>().manifest;
    expect(m.sources.map((s) => [s.kind, s.totalRows])).toEqual([
      ['sqlite', 501],
      ['postgres', 250],
      ['folder', undefined],
    ]);
    expect(m.tools.pg_dump).toMatch(/^15\./);
    for (const text of [run.stdout, run.stderr, info.stdout]) expect(text).not.toContain(pg.password);
    const typeDb = await lifeboat(['--home', home, 'backup', '--postgres', url, '--dir', join(data, 'docs'), '--type', 'database', '--json'], { env });
    expect(typeDb.json<{ summary: { sources: { kind: string }[] } }>().summary.sources.map((s) => s.kind)).toEqual(['postgres']);
  });
});
