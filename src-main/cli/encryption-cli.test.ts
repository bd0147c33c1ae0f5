import { execFileSync, spawnSync } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lifeboat, type CliRun } from '../../test-support/cli.js';
import { catalogRows, nextStart, runWithFault } from '../../test-support/crash.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { describeTree, writeTree } from '../../test-support/tree.js';

const hasAge = spawnSync('age-keygen', ['--version']).status === 0 && spawnSync('age', ['--version']).status === 0;
const PASSPHRASE = 'quartz-lantern-meadow-7';

/** An age-keygen identity file and its public key. */
async function keygen(dir: string, name: string): Promise<{ file: string; recipient: string; identity: string }> {
  const file = join(dir, name);
  execFileSync('age-keygen', ['-o', file], { stdio: 'ignore' });
  const recipient = execFileSync('age-keygen', ['-y', file]).toString().trim();
  const identity = (await readFile(file, 'utf8')).split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1')) ?? '';
  return { file, recipient, identity };
}

async function setup(): Promise<{ home: string; data: string; out: string; keys: string }> {
  const home = await tempDir();
  const data = await tempDir();
  await writeTree(data, { 'notes/a.md': '# hello\n'.repeat(200), 'b.json': '{"x":1}\n' });
  return { home, data, out: join(home, 'out'), keys: await tempDir() };
}

describe.skipIf(!hasAge)(`lifeboat with age encryption${hasAge ? '' : ' (skipped: the age and age-keygen commands are not installed)'}`, () => {
  it('backup --recipient writes .zip.age; age -d -i decrypts it and unzip -t passes; verify/restore/import take --identity; a wrong key says so', async () => {
    const { home, data, out, keys } = await setup();
    const key = await keygen(keys, 'key.txt');
    const stranger = await keygen(keys, 'other.txt');
    const runs: CliRun[] = [];
    const run = async (args: string[]): Promise<CliRun> => {
      const r = await lifeboat(['--home', home, ...args]);
      runs.push(r);
      return r;
    };
    const b = await run(['backup', '--dir', data, '--out', out, '--recipient', key.recipient, '--json']);
    expect(b.code, b.stderr).toBe(0);
    const res = b.json<{ path: string; id: string; sha256: string; plain: { sha256: string } }>();
    expect(res.path.endsWith('.zip.age')).toBe(true);
    expect((await readdir(out)).filter((f) => f.endsWith('.zip') || f.endsWith('.partial'))).toEqual([]);

    const plain = join(keys, 'plain.zip');
    execFileSync('age', ['-d', '-i', key.file, '-o', plain, res.path]);
    expect(execFileSync('unzip', ['-t', plain]).toString()).toContain('No errors detected');
    expect(execFileSync('sha256sum', [plain]).toString().split(' ')[0]).toBe(res.plain.sha256);

    expect((await run(['verify', res.id, '--identity', key.file])).code).toBe(0);
    const wrong = await run(['verify', res.id, '--identity', stranger.file]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('[DECRYPT_KEY_WRONG]');
    expect(wrong.stderr).not.toMatch(/corrupt|damaged/i);
    const none = await run(['verify', res.id]);
    expect(none.stderr).toContain('[DECRYPT_KEY_MISSING]');

    const to = join(await tempDir(), 'restored');
    const r = await run(['restore', res.id, '--to-dir', to, '--identity', key.file]);
    expect(r.code, r.stderr).toBe(0);
    expect(await describeTree(to)).toEqual(await describeTree(data));

    const other = await tempDir();
    const imp = await lifeboat(['--home', other, 'import', res.path, '--identity', key.file, '--json']);
    runs.push(imp);
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.json<{ path: string }>().path.endsWith('.zip.age')).toBe(true);

    // No secret in any output or in the catalog.
    for (const x of runs) expect(`${x.stdout}${x.stderr}`).not.toContain(key.identity);
    for (const f of await readdir(home)) {
      if (f.startsWith('catalog')) expect((await readFile(join(home, f))).toString('latin1')).not.toContain(key.identity);
    }
  });

  it('tar.gz with --recipients-file and a passphrase file both round trip through verify and restore', async () => {
    const { home, data, out, keys } = await setup();
    const key = await keygen(keys, 'key.txt');
    await writeFile(join(keys, 'recipients.txt'), `# the off-site key\n${key.recipient}\n`);
    const t = await lifeboat(['--home', home, 'backup', '--dir', data, '--out', out, '--format', 'tar.gz', '--recipients-file', join(keys, 'recipients.txt'), '--json']);
    expect(t.code, t.stderr).toBe(0);
    const tar = t.json<{ path: string; id: string }>();
    expect(tar.path.endsWith('.tar.gz.age')).toBe(true);
    expect((await lifeboat(['--home', home, 'verify', tar.path, '--identity', key.file])).code).toBe(0);

    await writeFile(join(keys, 'pass.txt'), `${PASSPHRASE}\n`, { mode: 0o600 });
    const p = await lifeboat(['--home', home, 'backup', '--dir', data, '--out', out, '--passphrase-file', join(keys, 'pass.txt'), '--json']);
    expect(p.code, p.stderr).toBe(0);
    const pass = p.json<{ id: string }>();
    const to = join(await tempDir(), 'restored');
    const r = await lifeboat(['--home', home, 'restore', pass.id, '--to-dir', to, '--passphrase-file', join(keys, 'pass.txt')]);
    expect(r.code, r.stderr).toBe(0);
    expect(await describeTree(to)).toEqual(await describeTree(data));
    await writeFile(join(keys, 'bad.txt'), 'not the passphrase\n');
    const bad = await lifeboat(['--home', home, 'verify', pass.id, '--passphrase-file', join(keys, 'bad.txt')]);
    expect(bad.stderr).toContain('[DECRYPT_KEY_WRONG]');
    expect(`${p.stdout}${p.stderr}${r.stdout}${r.stderr}${bad.stderr}`).not.toContain(PASSPHRASE);
  }, 240_000); // scrypt (work factor 18) in pure JS, several times per test

  it('a bad --recipient fails the backup with a FAILED row and leaves nothing at the destination', async () => {
    const { home, data, out } = await setup();
    const run = await lifeboat(['--home', home, 'backup', '--dir', data, '--out', out, '--recipient', 'age1notakey']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('[ENCRYPTION_FAILED]');
    expect(catalogRows<{ status: string; error_code: string }>(home, 'SELECT status, error_code FROM backups')).toEqual([{ status: 'FAILED', error_code: 'ENCRYPTION_FAILED' }]);
    expect((await readdir(out).catch(() => [] as string[])).filter((f) => f !== 'README.txt')).toEqual([]);
  });

  it('killed while encrypting: the next start leaves a FAILED row, no plain archive and no partial at the destination, no private temp', async () => {
    const { home, data, out, keys } = await setup();
    await writeTree(data, { 'big.txt': 'x'.repeat(400_000) });
    const key = await keygen(keys, 'key.txt');
    const run = await runWithFault(['--home', home, 'backup', '--dir', data, '--out', out, '--recipient', key.recipient], 'backup:encrypting');
    expect(run.signal, run.stderr).toBe('SIGKILL');
    await nextStart(home);
    expect(catalogRows<{ status: string; error_code: string }>(home, 'SELECT status, error_code FROM backups')).toEqual([{ status: 'FAILED', error_code: 'INTERRUPTED' }]);
    const left = await readdir(out);
    expect(left.filter((f) => /\.(zip|gz|age|partial)$/.test(f) || f.startsWith('.lifeboat'))).toEqual([]);
    expect((await readdir(join(home, 'tmp')).catch(() => [] as string[])).filter((f) => f.startsWith('crypt-'))).toEqual([]);
  });
});

describe('lifeboat backup with an empty recipients file', () => {
  it('fails with ENCRYPTION_FAILED instead of writing a plain archive', async () => {
    const { home, data, out, keys } = await setup();
    await writeFile(join(keys, 'empty.txt'), '# nobody yet\n');
    const run = await lifeboat(['--home', home, 'backup', '--dir', data, '--out', out, '--recipients-file', join(keys, 'empty.txt')]);
    expect(run.stderr).toContain('[ENCRYPTION_FAILED]');
    expect(catalogRows<{ status: string }>(home, 'SELECT status FROM backups')).toEqual([{ status: 'FAILED' }]);
    expect((await readdir(out).catch(() => [] as string[])).filter((f) => f !== 'README.txt')).toEqual([]);
  });
});

describe('lifeboat backup of a database with encryption', () => {
  it.skipIf(!hasAge)('killed after the archive was written: no plain dump or archive was ever at the destination', async () => {
    const { home, out, keys } = await setup();
    const Database = (await import('better-sqlite3')).default;
    const dbPath = join(keys, 'app.db');
    const db = new Database(dbPath);
    db.exec("CREATE TABLE t (secret TEXT); INSERT INTO t VALUES ('top-secret-row')");
    db.close();
    const key = await keygen(keys, 'key.txt');
    const run = await runWithFault(['--home', home, 'backup', '--sqlite', dbPath, '--out', out, '--recipient', key.recipient], 'backup:written');
    expect(run.signal, run.stderr).toBe('SIGKILL');
    // Before any recovery: what a crash leaves at the destination holds no plain byte of the data.
    const left = await readdir(out, { recursive: true, withFileTypes: true });
    // The plain copy and archive were in the private 0700 folder under the home instead.
    const priv = (await readdir(join(home, 'tmp'))).filter((f) => f.startsWith('crypt-'));
    expect(priv).toHaveLength(1);
    expect((await stat(join(home, 'tmp', priv[0] ?? ''))).mode & 0o777).toBe(0o700);
    for (const e of left.filter((x) => x.isFile())) {
      const f = join(e.parentPath, e.name);
      expect((await readFile(f)).toString('latin1'), f).not.toContain('top-secret-row');
    }
    await nextStart(home);
    expect((await readdir(join(home, 'tmp')).catch(() => [] as string[])).filter((f) => f.startsWith('crypt-'))).toEqual([]);
  });
});
