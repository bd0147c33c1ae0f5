import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lifeboat } from '../../test-support/cli.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { writeTree } from '../../test-support/tree.js';
import { generateKeyPair } from '../engine/crypto/age-keys.js';
import { sha256File } from '../engine/verify/verify-archive.js';

const PASSPHRASE = 'copper-harbour-pylon-62';

async function setup() {
  const home = await tempDir();
  const data = await tempDir();
  await writeTree(data, { 'notes/a.md': '# hello\n'.repeat(50), 'b.json': '{"x":1}\n' });
  const keys = await tempDir();
  const { identity, recipient } = await generateKeyPair();
  await writeFile(join(keys, 'key.txt'), `${identity}\n`, { mode: 0o600 });
  await writeFile(join(keys, 'pass.txt'), `${PASSPHRASE}\n`, { mode: 0o600 });
  const backup = async (args: string[]): Promise<{ id: string; path: string; sha256: string }> => {
    const r = await lifeboat(['--home', home, 'backup', '--dir', data, '--out', join(home, 'out'), '--json', ...args]);
    expect(r.code, r.stderr).toBe(0);
    return r.json<{ id: string; path: string; sha256: string }>();
  };
  return { home, keys, recipient, identity, backup, idFile: join(keys, 'key.txt'), passFile: join(keys, 'pass.txt') };
}

describe('lifeboat info on an encrypted archive', () => {
  it('without a key: exit 1, DECRYPT_KEY_MISSING, says it is encrypted and which key; with --identity / --passphrase-file: the manifest', async () => {
    const w = await setup();
    const toKey = await w.backup(['--recipient', w.recipient]);
    const toPass = await w.backup(['--passphrase-file', w.passFile]);

    const bare = await lifeboat(['--home', w.home, 'info', toKey.path]);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('[DECRYPT_KEY_MISSING]');
    expect(bare.stderr).toContain('encrypted Lifeboat archive');
    expect(bare.stderr).toContain(w.recipient); // the catalog names the public key it needs
    expect(bare.stderr).toContain('--identity FILE');
    const json = await lifeboat(['--home', w.home, 'info', toKey.path, '--json']);
    expect(json.code).toBe(1);
    expect(json.json<{ ok: false; error: { code: string; details: { mode: string } } }>().error).toMatchObject({ code: 'DECRYPT_KEY_MISSING', details: { mode: 'recipients' } });

    const pass = await lifeboat(['--home', w.home, 'info', toPass.id]);
    expect(pass.code).toBe(1);
    expect(pass.stderr).toContain('with a passphrase');
    expect(pass.stderr).toContain('--passphrase-file FILE');

    const opened = await lifeboat(['--home', w.home, 'info', toKey.path, '--identity', w.idFile, '--json']);
    expect(opened.code, opened.stderr).toBe(0);
    expect(opened.json<{ manifest: { backupId: string; totals: { files: number } } }>().manifest).toMatchObject({ backupId: toKey.id, totals: { files: 2 } });
    expect(opened.json<{ encryption: unknown }>().encryption).toEqual({ mode: 'recipients', stanzas: 1 });
    const human = await lifeboat(['--home', w.home, 'info', toPass.id, '--passphrase-file', w.passFile]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`Backup ${toPass.id}`);
    expect(human.stdout).toMatch(/encryption\s+age, a passphrase \(scrypt\)/);
    // On another machine (no catalog row), the header still says what it needs.
    const elsewhere = await lifeboat(['--home', await tempDir(), 'info', toKey.path]);
    expect(elsewhere.stderr).toContain('to 1 public key');
    // The wrong kind of key is the wrong key, not damage.
    const wrong = await lifeboat(['--home', w.home, 'info', toKey.path, '--passphrase-file', w.passFile]);
    expect(wrong.stderr).toContain('[DECRYPT_KEY_WRONG]');
  });
});

describe('lifeboat doctor and encrypted archives', () => {
  it('lists an .age archive no catalog row claims and an .age partial; --repair registers it only with its key', async () => {
    const w = await setup();
    const made = await w.backup(['--recipient', w.recipient]);
    // A new laptop: the archive (and a half-copied one) sit in its backup folder; its catalog knows neither.
    const other = await tempDir();
    const folder = join(other, 'backups');
    await mkdir(folder, { recursive: true });
    const orphan = join(folder, basename(made.path));
    await copyFile(made.path, orphan);
    const partial = join(folder, 'lifeboat-20261101T000000Z-deadbeef.zip.age.partial');
    await writeFile(partial, 'half');

    const look = await lifeboat(['--home', other, 'doctor', '--json']);
    expect(look.code, look.stderr).toBe(0);
    const report = look.json<{ orphans: { path: string; encrypted: boolean }[]; leftovers: string[] }>();
    expect(report.orphans).toEqual([expect.objectContaining({ path: orphan, encrypted: true })]);
    expect(report.leftovers).toEqual([partial]);
    expect((await lifeboat(['--home', other, 'doctor'])).stdout).toContain(`not in the catalog (encrypted): ${orphan}`);

    const noKey = await lifeboat(['--home', other, 'doctor', '--repair', '--json']);
    const first = noKey.json<{ orphans: { registered: string | null; problem: string | null }[] }>().orphans[0];
    expect(first?.registered).toBeNull();
    expect(first?.problem).toContain('--identity FILE');

    const withKey = await lifeboat(['--home', other, 'doctor', '--repair', '--identity', w.idFile, '--json']);
    expect(withKey.json<{ orphans: { registered: string | null; problem: string | null }[] }>().orphans[0]).toMatchObject({ registered: made.id, problem: null });
    const info = await lifeboat(['--home', other, 'info', made.id, '--json', '--identity', w.idFile]);
    expect(info.json<{ record: { path: string; sha256: string } }>().record).toMatchObject({ path: orphan, sha256: await sha256File(orphan) });
    expect((await lifeboat(['--home', other, 'verify', made.id, '--identity', w.idFile])).code).toBe(0);
    expect((await lifeboat(['--home', other, 'doctor', '--json'])).json<{ orphans: unknown[] }>().orphans).toEqual([]);
  });
});
