import { execFileSync } from 'node:child_process';
import { mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { folder, request, testEngine } from '../../test-support/engine.js';
import { makeServices, pickedPath } from '../../test-support/services.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { generateKeyPair } from '../engine/crypto/age-keys.js';
import { dispatch } from './dispatch.js';

const APP = 'file:///opt/Lifeboat/resources/app.asar/out/renderer/index.html';
const main = { url: APP, isMainFrame: true };

/** An HTTP server that records the headers of every request and answers 403 (a hostile "S3"). */
async function captureServer(): Promise<{ endpoint: string; seen: IncomingHttpHeaders[]; close: () => Promise<void> }> {
  const seen: IncomingHttpHeaders[] = [];
  const srv = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>AccessDenied</Code><Message>no</Message></Error>');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  return { endpoint: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => srv.close(() => r())) };
}

describe('hostile renderer, part 2 (adversary review of issues 12-14)', () => {
  it('never sends a remote\'s stored S3 keys to an endpoint other than the one they were stored for (remote:test with the same URL and a forged endpoint)', async () => {
    const { engine } = await testEngine();
    const s = makeServices(engine);
    const real = await captureServer();
    const evil = await captureServer();
    try {
      const url = 's3://company-backups/office';
      expect(await dispatch(s, [APP], 'remote:set-secrets', { url, s3Endpoint: real.endpoint, s3AccessKeyId: 'AKIASTOREDKEYID0001', s3SecretAccessKey: 'stored-secret' }, main)).toEqual({ ok: true, value: null });
      // The endpoint the keys were typed for gets them.
      await dispatch(s, [APP], 'remote:test', { remote: { url, s3Endpoint: real.endpoint, s3PathStyle: true } }, main);
      expect(JSON.stringify(real.seen)).toContain('AKIASTOREDKEYID0001');
      // A renderer keeps the URL (the keychain key) and points the endpoint at its own server.
      await dispatch(s, [APP], 'remote:test', { remote: { url, s3Endpoint: evil.endpoint, s3PathStyle: true } }, main);
      expect(JSON.stringify(evil.seen)).not.toContain('AKIASTOREDKEYID0001');
      // ...and the forged test did not wipe the keys: the real endpoint still gets them.
      real.seen.length = 0;
      await dispatch(s, [APP], 'remote:test', { remote: { url, s3Endpoint: `${real.endpoint}/`, s3PathStyle: true } }, main);
      expect(JSON.stringify(real.seen)).toContain('AKIASTOREDKEYID0001');
    } finally {
      await real.close();
      await evil.close();
    }
  });

  it('refuses an SSH key or known_hosts file that is a FIFO, a device or huge before reading it (remote:test cannot hang or fill main\'s memory)', async () => {
    const { engine } = await testEngine();
    const s = makeServices(engine);
    const dir = await tempDir();
    const fifo = join(dir, 'key.fifo');
    execFileSync('mkfifo', [fifo]);
    const huge = join(dir, 'huge_key');
    await writeFile(huge, '');
    await truncate(huge, 64 * 1024 * 1024);
    // Port 9 (discard) on localhost: nothing is ever reached; the files are refused before connecting.
    const url = 'sftp://backup@127.0.0.1:9/srv';
    for (const file of [fifo, '/dev/zero', huge]) {
      for (const remote of [{ url, sshKey: file }, { url, knownHosts: file }]) {
        const r = await dispatch(s, [APP], 'remote:test', { remote }, main);
        expect(r).toMatchObject({ ok: false, error: { message: expect.stringContaining(file) } });
        expect(r).toMatchObject({ ok: false, error: { message: expect.stringMatching(/not a regular file|bigger than/) } });
      }
    }
  });

  it('runs no hook command a page set without the user confirming that exact command in a native dialog (profile:save adding or changing a hook)', async () => {
    const { engine } = await testEngine();
    const s = makeServices(engine);
    const docs = await tempDir();
    await writeFile(join(docs, 'a.txt'), 'a');
    const loot = join(await tempDir(), 'loot');
    const evil = ['sh', '-c', `env > ${loot}`];
    const save = (pre: string[] | null, replace: boolean) =>
      dispatch(s, [APP], 'profile:save', { name: 'office', replace, spec: { sources: [{ kind: 'folder', path: docs }], hooks: { pre: pre ? { argv: pre } : null } }, pathGrants: [pickedPath(s, docs, 'folder')] }, main);

    // A new profile with a command: the user refuses, nothing is stored, the command never runs.
    s.desktop.confirmAnswer = false;
    expect(await save(evil, false)).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(engine.profiles.find('office')).toBeUndefined();
    expect(s.desktop.confirmations.at(-1)?.detail).toContain(JSON.stringify(evil));

    // A profile without commands saves without asking; adding one later asks again, and a refusal keeps the old spec.
    expect(await save(null, false)).toMatchObject({ ok: true });
    const asked = s.desktop.confirmations.length;
    expect(await save(evil, true)).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(s.desktop.confirmations.length).toBe(asked + 1);
    expect(engine.profiles.get('office').spec.hooks.pre).toBeNull();
    expect(await dispatch(s, [APP], 'backup:start', { profile: 'office', description: '' }, main)).toMatchObject({ ok: true });
    await s.jobs.idle();
    await expect(readFile(loot, 'utf8')).rejects.toThrow();

    // Confirmed once, the same command saves again without another question.
    s.desktop.confirmAnswer = true;
    expect(await save(['true'], true)).toMatchObject({ ok: true });
    const after = s.desktop.confirmations.length;
    expect(await save(['true'], true)).toMatchObject({ ok: true });
    expect(s.desktop.confirmations.length).toBe(after);
  });

  it('never tells the user a safety backup is taken when the page asked for none (files:restore with safetyBackup: false over existing files)', async () => {
    const { engine, out } = await testEngine();
    const s = makeServices(engine);
    const data = join(await tempDir(), 'data');
    await mkdir(data);
    await writeFile(join(data, 'x.txt'), 'v1');
    const backup = await engine.backup(request(out, [folder(data, { name: 'files' })]));
    await writeFile(join(data, 'x.txt'), 'v2, not in any backup');
    s.desktop.confirmAnswer = false;
    const r = await dispatch(s, [APP], 'files:restore', { id: backup.id, select: [{ source: 'files', path: 'x.txt' }], safetyBackup: false }, main);
    expect(r).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    const asked = s.desktop.confirmations.at(-1);
    expect(asked?.detail).not.toContain('safety backup of what is replaced is taken');
    expect(asked?.detail).toContain('No safety backup');
  });

  it('keeps the private key when the profile lists another recipient before it (looking the key up never deletes it)', async () => {
    const { engine } = await testEngine();
    const s = makeServices(engine);
    const call = (channel: string, payload: unknown) => dispatch(s, [APP], channel, payload, main);
    await call('demo:create', {});
    const demo = engine.profiles.get('demo');
    const created = await call('encryption:create-key', { profile: 'demo' });
    if (!created.ok) throw new Error(created.error.message);
    const mine = (created.value as { recipient: string }).recipient;
    const colleague = (await generateKeyPair()).recipient;
    expect(await call('profile:save', { name: 'demo', replace: true, spec: { ...demo.spec, encryption: { mode: 'recipients', recipients: [colleague, mine] } } })).toMatchObject({ ok: true });
    await call('backup:start', { profile: 'demo', description: '' });
    await s.jobs.idle();
    const row = engine.history({ status: 'COMPLETED' }).rows[0];
    expect(row?.path.endsWith('.age')).toBe(true);
    expect(await call('backup:verify', { id: row?.id })).toMatchObject({ ok: true, value: { ok: true } });
    expect(await call('encryption:get-state', { profile: 'demo' })).toMatchObject({ ok: true, value: { localRecipient: mine } });
    expect(await call('backup:verify', { id: row?.id })).toMatchObject({ ok: true, value: { ok: true } });
  });

  it('never replaces a stored private key without the user confirming it in a native dialog (encryption:create-key twice)', async () => {
    const { engine } = await testEngine();
    const s = makeServices(engine);
    const call = (channel: string, payload: unknown) => dispatch(s, [APP], channel, payload, main);
    await call('demo:create', {});
    const first = await call('encryption:create-key', { profile: 'demo' });
    if (!first.ok) throw new Error(first.error.message);
    const mine = (first.value as { recipient: string }).recipient;
    expect(s.desktop.confirmations).toHaveLength(0);
    s.desktop.confirmAnswer = false;
    expect(await call('encryption:create-key', { profile: 'demo' })).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(s.desktop.confirmations.at(-1)?.detail).toContain(mine);
    expect(await call('encryption:get-state', { profile: 'demo' })).toMatchObject({ ok: true, value: { localRecipient: mine } });
    s.desktop.confirmAnswer = true;
    const second = await call('encryption:create-key', { profile: 'demo' });
    expect(second).toMatchObject({ ok: true });
    expect((second as { value: { recipient: string } }).value.recipient).not.toBe(mine);
  });

  it('a request naming another server never deletes a stored database password (backup:estimate with a forged URL for a stored profile)', async () => {
    const { engine } = await testEngine();
    const s = makeServices(engine);
    const call = (channel: string, payload: unknown) => dispatch(s, [APP], channel, payload, main);
    const real = 'postgres://app@127.0.0.1:1/crm';
    expect(await call('profile:save', { name: 'crm', spec: { sources: [{ kind: 'postgres', url: real }] }, passwords: { '0': 'pw-for-crm' } })).toMatchObject({ ok: true });
    expect(await call('settings:get-secret-state', {})).toMatchObject({ ok: true, value: { profilePasswords: { crm: [0] } } });
    // "Test sources" with the host changed (by a page, or by a user who then cancels the edit).
    await call('backup:estimate', { existing: 'crm', sources: [{ kind: 'postgres', url: 'postgres://app@127.0.0.2:1/crm' }], passwords: {}, pathGrants: [] });
    expect(await call('settings:get-secret-state', {})).toMatchObject({ ok: true, value: { profilePasswords: { crm: [0] } } });
  });
});
