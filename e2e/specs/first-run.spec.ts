import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '../harness.js';

test('first run → demo data → backup → the row appears in History as COMPLETED with its size', async ({ app }) => {
  const { page } = app;
  await expect(page.getByTestId('first-run')).toBeVisible();
  await app.shot('01-first-run');
  await page.getByTestId('try-demo').click();
  await expect(page.getByRole('dialog', { name: 'Back up now' })).toBeVisible();
  await page.getByTestId('backup-description').fill('first demo backup');
  await app.shot('02-backup-dialog');
  await page.getByTestId('backup-start').click();
  await expect(page.getByTestId('backup-result')).toContainText('Backup completed', { timeout: 30_000 });
  await app.shot('03-backup-done');
  await page.getByTestId('backup-close').click();

  await expect(page.getByTestId('stat-total')).toContainText('1');
  await app.shot('04-dashboard');
  const files = (await readdir(join(app.home, 'backups'))).filter((f) => f.endsWith('.zip'));
  expect(files).toHaveLength(1);

  await page.getByTestId('nav-history').click();
  const row = page.getByRole('row').filter({ hasText: 'first demo backup' });
  await expect(row).toContainText('COMPLETED');
  await expect(row).toContainText(/\d+(\.\d+)? KiB/);
  await app.shot('05-history');
  await row.dblclick();
  await expect(page.getByTestId('file-tree')).toContainText('databases/');
  await expect(page.getByRole('dialog')).toContainText('rows in 2 tables');
  await app.shot('06-details');
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

  // Clicking the desktop notification about this backup opens its details from any screen.
  await page.getByTestId('nav-dashboard').click();
  const [backup] = app.services.engine.history({}).rows;
  app.services.emit('backup:focused', { id: backup?.id ?? '' });
  await expect(page.getByRole('dialog')).toContainText(backup?.fileName ?? 'missing');
});

test('"Create a profile" on the first-run screen opens the profile editor over Profiles; Escape closes it', async ({ app }) => {
  const { page } = app;
  await page.getByTestId('create-profile').click();
  const editor = page.getByRole('dialog');
  await expect(editor).toBeVisible();
  await expect(page.getByTestId('profile-name')).toBeVisible();
  await expect(page.getByTestId('nav-profiles')).toHaveAttribute('aria-current', 'page');
  await page.keyboard.press('Escape');
  await expect(editor).toHaveCount(0);
  await expect(page.getByTestId('new-profile')).toBeVisible();
});
