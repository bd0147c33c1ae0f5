import { join } from 'node:path';
import { holdAt } from '../../src-main/engine/util/fault.js';
import { bigFolder, handler } from '../fixtures.js';
import { expect, test } from '../harness.js';

const SIZES = [
  [1280, 800],
  [1024, 640],
] as const;

for (const theme of ['light', 'dark'] as const) {
  test(`backup dialog (plan, running, background) and profile editor/cards, ${theme}`, async ({ app }) => {
    test.setTimeout(240_000);
    const { page, services, scratch } = app;
    await handler(services, 'settings:set', { theme });
    await handler(services, 'demo:create', {});
    await handler(services, 'backup:start', { profile: 'demo', description: 'first run' });
    await services.jobs.idle();
    const data = join(scratch, 'big');
    await bigFolder(data, 160);
    await handler(services, 'profile:save', {
      name: 'files',
      spec: {
        sources: [{ kind: 'folder', path: data, exclude: ['*.tmp'] }],
        retention: { keepLast: 7, keepWeekly: 4, keepMonthly: 6 },
        schedule: { preset: 'daily', time: '02:30' },
        hooks: { pre: { argv: ['sh', '-c', 'echo stopping files service'], timeoutSeconds: 60 }, post: { argv: ['echo', 'starting files service'], timeoutSeconds: 60 } },
      },
      pathGrants: [services.grants.mint(data, 'folder')],
    });
    await page.reload();

    // Profile cards: last result, next run, retention.
    await page.getByTestId('nav-profiles').click();
    await expect(page.getByTestId('profile-demo').getByTestId('profile-last')).toContainText('COMPLETED');
    await expect(page.getByTestId('profile-files').getByTestId('profile-next')).toContainText('daily at 02:30');
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h });
      await app.shot(`runs-profiles-${w}-${theme}`);
    }

    // The editor: Test sources, GFS retention, commands before and after.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('profile-files').getByRole('button', { name: 'Edit' }).click();
    await page.getByTestId('test-sources').click();
    await expect(page.getByTestId('test-sources-total')).toContainText('1 of 1 reachable');
    await expect(page.getByTestId('keep-weekly')).toHaveValue('4');
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h });
      await app.shot(`runs-editor-top-${w}-${theme}`);
      await page.getByTestId('hook-pre-argv').scrollIntoViewIfNeeded();
      await app.shot(`runs-editor-hooks-${w}-${theme}`);
      await page.getByTestId('test-sources').scrollIntoViewIfNeeded();
    }
    await expect(page.getByTestId('hook-pre-argv')).toHaveValue('sh\n-c\necho stopping files service');
    await page.getByRole('button', { name: 'Cancel' }).click();

    // The backup dialog before starting: resolved settings, sources, destination, estimate.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('profile-files').getByRole('button', { name: 'Back up' }).click();
    await expect(page.getByTestId('plan-total')).toContainText('Estimated size to read: 160.0 MiB');
    await expect(page.getByTestId('plan-retention')).toContainText('keep the last 7 verified, 4 weekly, 6 monthly');
    await expect(page.getByTestId('plan-before')).toContainText('echo stopping files service');
    await expect(page.getByRole('dialog')).toContainText('Profile default (zip)');
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h });
      await app.shot(`runs-dialog-plan-${w}-${theme}`);
    }

    // Running: per-source state; then "Run in background". The job waits with its archive open until the
    // screens are taken, so a fast machine cannot finish first (rate and time left: progress-tracker.test.ts).
    const hold = holdAt('backup:archiving');
    await page.getByTestId('backup-start').click();
    await hold.reached;
    await expect(page.getByTestId('job-phase')).toContainText('archiving', { timeout: 30_000 });
    await expect(page.getByTestId('job-source-big')).toContainText('archiving');
    await expect(page.getByTestId('job-eta')).toContainText('estimating…');
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h });
      await app.shot(`runs-dialog-running-${w}-${theme}`);
    }
    await page.getByTestId('backup-background').click();
    await expect(page.getByRole('dialog')).toHaveCount(0);
    await expect(page.getByTestId('active-jobs')).toContainText('Backup of files');
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h });
      await app.shot(`runs-background-${w}-${theme}`);
    }
    hold.release();
    // The job finishes on its own; its counters reach their totals and the log is kept.
    await services.jobs.idle();
    const row = services.engine.history({ limit: 1 }).rows[0];
    expect(row?.status).toBe('COMPLETED');
    await expect(page.getByTestId('active-jobs')).toHaveCount(0);
    const log = (await handler(services, 'run-log:get', { id: row?.id ?? '' })) as { text: string };
    expect(log.text).toContain('pre: stopping files service');

    // History details: the run log, with the commands' output.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('nav-history').click();
    await page.getByTestId('row-details').first().click();
    await page.getByTestId('run-log').getByRole('button').first().click();
    await expect(page.getByTestId('run-log-text')).toContainText('post: starting files service');
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h });
      await app.shot(`runs-details-log-${w}-${theme}`);
    }
    await page.keyboard.press('Escape');
    await page.getByTestId('nav-profiles').click();

    // Remove, then Undo.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('profile-files').getByTestId('profile-remove').click();
    await page.getByTestId('confirm-remove-yes').click();
    await expect(page.getByTestId('profile-files')).toHaveCount(0);
    await app.shot(`runs-undo-${theme}`);
    await page.getByTestId('undo-remove-button').click();
    await expect(page.getByTestId('profile-files')).toBeVisible();
    expect(services.engine.profiles.get('files').spec.schedule).toMatchObject({ preset: 'daily', time: '02:30' });
  });
}
