import { expect, test } from '../harness.js';
import { handler } from '../fixtures.js';

test('a scheduled profile with no backup raises a missed-backup alert; the profile editor shows its schedule', async ({ app }) => {
  const { page, services } = app;
  await handler(services, 'demo:create', {});
  const demo = services.engine.profiles.get('demo');
  await handler(services, 'profile:save', { name: 'demo', replace: true, spec: { ...demo.spec, schedule: { preset: 'daily', time: '02:30' } } });
  await page.reload();
  await expect(page.getByTestId('missed-backup')).toContainText('Missed backup: "demo" (daily at 02:30)');
  // The slot in the app's one format (24-hour, with the zone), not the locale's.
  await expect(page.getByTestId('missed-backup')).toContainText(/since the \d{4}-\d{2}-\d{2} \d{2}:\d{2} \S+ run/);
  await expect(page.getByTestId('stat-next')).toContainText('profile demo');
  await app.shot('24-missed-backup');
  await page.getByTestId('nav-profiles').click();
  await page.getByTestId('profile-demo').getByRole('button', { name: 'Edit' }).click();
  await expect(page.getByRole('combobox', { name: 'Runs' })).toContainText('Daily');
  await page.getByRole('dialog').getByText('Schedule').scrollIntoViewIfNeeded();
  // The time reads 24-hour in every locale (a native time input showed "02:30 AM"); a 12-hour entry is refused.
  const time = page.getByTestId('schedule-time');
  await expect(time).toHaveValue('02:30');
  await app.shot('25-profile-schedule');
  await time.fill('2:30 PM');
  await expect(page.getByText('Type a 24-hour time, e.g. 02:30 or 23:15')).toBeVisible();
  await app.shot('25b-profile-schedule-bad-time');
  await time.fill('02:30');
  await page.getByTestId('profile-save').click();
  await expect(page.getByTestId('snackbar')).toContainText('Profile "demo" saved.');
  expect(services.engine.profiles.get('demo').spec.schedule).toMatchObject({ preset: 'daily', time: '02:30' });
});
