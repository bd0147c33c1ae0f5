import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { holdAt } from '../../src-main/engine/util/fault.js';
import { bigFolder } from '../fixtures.js';
import { expect, test } from '../harness.js';

test('cancelling a running backup leaves no file', async ({ app }) => {
  const { page, services, scratch, home } = app;
  const data = join(scratch, 'big');
  await bigFolder(data, 96);
  await handler0(services);
  await page.reload();
  await page.getByTestId('backup-now').click();
  await page.getByRole('combobox', { name: 'Profile' }).click();
  await page.getByRole('option', { name: 'Ad-hoc sources…' }).click();
  services.desktop.nextPick = data;
  await page.getByRole('button', { name: 'Add folder' }).click();
  await expect(page.getByRole('dialog')).toContainText(data);
  // The job waits with its archive open until the Cancel click is in: a fast machine cannot finish first.
  const hold = holdAt('backup:archiving');
  await page.getByTestId('backup-start').click();
  await hold.reached;
  await expect(page.getByTestId('job-progress')).toContainText('archiving', { timeout: 20_000 });
  // The sidebar follows the job too (it would catch up from job:list-active after a reload).
  await expect(page.getByTestId('active-jobs')).toContainText('Ad-hoc backup');
  await app.shot('14-backup-progress');
  const cancelled = app.answered('job:cancel');
  await page.getByTestId('backup-cancel').click();
  expect(await cancelled).toMatchObject({ ok: true, value: { cancelled: true } });
  hold.release();
  await expect(page.getByTestId('backup-result')).toContainText('Cancelled. Nothing was kept.');
  await services.jobs.idle();
  expect(await readdir(join(home, 'backups'))).toEqual([]);
});

/** A profile so the dashboard (not the first-run page) shows "Back up now". */
async function handler0(services: import('../../src-main/ipc/services.js').Services): Promise<void> {
  const { handler } = await import('../fixtures.js');
  await handler(services, 'demo:create', {});
}
