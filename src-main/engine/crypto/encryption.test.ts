import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARCHIVE_FORMATS } from '../../../src-shared/domain/enums.js';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { describeTree, writeTree } from '../../../test-support/tree.js';
import { holdAt } from '../util/fault.js';
import { sha256File } from '../verify/verify-archive.js';
import { generateKeyPair, type DecryptionKey } from './age-keys.js';
import { decryptFile } from './age-stream.js';
import { EncryptionRepo } from './encryption-repo.js';

const hasAge = spawnSync('age', ['--version']).status === 0;
const hasScript = spawnSync('script', ['--version']).status === 0;
const isRoot = process.getuid?.() === 0;
const PASSPHRASE = 'tangerine-otter-glacier-41';

async function dataTree(): Promise<string> {
  const src = await tempDir();
  await writeTree(src, { 'a.txt': 'alpha\n'.repeat(500), 'deep/b.csv': 'id,v\n1,2\n', 'deep/er/c.bin': randomBytes(70_000).toString('base64') });
  return src;
}

/** Files at the destination, ignoring the README and sidecars: never a plain archive, never a partial. */
async function archivesAt(out: string): Promise<string[]> {
  return (await readdir(out).catch(() => [] as string[])).filter((f) => !f.endsWith('.sha256') && f !== 'README.txt');
}

function unpackCheck(file: string, format: 'zip' | 'tar.gz'): string {
  return format === 'zip' ? execFileSync('unzip', ['-t', file]).toString() : execFileSync('tar', ['-tzf', file]).toString();
}

describe.each(ARCHIVE_FORMATS)('encrypted %s backups', (format) => {
  it.skipIf(!hasAge)('to a recipient: only <name>.age lands; the age command decrypts it and the archive unpacks', async () => {
    const { engine, out } = await testEngine();
    const src = await dataTree();
    const { identity, recipient } = await generateKeyPair();
    const r = await engine.backup(request(out, [folder(src, { name: 'data' })], { format, encryption: { kind: 'recipients', recipients: [recipient] } }));
    expect(r.fileName.endsWith(`.${format}.age`)).toBe(true);
    expect(await archivesAt(out)).toEqual([r.fileName]);
    const readme = await readFile(join(out, 'README.txt'), 'utf8');
    expect(readme).toContain('age -d -i key.txt');

    const work = await tempDir();
    await writeFile(join(work, 'key.txt'), `# test key\n${identity}\n`, { mode: 0o600 });
    const plain = join(work, `plain.${format}`);
    execFileSync('age', ['-d', '-i', join(work, 'key.txt'), '-o', plain, r.path]);
    expect(unpackCheck(plain, format)).toContain('manifest.json');
    // The catalog keeps both hashes: the stored (encrypted) file and the plain archive inside.
    const row = engine.env.catalog.backups.get(r.id);
    expect(row?.sha256).toBe(await sha256File(r.path));
    const enc = new EncryptionRepo(engine.env.catalog.db).get(r.id);
    expect(enc?.plainSha256).toBe(await sha256File(plain));
    expect(enc).toMatchObject({ mode: 'recipients', recipients: [recipient] });
    expect(r.plain?.sha256).toBe(enc?.plainSha256);
  });

  it('verify, restore and import work on the encrypted archive with the identity', async () => {
    const { engine, out } = await testEngine();
    const src = await dataTree();
    const { identity, recipient } = await generateKeyPair();
    const key: DecryptionKey = { kind: 'identity', identities: [identity] };
    const r = await engine.backup(request(out, [folder(src, { name: 'data' })], { format, encryption: { kind: 'recipients', recipients: [recipient] } }));
    const target = await engine.resolve(r.id);

    const report = await engine.verify(target, undefined, { key });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.sha256).toBe(r.sha256);
    expect(report.entriesChecked).toBeGreaterThan(2);
    // Quick verify needs no key: it only re-hashes the stored bytes.
    expect((await engine.verify(target, undefined, { quick: true })).ok).toBe(true);

    const to = join(await tempDir(), 'restored');
    await engine.restore(target, { toDir: to }, {}, key);
    expect(await describeTree(to)).toEqual(await describeTree(src));

    const other = await testEngine();
    const imported = await other.engine.import(r.path, key);
    expect(imported.duplicate).toBe(false);
    expect(imported.path.endsWith('.age')).toBe(true);
    expect(await sha256File(imported.path)).toBe(r.sha256);
    expect(new EncryptionRepo(other.engine.env.catalog.db).get(imported.id)?.plainSha256).toBe(r.plain?.sha256);
    // Only the encrypted file was copied in.
    expect((await readdir(join(other.home, 'backups'))).filter((f) => /\.(zip|gz)$/.test(f))).toEqual([]);
    expect((await other.engine.verify(await other.engine.resolve(imported.id), undefined, { key })).ok).toBe(true);
  });
});

describe('import of an encrypted archive rewritten while it is imported', () => {
  it('is refused (SOURCE_CHANGED) when the bytes decrypted are not the bytes hashed; nothing is imported', async () => {
    const { engine, out } = await testEngine();
    const { identity, recipient } = await generateKeyPair();
    const key: DecryptionKey = { kind: 'identity', identities: [identity] };
    const first = await engine.backup(request(out, [folder(await dataTree(), { name: 'data' })], { format: 'zip', encryption: { kind: 'recipients', recipients: [recipient] } }));
    const second = await engine.backup(request(out, [folder(await dataTree(), { name: 'other' })], { format: 'zip', encryption: { kind: 'recipients', recipients: [recipient] } }));
    const file = join(await tempDir(), 'download.zip.age');
    await copyFile(first.path, file);
    const other = await testEngine();
    const hold = holdAt('import:hashed');
    const importing = other.engine.import(file, key).then(
      () => null,
      (e: unknown) => e,
    );
    await hold.reached;
    await copyFile(second.path, file); // a writer replaces the file between the hash and the decrypt
    hold.release();
    expect(await importing).toMatchObject({ code: 'SOURCE_CHANGED' });
    expect(other.engine.history({}).rows).toEqual([]);
    expect((await readdir(join(other.home, 'backups')).catch(() => [] as string[])).filter((f) => f.endsWith('.age'))).toEqual([]);
  });
});

describe('export of an encrypted backup', () => {
  it('copies the encrypted file as stored (no key needed) with its sidecar', async () => {
    const { engine, out } = await testEngine();
    const { recipient } = await generateKeyPair();
    const r = await engine.backup(request(out, [folder(await dataTree())], { encryption: { kind: 'recipients', recipients: [recipient] } }));
    const to = await tempDir();
    const copy = await engine.export(engine.record(r.id), to);
    expect(copy.path.endsWith('.zip.age')).toBe(true);
    expect(copy.sha256).toBe(r.sha256);
    expect(await readFile(`${copy.path}.sha256`, 'utf8')).toContain(r.sha256);
  });
});

describe('passphrase encryption', () => {
  it('round trips through the library, and the age command decrypts it when given the passphrase on a terminal', async () => {
    const { engine, out } = await testEngine();
    const src = await dataTree();
    const r = await engine.backup(request(out, [folder(src, { name: 'data' })], { encryption: { kind: 'passphrase', passphrase: PASSPHRASE } }));
    expect(await archivesAt(out)).toEqual([r.fileName]);
    const work = await tempDir();
    const viaLib = join(work, 'lib.zip');
    const back = await decryptFile(r.path, viaLib, { kind: 'passphrase', passphrase: PASSPHRASE });
    expect(back.sha256).toBe(new EncryptionRepo(engine.env.catalog.db).get(r.id)?.plainSha256);
    expect(execFileSync('unzip', ['-t', viaLib]).toString()).toContain('No errors detected');
    expect((await engine.verify(await engine.resolve(r.id), undefined, { key: { kind: 'passphrase', passphrase: PASSPHRASE } })).ok).toBe(true);

    // age 1.1 reads a passphrase only from a terminal: `script` gives it one (util-linux).
    if (hasAge && hasScript) {
      const viaCli = join(work, 'cli.zip');
      const run = spawnSync('script', ['-qec', `age -d -o '${viaCli}' '${r.path}'`, '/dev/null'], { input: `${PASSPHRASE}\n`, timeout: 60_000 });
      expect(run.status, run.stdout.toString()).toBe(0);
      expect(await sha256File(viaCli)).toBe(back.sha256);
    }
  }, 240_000); // scrypt (work factor 18) in pure JS, several times per test

  it('a wrong key is DECRYPT_KEY_WRONG (not a damaged archive); no key is DECRYPT_KEY_MISSING', async () => {
    const { engine, out } = await testEngine();
    const src = await dataTree();
    const pass = await engine.backup(request(out, [folder(src, { name: 'p' })], { encryption: { kind: 'passphrase', passphrase: PASSPHRASE } }));
    const { recipient } = await generateKeyPair();
    const stranger = await generateKeyPair();
    const rcp = await engine.backup(request(out, [folder(src, { name: 'r' })], { encryption: { kind: 'recipients', recipients: [recipient] } }));
    const wrongId: DecryptionKey = { kind: 'identity', identities: [stranger.identity] };
    const wrongPass: DecryptionKey = { kind: 'passphrase', passphrase: 'not it' };

    await expect(engine.verify(await engine.resolve(rcp.id), undefined, { key: wrongId })).rejects.toMatchObject({ code: 'DECRYPT_KEY_WRONG' });
    await expect(engine.verify(await engine.resolve(pass.id), undefined, { key: wrongPass })).rejects.toMatchObject({ code: 'DECRYPT_KEY_WRONG' });
    await expect(engine.verify(await engine.resolve(pass.id), undefined, { key: wrongId })).rejects.toMatchObject({ code: 'DECRYPT_KEY_WRONG' });
    await expect(engine.restore(await engine.resolve(rcp.id), { toDir: join(await tempDir(), 'to') }, {}, wrongId)).rejects.toMatchObject({ code: 'DECRYPT_KEY_WRONG' });
    await expect((await testEngine()).engine.import(rcp.path, wrongPass)).rejects.toMatchObject({ code: 'DECRYPT_KEY_WRONG' });
    await expect(engine.verify(await engine.resolve(rcp.id))).rejects.toMatchObject({ code: 'DECRYPT_KEY_MISSING' });
    // A tampered encrypted file with the right key is damage, not a wrong key.
    const bytes = await readFile(pass.path);
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 1;
    const tampered = join(await tempDir(), 'x.zip.age');
    await writeFile(tampered, bytes);
    await expect(engine.verify({ path: tampered, record: null }, undefined, { key: { kind: 'passphrase', passphrase: PASSPHRASE } })).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
  }, 240_000); // scrypt (work factor 18) in pure JS, several times per test
});

describe('encryption that cannot be applied fails the backup', () => {
  it('a bad recipient: FAILED row with ENCRYPTION_FAILED, nothing at the destination, no plain copy left', async () => {
    const { engine, out, home } = await testEngine();
    const src = await dataTree();
    const bad = 'age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq';
    await expect(engine.backup(request(out, [folder(src)], { encryption: { kind: 'recipients', recipients: [bad] } }))).rejects.toMatchObject({ code: 'ENCRYPTION_FAILED' });
    const row = engine.history({}).rows[0];
    expect(row).toMatchObject({ status: 'FAILED', errorCode: 'ENCRYPTION_FAILED' });
    expect(row?.errorMessage).toMatch(/not an age X25519 public key/);
    expect(await archivesAt(out)).toEqual([]);
    expect((await readdir(join(home, 'tmp')).catch(() => [])).filter((f) => f.startsWith('crypt-'))).toEqual([]);
  });

  it('a passphrase profile without its passphrase: FAILED row naming where to set it, nothing written', async () => {
    const { engine, out } = await testEngine();
    const src = await dataTree();
    await expect(engine.backup(request(out, [folder(src)], { profile: 'crm', encryption: { kind: 'passphrase', passphrase: '' } }))).rejects.toMatchObject({ code: 'ENCRYPTION_FAILED' });
    const row = engine.history({}).rows[0];
    expect(row).toMatchObject({ status: 'FAILED', errorCode: 'ENCRYPTION_FAILED' });
    expect(row?.errorMessage).toContain('--passphrase-file');
    expect(await archivesAt(out)).toEqual([]);
  });

  describe.skipIf(!isRoot)(`on a full destination${isRoot ? '' : ' (skipped: mounting a tmpfs needs root)'}`, () => {
    it('DISK_FULL while encrypting: FAILED row, no plain or partial archive at the destination', async () => {
      const { engine, home } = await testEngine();
      const src = await tempDir();
      await writeFile(join(src, 'noise.bin'), randomBytes(3 * 1024 * 1024));
      const out = join(await tempDir(), 'full');
      await mkdir(out);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', out]);
      try {
        const { recipient } = await generateKeyPair();
        await expect(engine.backup(request(out, [folder(src)], { encryption: { kind: 'recipients', recipients: [recipient] } }))).rejects.toMatchObject({ code: 'DISK_FULL' });
        expect(engine.history({}).rows[0]).toMatchObject({ status: 'FAILED', errorCode: 'DISK_FULL' });
        expect(await archivesAt(out)).toEqual([]);
        expect((await readdir(join(home, 'tmp')).catch(() => [])).filter((f) => f.startsWith('crypt-'))).toEqual([]);
      } finally {
        execFileSync('umount', [out]);
      }
    });
  });
});

describe('no secret at rest', () => {
  it('the catalog, its WAL and the audit log never hold the passphrase or the identity', async () => {
    const { engine, out, home } = await testEngine();
    const src = await dataTree();
    const { identity, recipient } = await generateKeyPair();
    const a = await engine.backup(request(out, [folder(src)], { encryption: { kind: 'passphrase', passphrase: PASSPHRASE } }));
    const b = await engine.backup(request(out, [folder(src)], { encryption: { kind: 'recipients', recipients: [recipient] } }));
    await engine.verify(await engine.resolve(a.id), undefined, { key: { kind: 'passphrase', passphrase: PASSPHRASE } });
    await engine.verify(await engine.resolve(b.id), undefined, { key: { kind: 'identity', identities: [identity] } });
    await expect(engine.verify(await engine.resolve(b.id), undefined, { key: { kind: 'passphrase', passphrase: PASSPHRASE } })).rejects.toThrow();
    const files: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const e of await readdir(d, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(d, e.name));
        else files.push(join(d, e.name));
      }
    };
    await walk(home);
    expect(files.some((f) => f.includes('catalog'))).toBe(true);
    for (const f of files.filter((x) => !x.endsWith('.age'))) {
      const text = (await readFile(f)).toString('latin1');
      expect(text.includes(PASSPHRASE), f).toBe(false);
      expect(text.includes(identity), f).toBe(false);
      expect(text.includes(identity.toLowerCase()), f).toBe(false);
    }
    expect(existsSync(join(home, 'tmp')) ? (await readdir(join(home, 'tmp'))).length : 0).toBe(0);
    expect((await stat(a.path)).size).toBeGreaterThan(0);
  }, 240_000); // scrypt (work factor 18) in pure JS, several times per test
});
