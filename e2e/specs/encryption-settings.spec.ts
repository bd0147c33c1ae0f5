import { existsSync, readFileSync } from 'node:fs';
import { expect, test } from '../harness.js';
import { handler } from '../fixtures.js';

test('turn encryption on in the profile editor: create a key here, back up to .zip.age, save the recovery kit', async ({ app }) => {
  const { page, services } = app;
  await handler(services, 'demo:create', {});
  await page.reload();
  await page.getByTestId('nav-profiles').click();
  await page.getByTestId('profile-demo').getByRole('button', { name: 'Edit' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('switch', { name: 'Encrypt backups' }).check();
  await dialog.getByRole('combobox', { name: 'Encrypt with' }).click();
  await page.getByRole('option', { name: /Public keys/ }).click();
  await dialog.getByRole('button', { name: 'Create a key on this computer' }).click();
  await expect(dialog.getByRole('textbox', { name: 'Public keys, one per line' })).toHaveValue(/^age1[0-9a-z]{58}$/);
  await expect(dialog.getByTestId('save-recovery-kit')).toBeDisabled();
  await expect(dialog.getByText(/Private key kept here for age1/)).toBeVisible();
  await dialog.getByTestId('save-recovery-kit').scrollIntoViewIfNeeded();
  for (const [w, h] of [[1280, 800], [1024, 640]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await dialog.getByTestId('save-recovery-kit').scrollIntoViewIfNeeded();
    await app.shot(`40-encryption-settings-${w}x${h}-light`);
  }
  await page.getByTestId('profile-save').click();
  await expect(page.getByTestId('snackbar')).toContainText('Profile "demo" saved.');
  expect(services.engine.profiles.get('demo').spec.encryption).toMatchObject({ mode: 'recipients' });

  await handler(services, 'backup:start', { profile: 'demo', description: 'encrypted' });
  await services.jobs.idle();
  const row = services.engine.history({}).rows[0];
  expect(row?.status, row?.errorMessage ?? '').toBe('COMPLETED');
  expect(row?.fileName).toMatch(/\.zip\.age$/);

  await handler(services, 'settings:set', { theme: 'dark' });
  await page.reload();
  await page.getByTestId('nav-profiles').click();
  await page.getByTestId('profile-demo').getByRole('button', { name: 'Edit' }).click();
  await expect(dialog.getByText(/Private key kept here for age1/)).toBeVisible();
  await dialog.getByTestId('save-recovery-kit').scrollIntoViewIfNeeded();
  for (const [w, h] of [[1280, 800], [1024, 640]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await dialog.getByTestId('save-recovery-kit').scrollIntoViewIfNeeded();
    await app.shot(`41-encryption-settings-${w}x${h}-dark`);
  }
  services.desktop.nextPick = app.scratch;
  await dialog.getByTestId('save-recovery-kit').click();
  await expect.poll(() => services.desktop.shown.length).toBe(1);
  const kit = services.desktop.shown[0] ?? '';
  expect(existsSync(kit)).toBe(true);
  expect(readFileSync(kit, 'utf8')).toContain('AGE-SECRET-KEY-1');
});
