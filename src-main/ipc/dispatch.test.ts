import { describe, expect, it } from 'vitest';
import { testEngine } from '../../test-support/engine.js';
import { makeServices } from '../../test-support/services.js';
import type { Events } from '../../src-shared/ipc/contract.js';
import { dispatch, isTrustedSender } from './dispatch.js';

const APP = 'file:///opt/Lifeboat/resources/app.asar/out/renderer/index.html';
const main = { url: APP, isMainFrame: true };

describe('IPC dispatch', () => {
  it('accepts only the app\'s own main frame', () => {
    expect(isTrustedSender(main, [APP])).toBe(true);
    expect(isTrustedSender({ url: `${APP}#/history`, isMainFrame: true }, [APP])).toBe(true);
    expect(isTrustedSender({ url: APP, isMainFrame: false }, [APP])).toBe(false);
    expect(isTrustedSender({ url: 'https://evil.example/', isMainFrame: true }, [APP])).toBe(false);
    expect(isTrustedSender({ url: 'http://127.0.0.1:4173.evil.example/', isMainFrame: true }, ['http://127.0.0.1:4173'])).toBe(false);
    expect(isTrustedSender({ url: 'http://127.0.0.1:4173/index.html', isMainFrame: true }, ['http://127.0.0.1:4173'])).toBe(true);
  });

  it('rejects a foreign sender before touching the engine', async () => {
    const { engine } = await testEngine();
    const s = makeServices(engine);
    const r = await dispatch(s, [APP], 'demo:create', {}, { url: 'https://evil.example/', isMainFrame: true });
    expect(r).toEqual({ ok: false, error: { code: 'IPC_REJECTED', message: expect.stringContaining('foreign frame') } });
    expect(engine.profiles.list()).toEqual([]);
  });

  it('rejects unknown channels and malformed payloads with IPC_REJECTED, naming the field', async () => {
    const { engine } = await testEngine();
    const s = makeServices(engine);
    expect(await dispatch(s, [APP], 'backup:start-everything', {}, main)).toMatchObject({ ok: false, error: { code: 'IPC_REJECTED', message: expect.stringContaining('Unknown channel') } });
    expect(await dispatch(s, [APP], '__proto__', {}, main)).toMatchObject({ ok: false, error: { code: 'IPC_REJECTED' } });
    expect(await dispatch(s, [APP], 'history:query', { limit: 100000 }, main)).toMatchObject({ ok: false, error: { code: 'IPC_REJECTED', message: expect.stringContaining('limit') } });
    expect(await dispatch(s, [APP], 'backup:start', { trigger: 'PRE_RESTORE_SAFETY' }, main)).toMatchObject({ ok: false, error: { code: 'IPC_REJECTED', message: expect.stringContaining('trigger') } });
    expect(await dispatch(s, [APP], 'profile:save', { name: '../x', spec: {} }, main)).toMatchObject({ ok: false, error: { code: 'IPC_REJECTED' } });
  });

  it('returns handler errors as {code, message} without a stack', async () => {
    const { engine } = await testEngine();
    const s = makeServices(engine);
    const r = await dispatch(s, [APP], 'backup:get-details', { id: 'deadbeef' }, main);
    expect(r).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: expect.stringContaining('deadbeef'), details: { id: 'deadbeef' } } });
    expect(JSON.stringify(r)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('runs a backup as a job: {jobId} at once, rising progress seq, one job:finished, catalog:changed', async () => {
    const { engine } = await testEngine();
    const events: { e: keyof Events; p: unknown }[] = [];
    const s = makeServices(engine, (e, p) => void events.push({ e, p }));
    expect(await dispatch(s, [APP], 'demo:create', {}, main)).toMatchObject({ ok: true, value: { profile: 'demo' } });
    const started = await dispatch(s, [APP], 'backup:start', { profile: 'demo', description: 'from the dashboard' }, main);
    expect(started).toMatchObject({ ok: true, value: { jobId: expect.any(String) } });
    await s.jobs.idle();
    const progress = events.filter((x) => x.e === 'job:progress').map((x) => (x.p as { seq: number }).seq);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const finished = events.filter((x) => x.e === 'job:finished');
    expect(finished).toHaveLength(1);
    expect(finished[0]?.p).toMatchObject({ kind: 'backup', result: { ok: true } });
    expect(events.map((x) => x.e)).toContain('catalog:changed');
    expect(s.desktop.notifications[0]).toMatchObject({ title: 'Backup of demo completed', backupId: expect.any(String) });
    const page = await dispatch(s, [APP], 'history:query', { status: 'COMPLETED' }, main);
    expect(page).toMatchObject({ ok: true, value: { total: 1 } });
  });

  it('a refused profile edit keeps the saved profile (replace is one transaction)', async () => {
    const { engine } = await testEngine();
    const s = makeServices(engine);
    const spec = { sources: [{ kind: 'postgres', url: 'postgres://app@db:5432/crm' }] };
    expect(await dispatch(s, [APP], 'profile:save', { name: 'crm', spec }, main)).toMatchObject({ ok: true });
    const bad = { sources: [{ kind: 'postgres', url: 'postgres://app:hunter2@db:5432/crm' }] };
    expect(await dispatch(s, [APP], 'profile:save', { name: 'crm', spec: bad, replace: true }, main)).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringContaining('never store passwords') } });
    expect(engine.profiles.get('crm').spec.sources).toEqual([{ kind: 'postgres', url: 'postgres://app@db:5432/crm' }]);
    const garbled = { sources: [{ kind: 'postgres', url: 'not a url' }] };
    expect(await dispatch(s, [APP], 'profile:save', { name: 'other', spec: garbled }, main)).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringContaining('is not a PostgreSQL URL') } });
  });
});
