import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test, type AppFixture } from '../harness.js';
import { handler } from '../fixtures.js';
import { demoWithManyRows } from '../many-rows.js';

/*
 * WCAG 2.1 A/AA on every screen and state, in both themes: axe-core must find no serious or
 * critical violation. Keyboard: focus after every dialog step lands on the step's heading or
 * primary action, never on the dialog box; a History row adds at most one Tab stop; a failed
 * backup's reason is readable without a tooltip.
 */

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
type Theme = 'light' | 'dark';

/**
 * Violations known to be open in screens other engineers are changing in parallel (restore
 * wizard, backup dialog, profile editor, History), by state and rule. The lead removes each entry
 * once the screen's fix is merged: the merged suite must end with this list empty.
 */
const KNOWN_OPEN: readonly { readonly state: RegExp; readonly rule: string; readonly owner: string }[] = [];

/**
 * Keyboard checks known to fail in screens being changed in parallel: each test below is marked
 * `test.fail` while its key is here, so the day the fix lands the test "unexpectedly passes" and
 * the lead deletes the key. Empty after the merge.
 */
// Keyboard defects still open (each test is marked as expected to fail until its fix lands). None now.
const KNOWN_OPEN_KEYBOARD = new Map<string, string>([]);

function knownOpen(key: string): void {
  const why = KNOWN_OPEN_KEYBOARD.get(key);
  test.fail(why !== undefined, why);
}

interface Finding {
  readonly rule: string;
  readonly impact: string;
  readonly targets: string[];
  readonly help: string;
}

async function serious(page: Page, state: string): Promise<Finding[]> {
  const r = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .filter((v) => !KNOWN_OPEN.some((k) => k.rule === v.id && k.state.test(state)))
    .map((v) => ({ rule: v.id, impact: v.impact ?? '', help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
}

/** Scan the page now; every finding is reported with its state, rule and selectors. */
async function scan(page: Page, state: string, found: Map<string, Finding[]>): Promise<void> {
  // Let MUI's transitions finish: half-faded text is measured at its momentary contrast.
  await page.waitForTimeout(0);
  await page.evaluate(() => new Promise((r) => setTimeout(r, 350)));
  const f = await serious(page, state);
  if (f.length) found.set(state, f);
}

async function useTheme(app: AppFixture, theme: Theme): Promise<void> {
  await handler(app.services, 'settings:set', { theme });
  await app.page.reload();
  await expect(app.page.locator('body')).toHaveCSS('background-color', theme === 'dark' ? 'rgb(11, 18, 32)' : 'rgb(244, 246, 251)');
}

/** What has focus: the step's heading or a button/field, never the dialog container itself. */
async function focusIsOnStep(page: Page): Promise<{ ok: boolean; what: string }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { ok: false, what: 'nothing (body)' };
    const what = `${el.tagName.toLowerCase()}${el.getAttribute('role') ? `[role=${el.getAttribute('role')}]` : ''} "${(el.textContent ?? '').trim().slice(0, 40)}" .${el.className.toString().split(' ').slice(0, 2).join('.')}`;
    const isBox = el.getAttribute('role') === 'dialog' || el.classList.contains('MuiDialog-container') || el.classList.contains('MuiDialog-paper') || el.classList.contains('MuiPaper-root');
    const isTarget = /^H[1-6]$/.test(el.tagName) || el.tagName === 'BUTTON' || el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.getAttribute('role') === 'button';
    return { ok: !isBox && isTarget, what };
  });
}

function report(found: Map<string, Finding[]>): string {
  return [...found].map(([state, fs]) => `${state}:\n${fs.map((f) => `  ${f.impact} ${f.rule} (${f.help}) at ${f.targets.join(' | ')}`).join('\n')}`).join('\n');
}

for (const theme of ['light', 'dark'] as const) {
  test(`axe (WCAG 2.1 A/AA) finds no serious or critical violation on any screen, ${theme} theme`, async ({ app }) => {
    test.setTimeout(240_000);
    const { page, services } = app;
    const found = new Map<string, Finding[]>();
    const s = (state: string): Promise<void> => scan(page, `${theme}/${state}`, found);
    await useTheme(app, theme);

    // An empty catalog.
    await expect(page.getByTestId('first-run')).toBeVisible();
    await s('dashboard-empty');
    await page.getByTestId('create-profile').click();
    await expect(page.getByRole('dialog')).toBeVisible();
    await s('profile-editor-new');
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toHaveCount(0);
    await page.getByTestId('nav-audit').click();
    await s('audit-empty');
    await page.getByTestId('nav-settings').click();
    await s('settings-empty');
    await page.getByTestId('nav-history').click();
    await s('history-empty');

    // 200+ rows, the newest failed.
    await demoWithManyRows(services);
    await page.reload();
    await expect(page.getByTestId('failure-banner')).toBeVisible();
    await s('dashboard-rows');
    await page.getByTestId('backup-now').click();
    await expect(page.getByRole('dialog')).toBeVisible();
    await s('backup-dialog');
    await page.keyboard.press('Escape');

    await page.getByTestId('nav-history').click();
    await expect(page.locator('.MuiDataGrid-row').first()).toBeVisible();
    await s('history-rows');
    await page.getByRole('row').filter({ hasText: 'demo seed' }).dblclick();
    await expect(page.getByRole('dialog')).toBeVisible();
    await s('details');
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toHaveCount(0);

    // The restore wizard's steps, up to the confirmation.
    await page.getByRole('row').filter({ hasText: 'demo seed' }).getByTestId('row-actions').click();
    await page.getByTestId('action-restore').click();
    const wizard = page.getByRole('dialog', { name: /Restore/ });
    await expect(wizard).toBeVisible();
    await s('restore-step-1');
    for (let step = 2; step <= 4 && (await wizard.getByTestId('restore-next').isVisible()); step += 1) {
      await wizard.getByTestId('restore-next').click();
      await s(`restore-step-${step}`);
    }
    await page.keyboard.press('Escape');

    await page.getByTestId('nav-profiles').click();
    await s('profiles');
    await page.getByTestId('profile-demo').getByRole('button', { name: 'Edit' }).click();
    await expect(page.getByRole('dialog')).toBeVisible();
    await s('profile-editor');
    await page.keyboard.press('Escape');

    await page.getByTestId('nav-audit').click();
    await expect(page.locator('.MuiDataGrid-row').first()).toBeVisible();
    await s('audit-rows');
    await page.locator('.MuiDataGrid-row').first().click();
    await expect(page.getByTestId('audit-drawer-close')).toBeVisible();
    await s('audit-drawer');
    await page.keyboard.press('Escape');

    await page.getByTestId('nav-settings').click();
    await s('settings');

    await page.getByTestId('drop-zone').dispatchEvent('dragover', { dataTransfer: await page.evaluateHandle(() => new DataTransfer()) });
    await expect(page.getByText('Drop a backup archive')).toBeVisible();
    await s('drop-overlay');

    expect(report(found), 'serious or critical axe violations').toBe('');
  });
}

test('keyboard: focus after each restore step lands on its heading or primary action, never the dialog box', async ({ app }) => {
  knownOpen('restore-focus');
  const { page, services } = app;
  await handler(services, 'demo:create', {});
  await handler(services, 'backup:start', { profile: 'demo', description: 'focus run' });
  await services.jobs.idle();
  await page.reload();
  await page.getByTestId('nav-history').click();
  await page.getByRole('row').filter({ hasText: 'focus run' }).getByTestId('row-actions').click();
  await page.getByTestId('action-restore').click();
  const wizard = page.getByRole('dialog', { name: /Restore/ });
  await expect(wizard).toBeVisible();
  const seen: string[] = [];
  for (let step = 1; step <= 4 && (await wizard.getByTestId('restore-next').isVisible()); step += 1) {
    await wizard.getByTestId('restore-next').click();
    await page.evaluate(() => new Promise((r) => setTimeout(r, 350)));
    const f = await focusIsOnStep(page);
    seen.push(`after Next #${step}: ${f.what}`);
    expect(f.ok, seen.join('\n')).toBe(true);
  }
  const preview = wizard.getByRole('button', { name: /Preview/ });
  if (await preview.isVisible()) {
    await preview.click();
    await page.evaluate(() => new Promise((r) => setTimeout(r, 350)));
    const f = await focusIsOnStep(page);
    expect(f.ok, `after Preview: ${f.what}`).toBe(true);
  }
  // The confirmation: type what it asks for if it asks, then start.
  const confirm = wizard.getByTestId('restore-confirm');
  if (await confirm.isVisible()) {
    await confirm.fill((await wizard.getByTestId('restore-confirm-phrase').textContent()) ?? '');
  }
  await wizard.getByTestId('restore-start').click();
  await expect(wizard.getByTestId('restore-result')).toBeVisible({ timeout: 30_000 });
  await page.evaluate(() => new Promise((r) => setTimeout(r, 350)));
  const done = await focusIsOnStep(page);
  expect(done.ok, `when the restore finished: ${done.what}`).toBe(true);
});

test('keyboard: a History row adds at most one Tab stop', async ({ app }) => {
  knownOpen('history-tab-stops');
  const { page, services } = app;
  await demoWithManyRows(services, 20);
  await page.reload();
  await page.getByTestId('nav-history').click();
  const rows = page.locator('.MuiDataGrid-row');
  await expect(rows.first()).toBeVisible();
  const stops = await rows.evaluateAll((els) => els.map((row) => [...row.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea, [tabindex]')].filter((e) => e.tabIndex >= 0 && !(e as HTMLButtonElement).disabled).length));
  expect(Math.max(...stops), `Tab stops per row: ${stops.join(', ')}`).toBeLessThanOrEqual(1);
});

test('a failed backup\'s reason is on screen as text (dashboard health table, banner, History row), not only in a tooltip', async ({ app }) => {
  const { page, services } = app;
  await demoWithManyRows(services, 20);
  await page.reload();
  await expect(page.getByTestId('health-error').first()).toContainText('app.db');
  await expect(page.getByTestId('failure-banner')).toContainText('app.db');
  await page.getByTestId('nav-history').click();
  await expect(page.locator('.MuiDataGrid-row').filter({ hasText: 'FAILED' }).first()).toContainText('app.db does not exist');
});

test('an audit event opens with Enter as well as a click, its heading takes the focus, Escape closes it', async ({ app }) => {
  const { page, services } = app;
  await handler(services, 'demo:create', {});
  await page.reload();
  await page.getByTestId('nav-audit').click();
  const row = page.locator('.MuiDataGrid-row').first();
  await expect(row).toContainText('Profile added');
  await expect(row).toContainText('profile demo');
  await row.locator('.MuiDataGrid-cell').first().click();
  await page.keyboard.press('Escape');
  await row.locator('.MuiDataGrid-cell').first().focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Profile added' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('audit-drawer-close')).toHaveCount(0);
});

test('theme: in both modes every palette colour passes AA under its text, on hover, and as text on the page and the paper', async () => {
  // States the scan may not catch while they last (the orange Cancel while a backup runs, a hovered
  // filled button): the palette itself is checked, colour by colour.
  const { makeTheme } = await import('../../src-renderer/app/theme.js');
  const { getContrastRatio } = await import('@mui/material/styles');
  const failures: string[] = [];
  for (const mode of ['light', 'dark'] as const) {
    const p = makeTheme(mode).palette;
    for (const name of ['primary', 'secondary', 'error', 'warning', 'info', 'success'] as const) {
      const c = p[name];
      const checks: [string, string, string][] = [
        ['filled', c.main, c.contrastText],
        ['filled, hovered', c.dark, c.contrastText],
        ['as text on the page', c.main, p.background.default],
        ['as text on the paper', c.main, p.background.paper],
      ];
      for (const [what, a, b] of checks) {
        const ratio = getContrastRatio(a, b);
        if (ratio < 4.5) failures.push(`${mode} ${name} ${what}: ${a} / ${b} = ${ratio.toFixed(2)}:1`);
      }
    }
    const secondaryText = getContrastRatio(p.text.secondary, p.background.paper);
    if (secondaryText < 4.5) failures.push(`${mode} text.secondary on paper: ${secondaryText.toFixed(2)}:1`);
  }
  expect(failures).toEqual([]);
});

test('keyboard: a filled button reached with Tab shows a visible focus ring, in both themes', async ({ app }) => {
  const { page, services } = app;
  await handler(services, 'demo:create', {});
  for (const theme of ['light', 'dark'] as const) {
    await useTheme(app, theme);
    const target = page.getByTestId('backup-now');
    await expect(target).toBeVisible();
    for (let i = 0; i < 20 && !(await target.evaluate((el) => el === document.activeElement)); i += 1) await page.keyboard.press('Tab');
    await expect(target).toBeFocused();
    const ring = await target.evaluate((el) => {
      const s = getComputedStyle(el);
      return { style: s.outlineStyle, width: s.outlineWidth, color: s.outlineColor };
    });
    expect(ring.style, theme).toBe('solid');
    expect(ring.width, theme).toBe('2px');
  }
});
