import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DashboardStats } from '../../src-shared/ipc/contract.js';
import type { Result } from '../../src-shared/ipc/result.js';
import { testEngine } from '../../test-support/engine.js';
import { makeServices } from '../../test-support/services.js';
import { dispatch } from './dispatch.js';

const APP = 'file:///opt/Lifeboat/resources/app.asar/out/renderer/index.html';
const main = { url: APP, isMainFrame: true };

async function world() {
  const { engine, home } = await testEngine();
  const s = makeServices(engine);
  const send = async <T>(channel: string, payload: unknown): Promise<T> => {
    const r = (await dispatch(s, [APP], channel, payload, main)) as Result<T>;
    if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
    return r.value;
  };
  return { engine, home, s, send };
}

describe('dashboard health (stats:get)', () => {
  it('25 failed runs in a row after a success: the failure count is 25 and the banner links to the newest failed row', async () => {
    const { engine, home, s, send } = await world();
    await send('demo:create', {});
    await send('backup:start', { profile: 'demo', description: 'good one' });
    await s.jobs.idle();
    // The database goes away (an unmounted disk, say): every later run of the profile fails for real.
    await rm(join(home, 'demo', 'app.db'));
    for (let i = 0; i < 25; i += 1) {
      await send('backup:start', { profile: 'demo', description: `attempt ${i}` });
      await s.jobs.idle();
    }
    const stats = await send<DashboardStats>('stats:get', {});
    const newestFailed = engine.env.catalog.backups.query({ profile: 'demo', status: 'FAILED', limit: 1 }).rows[0];
    expect(newestFailed).toBeDefined();

    const row = stats.health.find((h) => h.profile === 'demo');
    expect(row).toMatchObject({ consecutiveFailures: 25, lastRun: { status: 'FAILED', id: newestFailed?.id }, freshness: 'unscheduled' });
    expect(row?.lastSuccessAt).not.toBeNull();
    expect(row?.freeBytes).toBeGreaterThan(0);
    expect(stats.failing).toEqual([
      { profile: 'demo', backupId: newestFailed?.id, failedAt: newestFailed?.createdAt, consecutiveFailures: 25, errorCode: newestFailed?.errorCode, errorMessage: newestFailed?.errorMessage },
    ]);
    expect(stats.failing[0]?.errorMessage).toMatch(/app\.db/);
    // What each count counts: "Total backups" is the completed ones, History lists every row.
    expect(stats.totalBackups).toBe(1);
    expect(stats.rowsByStatus).toEqual({ COMPLETED: 1, FAILED: 25 });
    expect(engine.history({ limit: 1 }).total).toBe(26);
  });

  it('a success after failures clears the banner and resets the count; a profile that never succeeded counts every failure', async () => {
    const { home, s, send } = await world();
    await send('demo:create', {});
    const db = join(home, 'demo', 'app.db');
    await rm(db);
    for (let i = 0; i < 3; i += 1) {
      await send('backup:start', { profile: 'demo' });
      await s.jobs.idle();
    }
    let stats = await send<DashboardStats>('stats:get', {});
    expect(stats.health[0]).toMatchObject({ consecutiveFailures: 3, lastSuccessAt: null, sizeLast: null });
    expect(stats.failing.map((f) => f.consecutiveFailures)).toEqual([3]);

    await send('demo:create', {}); // puts the database back
    await send('backup:start', { profile: 'demo' });
    await s.jobs.idle();
    await send('backup:start', { profile: 'demo' });
    await s.jobs.idle();
    stats = await send<DashboardStats>('stats:get', {});
    expect(stats.failing).toEqual([]);
    expect(stats.health[0]).toMatchObject({ consecutiveFailures: 0, lastRun: { status: 'COMPLETED' } });
    expect(stats.health[0]?.sizeLast).toBeGreaterThan(0);
    expect(stats.health[0]?.sizePrevious).toBeGreaterThan(0);
  });

  it('judges freshness by the schedule: an hourly profile with no success since the last slot is overdue, and the next run is named', async () => {
    const { s, send } = await world();
    await send('demo:create', {});
    await send('backup:start', { profile: 'demo' });
    await s.jobs.idle();
    const demo = s.engine.profiles.get('demo');
    s.engine.profiles.replace('demo', { ...demo.spec, schedule: { preset: 'hourly', time: '00:00', weekday: 0, enabled: true, catchUp: false } }, new Date().toISOString());
    let stats = await send<DashboardStats>('stats:get', {});
    expect(stats.health[0]).toMatchObject({ schedule: 'hourly at minute 00', freshness: expect.stringMatching(/^(fresh|due)$/), nextRunAt: expect.any(String) });
    // Two hours later without a backup: the last slot and its grace hour have passed.
    const later = new Date(Date.now() + 2 * 3600_000 + 60_000);
    (s.engine.env as { now: () => Date }).now = () => later;
    stats = await send<DashboardStats>('stats:get', {});
    expect(stats.health[0]?.freshness).toBe('overdue');
    expect(stats.failing).toEqual([]); // overdue is the watchdog's warning; the red banner is for failed runs
  });

  it('counts by the profile\'s own rows: a failure in the same millisecond as the success counts, a RUNNING row hides nothing, other profiles do not leak in', async () => {
    const { engine, send } = await world();
    await send('demo:create', {});
    const repo = engine.env.catalog.backups;
    let n = 0;
    const row = (profile: string, at: string, outcome: 'ok' | 'fail' | 'running'): string => {
      n += 1;
      const id = `${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`;
      repo.insertRunning({ id, fileName: `r${n}.zip`, path: `/nowhere/r${n}.zip`, format: 'zip', type: 'full', trigger: 'SCHEDULED', description: '', createdBy: 'me', host: 'h', pid: 1, createdAt: at, profile, searchText: '' });
      if (outcome === 'ok') repo.markCompleted(id, { size: 10, sha256: 'a'.repeat(64), finishedAt: at, durationMs: 1, summary: { sources: [] } as never, warnings: [] });
      if (outcome === 'fail') repo.markFailed(id, { code: 'DISK_FULL', message: `full at ${n}` }, at, 1);
      return id;
    };
    row('demo', '2024-01-01T00:00:00.000Z', 'ok');
    row('demo', '2024-01-01T00:00:00.000Z', 'fail'); // same millisecond, inserted after the success
    const last = row('demo', '2024-01-02T00:00:00.000Z', 'fail');
    row('demo', '2024-01-03T00:00:00.000Z', 'running');
    row('other', '2024-01-04T00:00:00.000Z', 'fail');
    const stats = await send<DashboardStats>('stats:get', {});
    expect(stats.health.find((h) => h.profile === 'demo')).toMatchObject({ consecutiveFailures: 2, lastRun: { id: last, status: 'FAILED' } });
    expect(stats.failing).toEqual([expect.objectContaining({ profile: 'demo', backupId: last, consecutiveFailures: 2, errorCode: 'DISK_FULL', errorMessage: 'full at 3' })]);
  });
});
