import { expect, test } from '../harness.js';
import { handler } from '../fixtures.js';
import { demoWithManyRows } from '../many-rows.js';

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

const SIZES = [
  { width: 1280, height: 800 },
  { width: 1024, height: 640 },
] as const;

test('dashboard (empty and 200+ rows), audit with its drawer and settings at 1280×800 and 1024×640, light and dark', async ({ app }) => {
  test.setTimeout(180_000);
  const { page, services } = app;
  const shoot = async (name: string): Promise<void> => {
    for (const theme of ['light', 'dark'] as const) {
      // The theme follows the system by default: switching the emulated scheme keeps the screen's state.
      await page.emulateMedia({ colorScheme: theme });
      for (const size of SIZES) {
        await page.setViewportSize(size);
        await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
        // The window never scrolls: each screen fits, or scrolls inside its own area.
        expect(await page.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight + 1), `${name} ${theme} ${size.width}: the window scrolls`).toBe(true);
        await app.shot(`screens-${name}-${size.width}x${size.height}-${theme}`);
      }
    }
  };
  const settle = async (): Promise<void> => {
    await page.reload();
    await expect(page.getByTestId('nav-dashboard')).toBeVisible();
  };

  await expect(page.getByTestId('first-run')).toBeVisible();
  await shoot('dashboard-empty');
  await page.getByTestId('nav-audit').click();
  await expect(page.getByTestId('audit-empty')).toBeVisible();
  await shoot('audit-empty');

  await demoWithManyRows(services);
  await settle();
  await expect(page.getByTestId('failure-banner')).toBeVisible();
  await expect(page.getByTestId('chart-failed').first()).toBeAttached();
  await shoot('dashboard-rows');
  await page.getByTestId('size-chart').scrollIntoViewIfNeeded();
  await shoot('dashboard-chart');

  await page.getByTestId('nav-audit').click();
  const row = page.locator('.MuiDataGrid-row').filter({ hasText: 'Backup completed' }).first();
  await expect(row).toContainText('(profile demo)');
  await row.click();
  await expect(page.getByTestId('audit-drawer-close')).toBeVisible();
  await shoot('audit-drawer');
  await page.keyboard.press('Escape');

  await page.getByTestId('nav-settings').click();
  await expect(page.getByText('Email notifications')).toBeVisible();
  await shoot('settings');
});
