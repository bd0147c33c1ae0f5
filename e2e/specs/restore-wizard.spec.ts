import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, test } from '../harness.js';
import { handler, rows } from '../fixtures.js';

test('restore wizard end to end: the restored SQLite rows and files are back on disk', async ({ app }) => {
  const { page, services, home } = app;
  await handler(services, 'demo:create', {});
  const { jobId } = (await handler(services, 'backup:start', { profile: 'demo', description: 'known good' })) as { jobId: string };
  await services.jobs.idle();
  expect(jobId).toBeTruthy();

  // Damage both sources after the backup.
  const db = join(home, 'demo', 'app.db');
  const csv = join(home, 'demo', 'files', 'acme', 'studies', 'study-1', 'source_data', '20240823_143022', 'measurements.csv');
  const original = await readFile(csv, 'utf8');
  const w = new Database(db);
  w.prepare('DELETE FROM orders WHERE id > 10').run();
  w.close();
  await rm(csv);
  await writeFile(join(home, 'demo', 'files', 'stray.txt'), 'not in the backup');
  expect(rows(db, 'orders')).toBe(10);

  await page.reload();
  await page.getByTestId('nav-history').click();
  await page.getByRole('row').filter({ hasText: 'known good' }).getByTestId('row-actions').click();
  await page.getByTestId('action-restore').click();
  const wizard = page.getByRole('dialog', { name: /Restore/ });
  await expect(wizard.getByTestId('restore-verify')).toContainText('Checksum matches the catalog');
  await app.shot('08-restore-verify');
  await wizard.getByTestId('restore-next').click();
  await expect(wizard.getByTestId('restore-plan')).toContainText('app (sqlite)');
  await app.shot('09-restore-where');
  await wizard.getByTestId('restore-next').click();
  await expect(wizard.getByTestId('preflight-ok')).toBeVisible();
  await app.shot('10-restore-preflight');
  await wizard.getByTestId('restore-next').click();
  // Over existing data the confirmation asks for the profile's name, never the generated file name.
  await expect(wizard.getByTestId('restore-confirm-phrase')).toHaveText('demo');
  await expect(wizard.getByTestId('restore-start')).toBeDisabled();
  // What the restore destroys is on screen before the confirmation.
  await expect(wizard.getByTestId('changes-deleted')).toContainText('stray.txt');
  await expect(wizard.getByTestId('restore-changes')).toContainText('Replaces 60 rows with the backup\'s 1,050');
  await wizard.getByTestId('restore-confirm').fill('dem');
  await wizard.getByTestId('restore-confirm').press('Enter');
  await expect(wizard.getByTestId('restore-confirm-step')).toBeVisible();
  await wizard.getByTestId('restore-confirm').fill('demo');
  await app.shot('11-restore-confirm');
  // Enter submits the confirmation.
  await wizard.getByTestId('restore-confirm').press('Enter');
  await expect(wizard.getByTestId('restore-result')).toContainText('Restored', { timeout: 30_000 });
  await expect(wizard.getByTestId('restore-result')).toContainText('safety backup');
  await expect(wizard.getByTestId('restore-result').getByRole('heading', { name: 'Restore completed' })).toBeFocused();
  await app.shot('12-restore-done');
  // Main asked the user itself (a native box, answered by the fake desktop) before replacing anything.
  expect(services.desktop.confirmations.map((c) => c.title)).toEqual(['Restore over existing data']);
  expect(services.desktop.confirmations[0]?.detail).toMatch(/files → .*: deletes 1 file/);

  expect(rows(db, 'orders')).toBe(1000);
  expect(await readFile(csv, 'utf8')).toBe(original);
  await expect(readFile(join(home, 'demo', 'files', 'stray.txt'))).rejects.toThrow();
  // "Open folder" opens the restored target main knows, by restore and source.
  await wizard.getByTestId('restore-open-files').click();
  await expect.poll(() => services.desktop.shown).toEqual([join(home, 'demo', 'files')]);

  // "Undo this restore": the same wizard, on the safety backup, with the same safeguards.
  await wizard.getByTestId('restore-undo').click();
  const undo = page.getByRole('dialog', { name: /Restore lifeboat-/ });
  await expect(undo.getByTestId('restore-verify')).toContainText('Checksum matches the catalog');
  await undo.getByTestId('restore-next').click();
  await undo.getByTestId('restore-next').click();
  await expect(undo.getByTestId('preflight-ok')).toBeVisible();
  await undo.getByTestId('restore-next').click();
  const phrase = (await undo.getByTestId('restore-confirm-phrase').textContent()) ?? '';
  expect(phrase).not.toMatch(/\.zip$/);
  await expect(undo.getByTestId('restore-start')).toBeDisabled();
  await undo.getByTestId('restore-confirm').fill(phrase);
  // The same safeguards: the safety backup is much smaller than what is there now, so it needs the tick too.
  await expect(undo.getByTestId('restore-start')).toBeDisabled();
  await undo.getByLabel('Restore the smaller backup anyway').check();
  await undo.getByTestId('restore-start').click();
  await expect(undo.getByTestId('restore-result')).toContainText('Restored', { timeout: 30_000 });
  // The damage is back: the undo put back exactly what the restore replaced.
  expect(rows(db, 'orders')).toBe(10);
  expect(await readFile(join(home, 'demo', 'files', 'stray.txt'), 'utf8')).toBe('not in the backup');
  await expect(readFile(csv)).rejects.toThrow();
  await undo.getByTestId('restore-close').click();
  await page.getByTestId('nav-history').click();
  await expect(page.locator('.MuiDataGrid-row').filter({ hasText: 'Safety' })).toHaveCount(2);
});

test('a backup much smaller than the live database cannot be started until the user ticks "restore the smaller backup anyway"', async ({ app }) => {
  const { page, services, home } = app;
  await handler(services, 'demo:create', {});
  await handler(services, 'backup:start', { profile: 'demo', description: 'small one' });
  await services.jobs.idle();
  const db = join(home, 'demo', 'app.db');
  const w = new Database(db);
  w.prepare('INSERT INTO orders (user_id, total) SELECT user_id, total FROM orders').run();
  w.prepare('INSERT INTO orders (user_id, total) SELECT user_id, total FROM orders').run();
  w.close();
  const live = rows(db, 'orders');
  expect(live).toBe(4000);

  await page.reload();
  await page.getByTestId('nav-history').click();
  await page.getByRole('row').filter({ hasText: 'small one' }).getByTestId('row-actions').click();
  await page.getByTestId('action-restore').click();
  const wizard = page.getByRole('dialog', { name: /Restore/ });
  await wizard.getByTestId('restore-next').click();
  await wizard.getByTestId('restore-next').click();
  await expect(wizard.getByTestId('preflight-ok')).toBeVisible();
  await wizard.getByTestId('restore-next').click();
  await wizard.getByTestId('restore-confirm').fill('demo');
  await expect(wizard.getByTestId('restore-smaller')).toContainText(`the database has ${live + rows(db, 'users')} now`);
  await expect(wizard.getByTestId('restore-start')).toBeDisabled();
  await app.shot('11b-restore-smaller');
  await wizard.getByLabel('Restore the smaller backup anyway').check();
  await wizard.getByTestId('restore-start').click();
  await expect(wizard.getByTestId('restore-result')).toContainText('Restored', { timeout: 30_000 });
  expect(rows(db, 'orders')).toBe(1000);
});
