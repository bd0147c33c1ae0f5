import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { pickedPath } from '../../test-support/services.js';
import { handler } from '../fixtures.js';
import { expect, test, type AppFixture } from '../harness.js';

const FAILURES = 25;

/**
 * 200 older rows straight into the real catalog (every 7th failed), then real runs: a good backup
 * of "demo", and 25 real failed runs of "files" after its folder vanished.
 */
async function seed(app: AppFixture): Promise<void> {
  const { services, scratch } = app;
  const repo = services.engine.env.catalog.backups;
  const start = Date.now() - 200 * 3600_000;
  for (let i = 0; i < 200; i += 1) {
    const id = randomUUID();
    const at = new Date(start + i * 3600_000).toISOString();
    const profile = i % 3 === 0 ? null : 'demo';
    repo.insertRunning({ id, fileName: `seed-${i}.zip`, path: join(app.home, 'backups', `seed-${i}.zip`), format: 'zip', type: 'full', trigger: i % 2 ? 'SCHEDULED' : 'MANUAL', description: `seeded run ${i} with a fairly long description to see how it wraps`, createdBy: 'admin', host: 'host', pid: 1, createdAt: at, profile, searchText: `seed ${i}` });
    if (i % 7 === 3) repo.markFailed(id, { code: 'SOURCE_MISSING', message: `the folder /srv/data-${i} does not exist (unmounted disk?)` }, at, 1200);
    else repo.markCompleted(id, { size: 1_000_000 + i * 1000, sha256: 'ab'.repeat(32), finishedAt: at, durationMs: 4200, summary: { sources: [] } as never, warnings: [] });
  }
  await handler(services, 'demo:create', {});
  await handler(services, 'backup:start', { profile: 'demo', description: 'good one' });
  await services.jobs.idle();
  const folder = join(scratch, 'files');
  await mkdir(folder);
  await writeFile(join(folder, 'a.txt'), 'alpha');
  await handler(services, 'profile:save', { name: 'files', spec: { sources: [{ kind: 'folder', path: folder }] }, pathGrants: [pickedPath(services, folder)] });
  await rm(folder, { recursive: true });
  for (let i = 0; i < FAILURES; i += 1) {
    await handler(services, 'backup:start', { profile: 'files', description: `attempt ${i}` });
    await services.jobs.idle();
  }
}

async function windowDoesNotScroll(page: Page): Promise<void> {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.scrollingElement?.scrollHeight ?? 0, inner: window.innerHeight }));
  expect(scroll).toBeLessThanOrEqual(inner);
}

async function insideViewport(page: Page, testId: string): Promise<void> {
  const box = await page.getByTestId(testId).first().boundingBox();
  const vp = page.viewportSize();
  expect(box).not.toBeNull();
  expect(vp).not.toBeNull();
  if (!box || !vp) return;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(vp.width);
  expect(box.y + box.height).toBeLessThanOrEqual(vp.height);
}

for (const theme of ['light', 'dark'] as const) {
  test(`dashboard health and history fit at 1280×800 and 1024×640 with 200+ rows (${theme})`, async ({ app }) => {
    test.setTimeout(180_000);
    const { page, services } = app;
    await seed(app);
    await handler(services, 'settings:set', { theme });
    const failedRow = services.engine.env.catalog.backups.query({ profile: 'files', limit: 1 }).rows[0];
    expect(failedRow?.status).toBe('FAILED');

    for (const [w, h] of [[1280, 800], [1024, 640]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.reload();
      // Dashboard: a red banner for the failing profile, its failure count, and no window scroll.
      const banner = page.getByTestId('failure-banner');
      await expect(banner).toHaveCount(1);
      await expect(banner).toContainText(`The last backup of "files" failed (${FAILURES} failures in a row)`);
      await expect(banner).toContainText('SOURCE_MISSING');
      await expect(page.getByTestId('health-files').getByTestId('health-failures')).toHaveText(String(FAILURES));
      await expect(page.getByTestId('health-demo').getByTestId('health-failures')).toHaveText('0');
      await expect(page.getByTestId('stat-total')).toContainText(`History lists every attempt: ${200 + 1 + FAILURES} rows`);
      await windowDoesNotScroll(page);
      await app.shot(`health-dashboard-${w}x${h}-${theme}`);

      // History: 226 rows, the actions on screen without scrolling sideways, the reason in the row.
      await page.getByTestId('nav-history').click();
      await expect(page.getByTestId('history-count')).toContainText(`${200 + 1 + FAILURES} rows`);
      await expect(page.locator('.MuiDataGrid-row')).not.toHaveCount(0);
      await insideViewport(page, 'row-action-buttons');
      await insideViewport(page, 'row-restore');
      await expect(page.getByTestId('failure-reason').first()).toBeVisible();
      await expect(page.getByTestId('failure-reason').first()).toContainText('files does not exist');
      await windowDoesNotScroll(page);
      await app.shot(`health-history-${w}x${h}-${theme}`);

      // The banner's link lands on the failed row in History.
      await page.getByTestId('nav-dashboard').click();
      await page.getByTestId('failure-banner-link').click();
      await expect(page.locator(`.MuiDataGrid-row[data-id="${failedRow?.id ?? ''}"]`)).toHaveClass(/lifeboat-focused-row/);
      await expect(page.getByTestId('history-count')).toContainText(`${FAILURES} matching rows`);
      await windowDoesNotScroll(page);
      if (w === 1024) await app.shot(`health-history-focused-${w}x${h}-${theme}`);
    }
  });
}

test('history sorts by a column in the catalog, the trigger filter uses the column\'s labels, and Details shows the description', async ({ app }) => {
  const { page } = app;
  await seed(app);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.reload();
  await page.getByTestId('nav-history').click();
  await page.getByRole('columnheader', { name: 'Size' }).click();
  // Ascending by size across all 226 rows (sorted in the catalog, not on this page): the tiny demo backup first.
  const firstSize = page.locator('.MuiDataGrid-row').first().locator('[data-field="size"]');
  await expect(firstSize).toContainText('KiB');
  await page.getByRole('columnheader', { name: 'Size' }).click();
  await expect(firstSize).toHaveText('1.14 MiB');
  await page.getByRole('combobox', { name: 'Trigger' }).click();
  await expect(page.getByRole('option', { name: 'Scheduled' })).toBeVisible();
  await page.getByRole('option', { name: 'Scheduled' }).click();
  await expect(page.locator('.MuiDataGrid-row').first()).toContainText('Scheduled');
  await page.getByTestId('row-details').first().click();
  await expect(page.getByRole('dialog')).toContainText('Description');
  await expect(page.getByRole('dialog')).toContainText('seeded run');
  await app.shot('history-details-description');
});

test('Remove asks first; a profile whose SQLite file does not exist is refused in the editor, not saved with a toast', async ({ app }) => {
  const { page, services } = app;
  await handler(services, 'demo:create', {});
  await page.reload();
  await page.getByTestId('nav-profiles').click();
  await page.getByTestId('profile-demo').getByTestId('profile-remove').click();
  await expect(page.getByTestId('confirm-remove')).toContainText('Remove the profile "demo"?');
  await app.shot('profile-remove-confirm');
  await page.getByRole('button', { name: 'Keep it' }).click();
  expect(services.engine.profiles.find('demo')).toBeDefined();
  await page.getByTestId('profile-demo').getByTestId('profile-remove').click();
  await page.getByTestId('confirm-remove-yes').click();
  await expect(page.getByTestId('profile-demo')).toHaveCount(0);
  expect(services.engine.profiles.find('demo')).toBeUndefined();
  // main's own native box was raised too (the desktop adapter)
  expect(services.desktop.confirmations.map((c) => c.title)).toContain('Remove profile');

  // A save dialog can name a database that does not exist yet: saving it is refused with why.
  const missing = join(app.scratch, 'nowhere', 'app.db');
  services.desktop.nextPick = missing;
  await page.getByTestId('new-profile').click();
  await page.getByTestId('profile-name').fill('crm');
  await page.getByTestId('add-sqlite').click();
  await page.getByTestId('source-0-path-choose').click();
  await expect(page.getByTestId('source-0-path')).toHaveValue(missing);
  await page.getByTestId('profile-save').click();
  await expect(page.getByTestId('profile-error')).toContainText(`${missing} in profile "crm" does not exist`);
  await expect(page.getByTestId('snackbar')).toHaveCount(0);
  expect(services.engine.profiles.find('crm')).toBeUndefined();
  await app.shot('profile-missing-sqlite');
});
