import { describe, expect, it } from 'vitest';
import { profileSpecSchema } from '../../src-shared/domain/profile.js';
import { folder, testEngine } from '../../test-support/engine.js';
import { makeServices } from '../../test-support/services.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { writeTree } from '../../test-support/tree.js';
import { sourceTestHooks } from '../engine/archive/source-file.js';
import { createScheduler, missedBackupAlerts } from './schedules.js';

describe('the app scheduler over the real engine', () => {
  it('catches up a missed nightly run once on start (not once per missed slot), as trigger SCHEDULED', async () => {
    const { engine } = await testEngine();
    const src = await tempDir();
    await writeTree(src, { 'a.txt': 'a' });
    engine.profiles.add('nightly', profileSpecSchema.parse({ sources: [folder(src)], schedule: { preset: 'daily', time: '02:30' } }), new Date().toISOString());
    const services = makeServices(engine);
    expect(missedBackupAlerts(services).map((a) => a.profile)).toEqual(['nightly']);
    const scheduler = createScheduler(services);
    expect(scheduler.start()).toEqual(['nightly']);
    await new Promise((r) => setTimeout(r, 200));
    await services.jobs.idle();
    scheduler.stop();
    const rows = engine.history({ profile: 'nightly' }).rows;
    expect(rows.map((r) => [r.trigger, r.status])).toEqual([['SCHEDULED', 'COMPLETED']]);
    expect(rows[0]?.description).toMatch(/^Scheduled run \(catch-up for the missed .* run\)$/);
    expect(missedBackupAlerts(services)).toEqual([]);
    // Started again right away: the last slot already ran, so no second catch-up.
    const again = createScheduler(services);
    expect(again.start()).toEqual([]);
    expect(again.nextRun()?.profile).toBe('nightly');
    again.stop();
    expect(engine.audit.list(50).map((e) => e.action)).toContain('schedule.run');
  });

  it('fires scheduled runs while open and records a slot that overlaps a running backup as skipped', async () => {
    const { engine } = await testEngine();
    const src = await tempDir();
    const { randomBytes } = await import('node:crypto');
    // One big file: it is read in chunks on the main thread, where the test hook can hold the first run.
    await writeTree(src, { 'big.bin': randomBytes(16 * 1024 * 1024) });
    // Every second (croner's six-field form). The first run is held at its first chunk until a later
    // slot has come and been skipped, so the overlap does not depend on how fast this machine is.
    engine.profiles.add('busy', profileSpecSchema.parse({ sources: [folder(src)], schedule: { preset: 'cron', cron: '* * * * * *', catchUp: false } }), new Date().toISOString());
    const services = makeServices(engine);
    const skippedSoFar = () => engine.audit.list(100).filter((e) => e.action === 'schedule.skipped').length;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    sourceTestHooks.afterChunk = () => gate;
    const scheduler = createScheduler(services);
    try {
      scheduler.start();
      for (let i = 0; i < 150 && skippedSoFar() === 0; i += 1) await new Promise((r) => setTimeout(r, 100));
    } finally {
      release();
      delete sourceTestHooks.afterChunk;
      scheduler.stop();
    }
    await services.jobs.idle();
    const rows = engine.history({ profile: 'busy' }).rows;
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.every((r) => r.trigger === 'SCHEDULED')).toBe(true);
    const skipped = engine.audit.list(100).filter((e) => e.action === 'schedule.skipped');
    expect(skipped.length).toBeGreaterThanOrEqual(1);
    expect(skipped[0]?.details.reason).toMatch(/still going/);
  });

  it('re-verifies the newest backup on the profile\'s verification schedule', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeTree(src, { 'a.txt': 'a' });
    engine.profiles.add('docs', profileSpecSchema.parse({ sources: [folder(src)], destination: out, verifySchedule: { preset: 'cron', cron: '* * * * * *' } }), new Date().toISOString());
    const { request } = await import('../../test-support/engine.js');
    const b = await engine.backup(request(out, [folder(src)], { profile: 'docs', verify: false }));
    expect(engine.env.catalog.backups.get(b.id)?.verifiedAt).toBeNull();
    const scheduler = createScheduler(makeServices(engine));
    scheduler.start();
    await new Promise((r) => setTimeout(r, 2200));
    scheduler.stop();
    expect(engine.env.catalog.backups.get(b.id)?.verifiedAt).not.toBeNull();
    expect(engine.audit.list(20).some((e) => e.action === 'backup.verify' && e.target === b.id && e.outcome === 'success')).toBe(true);
  });
});
