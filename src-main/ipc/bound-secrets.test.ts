import { existsSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { describe, expect, it, onTestFinished } from 'vitest';
import { request, testEngine } from '../../test-support/engine.js';
import { backupFailed } from '../engine/notify/outcomes.js';
import { PG_BIN } from '../../test-support/pg-cluster.js';
import { makeServices } from '../../test-support/services.js';
import { dispatch } from './dispatch.js';

const APP = 'http://app';
const FRAME = { url: 'http://app/', isMainFrame: true };

async function world() {
  const { engine } = await testEngine();
  const s = makeServices(engine);
  const send = (channel: string, payload: unknown) => dispatch(s, [APP], channel, payload, FRAME);
  const ok = async (channel: string, payload: unknown): Promise<Record<string, unknown>> => {
    const r = await send(channel, payload);
    if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
    return r.value as Record<string, unknown>;
  };
  return { engine, s, send, ok };
}

/** A real SMTP server that offers AUTH without TLS and records every login it sees (and every connection). */
async function smtpRecorder(): Promise<{ port: number; logins: { user: string; pass: string }[]; connections: number[]; received: number[] }> {
  const logins: { user: string; pass: string }[] = [];
  const connections: number[] = [];
  const received: number[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: true,
    onConnect: (_session, cb) => (connections.push(1), cb()),
    onAuth: (auth, _session, cb) => {
      logins.push({ user: auth.username ?? '', pass: auth.password ?? '' });
      cb(null, { user: auth.username });
    },
    onData: (stream, _session, cb) => {
      stream.resume();
      stream.on('end', () => (received.push(1), cb()));
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.server.address() as AddressInfo).port, logins, connections, received };
}

/**
 * A "PostgreSQL server" that asks every client for its password in clear text and records the bytes
 * it is sent, then refuses the login: whatever password a client holds for it ends up in `bytes`.
 */
async function pgRecorder(): Promise<{ port: number; bytes: () => string; connections: number }> {
  const chunks: Buffer[] = [];
  const state = { connections: 0 };
  const server: Server = createServer((sock: Socket) => {
    state.connections += 1;
    let started = false;
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      if (!started && d.length >= 8 && d.readInt32BE(4) === 80877103) {
        sock.write('N'); // no TLS: the client goes on in clear text
        return;
      }
      if (!started) {
        started = true;
        const ask = Buffer.alloc(9);
        ask.write('R', 0);
        ask.writeInt32BE(8, 1);
        ask.writeInt32BE(3, 5); // AuthenticationCleartextPassword
        sock.write(ask);
        return;
      }
      const body = Buffer.from('SFATAL\0C28P01\0Mpassword authentication failed\0\0');
      const err = Buffer.alloc(5);
      err.write('E', 0);
      err.writeInt32BE(4 + body.length, 1);
      sock.end(Buffer.concat([err, body]));
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as AddressInfo).port, bytes: () => Buffer.concat(chunks).toString('latin1'), get connections() {
    return state.connections;
  } };
}

const smtp = (port: number, extra: Record<string, unknown> = {}) => ({ host: '127.0.0.1', port, security: 'none', user: 'ops', allowCleartextAuth: true, from: 'lifeboat@example.com', to: ['ops@example.com'], ...extra });

describe('stored secrets go only to what they were stored for', () => {
  it('the SMTP password is dropped when the host or port changes, and never reaches the new server', async () => {
    const w = await world();
    const first = await smtpRecorder();
    const second = await smtpRecorder();
    await w.ok('settings:set', { smtp: smtp(first.port) });
    await w.ok('settings:set-smtp-password', { password: 'smtp-Secret-1' });
    expect(await w.ok('settings:test-email', {})).toEqual({ sent: true, error: null });
    expect(first.logins).toEqual([{ user: 'ops', pass: 'smtp-Secret-1' }]);

    // A new port (a hostile renderer's, or the user's): the stored password is gone before anything is sent.
    await w.ok('settings:set', { smtp: smtp(second.port) });
    expect(await w.ok('settings:get-secret-state', {})).toMatchObject({ smtpPassword: false });
    expect(await w.ok('settings:test-email', {})).toEqual({ sent: false, error: expect.stringContaining('No SMTP password is stored for ops at 127.0.0.1') });
    expect(second.connections).toEqual([]);
    expect(second.logins).toEqual([]);
    // Going back to the first server does not bring it back either: it was dropped.
    await w.ok('settings:set', { smtp: smtp(first.port) });
    expect(await w.ok('settings:test-email', {})).toMatchObject({ sent: false });
    expect(first.logins).toHaveLength(1);
    // A new user drops it too; typing it again for the new server works.
    await w.ok('settings:set-smtp-password', { password: 'smtp-Secret-1' });
    await w.ok('settings:set', { smtp: smtp(first.port, { user: 'someone-else' }) });
    expect(await w.ok('settings:get-secret-state', {})).toMatchObject({ smtpPassword: false });
    await w.ok('settings:set', { smtp: smtp(second.port) });
    await w.ok('settings:set-smtp-password', { password: 'smtp-Secret-2' });
    expect(await w.ok('settings:test-email', {})).toEqual({ sent: true, error: null });
    expect(second.logins).toEqual([{ user: 'ops', pass: 'smtp-Secret-2' }]);
    // Other settings leave it alone.
    await w.ok('settings:set', { theme: 'dark' });
    expect(await w.ok('settings:get-secret-state', {})).toMatchObject({ smtpPassword: true });
  });

  it('SMTP AUTH without TLS needs the explicit opt-in; without it nothing connects', async () => {
    const w = await world();
    const server = await smtpRecorder();
    await w.ok('settings:set', { smtp: smtp(server.port, { allowCleartextAuth: false }) });
    await w.ok('settings:set-smtp-password', { password: 'smtp-Secret-3' });
    expect(await w.ok('settings:test-email', {})).toEqual({ sent: false, error: expect.stringContaining('without TLS') });
    expect(server.connections).toEqual([]);
    // Notifications of jobs go through the same check.
    await w.ok('settings:set', { smtp: smtp(server.port, { allowCleartextAuth: false, onFailure: true }) });
    const delivery = await w.s.mailer?.send(backupFailed(request('/nowhere', []), null, new Error('disk gone')));
    expect(delivery).toMatchObject({ sent: false, error: expect.stringContaining('without TLS') });
    expect(server.connections).toEqual([]);
    // No user: no AUTH, so a plain test server needs no opt-in.
    await w.ok('settings:set', { smtp: smtp(server.port, { user: '', allowCleartextAuth: false }) });
    expect(await w.ok('settings:test-email', {})).toEqual({ sent: true, error: null });
    expect(server.logins).toEqual([]);
  });

  it.skipIf(!existsSync(join(PG_BIN, 'pg_dump')))('a profile\'s PostgreSQL password is dropped when its server changes and never reaches the new one', async () => {
    const w = await world();
    const mine = await pgRecorder();
    const theirs = await pgRecorder();
    const url = (port: number, db = 'crm') => `postgres://app@127.0.0.1:${port}/${db}`;
    await w.ok('profile:save', { name: 'crm', spec: { sources: [{ kind: 'postgres', url: url(mine.port) }] }, passwords: { '0': 'pg-Secret-1' } });
    expect(await w.ok('settings:get-secret-state', {})).toMatchObject({ profilePasswords: { crm: [0] } });
    // Positive control: the recorder does see the password of a server it was stored for.
    await w.ok('backup:start', { profile: 'crm' });
    await w.s.jobs.idle();
    expect(mine.bytes()).toContain('pg-Secret-1');

    // A schedule change keeps it; a new port (or database) drops it.
    await w.ok('profile:save', { name: 'crm', replace: true, spec: { sources: [{ kind: 'postgres', url: url(mine.port) }], schedule: { preset: 'daily', time: '03:00' } } });
    expect(await w.ok('settings:get-secret-state', {})).toMatchObject({ profilePasswords: { crm: [0] } });
    await w.ok('profile:save', { name: 'crm', replace: true, spec: { sources: [{ kind: 'postgres', url: url(theirs.port) }] } });
    expect(await w.ok('settings:get-secret-state', {})).toMatchObject({ profilePasswords: { crm: [] } });
    expect([...w.s.secretMap.values()].join()).not.toContain('pg-Secret-1');
    await w.ok('backup:start', { profile: 'crm' });
    await w.s.jobs.idle();
    expect(theirs.connections).toBeGreaterThan(0);
    expect(theirs.bytes()).not.toContain('pg-Secret-1');
    // Pointing back at the first server does not resurrect it.
    await w.ok('profile:save', { name: 'crm', replace: true, spec: { sources: [{ kind: 'postgres', url: url(mine.port, 'other') }] } });
    expect(await w.ok('settings:get-secret-state', {})).toMatchObject({ profilePasswords: { crm: [] } });
  });

  it('a password moves with its server when sources are reordered, and a secret stored without a binding is dropped', async () => {
    const w = await world();
    const a = 'postgres://app@db-a:5432/crm';
    const b = 'postgres://app@db-b:5432/crm';
    await w.ok('profile:save', { name: 'two', spec: { sources: [{ kind: 'postgres', url: a }, { kind: 'postgres', url: b }] }, passwords: { '0': 'for-a', '1': 'for-b' } });
    await w.ok('profile:save', { name: 'two', replace: true, spec: { sources: [{ kind: 'postgres', url: b }, { kind: 'postgres', url: a }] } });
    expect(await w.ok('settings:get-secret-state', {})).toMatchObject({ profilePasswords: { two: [0, 1] } });
    const stored = [...w.s.secretMap.entries()].map(([k, v]) => [k, (JSON.parse(v) as { secret: string }).secret]);
    expect(Object.fromEntries(stored)).toEqual({ 'pg-password:two:0': 'for-b', 'pg-password:two:1': 'for-a' });
    // A plain-text secret from before bindings existed: nobody knows its server, so it is not used.
    w.s.secretMap.set('pg-password:two:0', 'legacy-plain');
    expect(await w.ok('settings:get-secret-state', {})).toMatchObject({ profilePasswords: { two: [1] } });
    expect(w.s.secretMap.has('pg-password:two:0')).toBe(false);
  });
});
