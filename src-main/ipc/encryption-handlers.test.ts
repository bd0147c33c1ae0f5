import { execFileSync, spawnSync } from 'node:child_process';
import { lstat, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Profile } from '../../src-shared/domain/profile.js';
import { testEngine } from '../../test-support/engine.js';
import { makeServices } from '../../test-support/services.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { renderRecoveryKit } from '../engine/crypto/recovery-kit.js';
import { dispatch } from './dispatch.js';

const APP = 'http://app';
const FRAME = { url: 'http://app/', isMainFrame: true };
const PASSPHRASE = 'harbour-compass-violet-88';
const hasAge = spawnSync('age', ['--version']).status === 0;

async function world() {
  const { engine, home } = await testEngine();
  const s = makeServices(engine);
  const ok = async <T = Record<string, unknown>>(channel: string, payload: unknown): Promise<T> => {
    const r = await dispatch(s, [APP], channel, payload, FRAME);
    if (!r.ok) throw Object.assign(new Error(`${channel}: ${r.error.message}`), { code: r.error.code });
    return r.value as T;
  };
  await ok('demo:create', {});
  const demo = (await ok<Profile[]>('profile:list', {})).find((p) => p.name === 'demo');
  if (!demo) throw new Error('no demo profile');
  const saveWith = (encryption: unknown) => ok('profile:save', { name: 'demo', spec: { ...demo.spec, encryption }, replace: true });
  return { engine, home, s, ok, saveWith };
}

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...(await allFiles(join(dir, e.name))));
    else out.push(join(dir, e.name));
  }
  return out;
}

describe('encryption in the app (IPC)', () => {
  it('a passphrase profile: the passphrase goes to the keychain, backups are .age, verify uses it, and no file under the home holds it', async () => {
    const { engine, home, s, ok, saveWith } = await world();
    await saveWith({ mode: 'passphrase', passphraseHint: 'the harbour one' });
    // Without its passphrase in the keychain, the backup fails on record instead of running plain.
    await ok('backup:start', { profile: 'demo', description: '' });
    await s.jobs.idle();
    expect(engine.history({}).rows[0]).toMatchObject({ status: 'FAILED', errorCode: 'ENCRYPTION_FAILED' });
    expect(engine.history({}).rows[0]?.errorMessage).toContain('Encryption settings');
    expect(s.desktop.notifications[0]?.title).toBe('Backup of demo failed');
    await expect(ok('encryption:set-passphrase', { profile: 'demo', passphrase: 'short' })).rejects.toMatchObject({ code: 'IPC_REJECTED' });
    await ok('encryption:set-passphrase', { profile: 'demo', passphrase: PASSPHRASE });
    expect(await ok('encryption:get-state', { profile: 'demo' })).toEqual({ mode: 'passphrase', passphraseStored: true, localRecipient: null });
    await ok('backup:start', { profile: 'demo', description: '' });
    await s.jobs.idle();
    const row = engine.history({ status: 'COMPLETED' }).rows[0];
    expect(row?.path.endsWith('.zip.age')).toBe(true);
    expect(await ok('backup:verify', { id: row?.id })).toMatchObject({ ok: true });

    expect([...s.secretMap.values()].some((v) => v.includes(PASSPHRASE))).toBe(true);
    for (const f of await allFiles(home)) {
      if (f.endsWith('.age')) continue;
      expect((await readFile(f)).toString('latin1').includes(PASSPHRASE), f).toBe(false);
    }
  }, 120_000); // scrypt (work factor 18), several times per test

  it.skipIf(!hasAge)('create-key keeps the private key in the keychain; the recovery kit carries it, and the age command decrypts a backup with it', async () => {
    const { engine, s, ok, saveWith } = await world();
    const { recipient } = await ok<{ recipient: string }>('encryption:create-key', { profile: 'demo' });
    await saveWith({ mode: 'recipients', recipients: [recipient] });
    expect(await ok('encryption:get-state', { profile: 'demo' })).toEqual({ mode: 'recipients', passphraseStored: false, localRecipient: recipient });
    await ok('backup:start', { profile: 'demo', description: '' });
    await s.jobs.idle();
    const row = engine.history({}).rows[0];
    expect(row?.status, row?.errorMessage ?? '').toBe('COMPLETED');
    expect(await ok('backup:verify', { id: row?.id })).toMatchObject({ ok: true });

    const dir = await tempDir();
    s.desktop.nextPick = dir;
    const { path } = await ok<{ path: string }>('encryption:save-recovery-kit', { profile: 'demo' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const html = await readFile(path, 'utf8');
    const identity = /AGE-SECRET-KEY-1[0-9A-Z]+/.exec(html)?.[0];
    expect(identity).toBeDefined();
    expect(html).toContain(recipient);
    expect(html).toContain('age -d -i key.txt');
    expect(html).toContain('lifeboat restore');
    // The key printed in the kit is the one that opens the backup, with the standard tool.
    await writeFile(join(dir, 'key.txt'), `${identity}\n`);
    execFileSync('age', ['-d', '-i', join(dir, 'key.txt'), '-o', join(dir, 'plain.zip'), row?.path ?? '']);
    expect(execFileSync('unzip', ['-t', join(dir, 'plain.zip')]).toString()).toContain('No errors detected');
    // The audit log names the kit's path and the public key, never the private one.
    for (const e of engine.audit.query({}).rows) expect(JSON.stringify(e)).not.toContain(identity);
  });
});

describe('replacing an encryption secret needs main\'s native confirmation (a hostile renderer calls the channels directly)', () => {
  it('set-passphrase over a stored passphrase asks; "no" keeps the old one, "yes" replaces it, the same one again asks nothing', async () => {
    const { s, ok, saveWith } = await world();
    await saveWith({ mode: 'passphrase', passphraseHint: '' });
    await ok('encryption:set-passphrase', { profile: 'demo', passphrase: PASSPHRASE });
    expect(s.desktop.confirmations).toHaveLength(0); // nothing was stored: nothing to replace
    s.desktop.confirmAnswer = false;
    await expect(ok('encryption:set-passphrase', { profile: 'demo', passphrase: 'attacker-chosen-passphrase' })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(s.desktop.confirmations).toHaveLength(1);
    expect(s.desktop.confirmations[0]?.title).toBe('Replace the passphrase');
    expect(s.secretMap.get('age-passphrase:demo')).toContain(PASSPHRASE);
    await ok('encryption:set-passphrase', { profile: 'demo', passphrase: PASSPHRASE });
    expect(s.desktop.confirmations).toHaveLength(1);
    s.desktop.confirmAnswer = true;
    await ok('encryption:set-passphrase', { profile: 'demo', passphrase: 'the-new-passphrase-2026' });
    expect(s.secretMap.get('age-passphrase:demo')).toContain('the-new-passphrase-2026');
  });

  it('a stored entry that no longer decodes is still a secret: reads keep it, and create-key asks before replacing it', async () => {
    const { s, ok } = await world();
    s.secretMap.set('age-identity:demo', 'AGE-SECRET-KEY-1 from an older version');
    s.secretMap.set('age-passphrase:demo', 'not json either');
    await ok('encryption:get-state', { profile: 'demo' });
    expect(s.secretMap.get('age-identity:demo')).toBe('AGE-SECRET-KEY-1 from an older version');
    expect(s.secretMap.get('age-passphrase:demo')).toBe('not json either');
    s.desktop.confirmAnswer = false;
    await expect(ok('encryption:create-key', { profile: 'demo' })).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(ok('encryption:set-passphrase', { profile: 'demo', passphrase: PASSPHRASE })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(s.desktop.confirmations.map((c) => c.title)).toEqual(['Replace the private key', 'Replace the passphrase']);
    expect(s.secretMap.get('age-identity:demo')).toBe('AGE-SECRET-KEY-1 from an older version');
  });

  it('a second request racing the dialog: the answer was about the old entry, so nothing is written', async () => {
    const { s, ok, saveWith } = await world();
    await saveWith({ mode: 'passphrase', passphraseHint: '' });
    await ok('encryption:set-passphrase', { profile: 'demo', passphrase: PASSPHRASE });
    let release: () => void = () => undefined;
    const asked = new Promise<void>((r) => (release = r));
    let second: Promise<unknown> | undefined;
    s.desktop.confirm = async () => {
      // While the user reads the first dialog, a second request is answered "yes" at once.
      s.desktop.confirm = async () => true;
      second = ok('encryption:set-passphrase', { profile: 'demo', passphrase: 'second-request-passphrase' });
      await second;
      release();
      return true;
    };
    const first = ok('encryption:set-passphrase', { profile: 'demo', passphrase: 'first-request-passphrase' });
    await asked;
    await expect(first).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(s.secretMap.get('age-passphrase:demo')).toContain('second-request-passphrase');
  });
});

describe('secret files written by the app', () => {
  it('the recovery kit is not written through a symlink planted at its name; the outside file is untouched', async () => {
    const { s, ok } = await world();
    const { recipient } = await ok<{ recipient: string }>('encryption:create-key', { profile: 'demo' });
    const demo = (await ok<Profile[]>('profile:list', {})).find((p) => p.name === 'demo');
    await ok('profile:save', { name: 'demo', spec: { ...demo?.spec, encryption: { mode: 'recipients', recipients: [recipient] } }, replace: true });
    const dir = await tempDir();
    const outside = join(await tempDir(), 'authorized_keys');
    await writeFile(outside, 'ssh-ed25519 AAAA user@host\n', { mode: 0o644 });
    await symlink(outside, join(dir, 'lifeboat-recovery-kit-demo.html'));
    s.desktop.nextPick = dir;
    const { path } = await ok<{ path: string }>('encryption:save-recovery-kit', { profile: 'demo' });
    expect(await readFile(outside, 'utf8')).toBe('ssh-ed25519 AAAA user@host\n');
    // The planted link was replaced by the kit itself.
    expect(path).toBe(join(dir, 'lifeboat-recovery-kit-demo.html'));
    expect((await lstat(path)).isFile()).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, 'utf8')).toContain('AGE-SECRET-KEY-1');
  });
});

describe('renderRecoveryKit', () => {
  const base = { profile: 'crm', destination: '/srv/backups', recipients: [] as string[], identity: null, passphraseHint: '', createdAt: new Date('2026-11-30T10:00:00Z'), appVersion: '0.1.0' };

  it('is self-contained: no script, no external resource, a CSP that forbids both', () => {
    const html = renderRecoveryKit({ ...base, mode: 'passphrase', passphraseHint: 'blue' });
    expect(html).not.toMatch(/<script|<link|<img|src=|@import|url\(/i);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('age -d -o');
    expect(html).toContain('--passphrase-file');
  });

  it('escapes what the user typed (hint, profile, destination)', () => {
    const html = renderRecoveryKit({ ...base, mode: 'passphrase', passphraseHint: '<script>alert(1)</script>', destination: '/srv/<b>x</b>' });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>x</b>');
    expect(html).toContain('&lt;script&gt;');
  });
});
