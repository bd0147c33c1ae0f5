import { expect, test } from '../harness.js';
import { handler } from '../fixtures.js';

test('the dark theme renders every screen', async ({ app }) => {
  const { page, services } = app;
  await handler(services, 'demo:create', {});
  await handler(services, 'backup:start', { profile: 'demo', description: 'dark mode check' });
  await services.jobs.idle();
  await page.reload();
  await page.getByTestId('nav-settings').click();
  await page.getByRole('combobox', { name: 'Theme' }).click();
  await page.getByRole('option', { name: 'Dark' }).click();
  await expect(page.locator('body')).toHaveCSS('background-color', 'rgb(11, 18, 32)');
  await app.shot('17-dark-settings');
  await page.getByTestId('nav-dashboard').click();
  await expect(page.getByTestId('stat-total')).toContainText('1');
  await app.shot('18-dark-dashboard');
  await page.getByTestId('nav-history').click();
  await app.shot('19-dark-history');
  await page.getByTestId('nav-profiles').click();
  await app.shot('20-dark-profiles');
});
