import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from '../harness.js';
import { handler } from '../fixtures.js';

const DEEP = 'acme/studies/study-1/source_data/20240823_143022';
const VIEWS = [
  { w: 1280, h: 800, theme: 'light' },
  { w: 1024, h: 640, theme: 'light' },
  { w: 1280, h: 800, theme: 'dark' },
  { w: 1024, h: 640, theme: 'dark' },
] as const;

/** Two backups of the demo profile: "first", then files and rows changed, then "second". */
async function twoBackups(app: { services: Parameters<typeof handler>[0]; home: string }): Promise<{ files: string; db: string }> {
  await handler(app.services, 'demo:create', {});
  await handler(app.services, 'backup:start', { profile: 'demo', description: 'first' });
  await app.services.jobs.idle();
  const files = join(app.home, 'demo', 'files');
  const db = join(app.home, 'demo', 'app.db');
  await writeFile(join(files, DEEP, 'measurements.csv'), 'id,value\n1,changed\n');
  await writeFile(join(files, 'globex', 'notes.txt'), 'added between the backups\n');
  const w = new Database(db);
  w.prepare('DELETE FROM orders WHERE id > 900').run();
  w.prepare("INSERT INTO users (email) VALUES ('new@example.com')").run();
  w.close();
  await handler(app.services, 'backup:start', { profile: 'demo', description: 'second' });
  await app.services.jobs.idle();
  return { files, db };
}

/** WCAG 2.1 A/AA violations that are serious or critical on the open dialog (none allowed). */
async function axeSerious(page: Page, selector: string): Promise<string[]> {
  const r = await new AxeBuilder({ page }).include(selector).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function openFromMenu(page: Page, description: string, action: 'action-restore-files' | 'action-compare'): Promise<void> {
  await page.getByTestId('nav-history').click();
  await page.getByRole('row').filter({ hasText: description }).getByTestId('row-actions').click();
  await page.getByTestId(action).click();
}

async function openDeep(page: Page): Promise<void> {
  const dialog = page.getByTestId('files-dialog');
  let path = '';
  for (const part of DEEP.split('/')) {
    path = path ? `${path}/${part}` : part;
    await dialog.getByTestId(`tree-open-${path}`).click();
  }
}

test('restore one file of a backup to its place: only that file changes; compare shows files and row deltas', async ({ app }) => {
  const { page } = app;
  const { files } = await twoBackups(app);
  // After the second backup: the file is edited again, and user files appear next to it and elsewhere.
  await writeFile(join(files, DEEP, 'measurements.csv'), 'id,value\n1,broken\n');
  await writeFile(join(files, DEEP, 'keep-me.txt'), 'a file next to the restored one\n');
  const globexCsv = join(files, 'globex/studies/study-1/source_data/20240823_143022/measurements.csv');
  await writeFile(globexCsv, 'edited elsewhere, must stay\n');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.reload();

  await openFromMenu(page, 'first', 'action-restore-files');
  const dialog = page.getByTestId('files-dialog');
  await expect(dialog.getByTestId('lazy-file-tree')).toContainText('acme/');
  await openDeep(page);
  await dialog.getByTestId(`tree-check-${DEEP}/measurements.csv`).check();
  await expect(dialog.getByTestId('files-selected-count')).toContainText('1 path(s) ticked');
  await app.shot('files-01-tree-1280-light');
  await dialog.getByTestId('files-review').click();
  await expect(dialog.getByTestId('files-plan-replaced')).toContainText(`${DEEP}/measurements.csv`);
  await expect(dialog.getByTestId('files-plan-summary')).toContainText('Replaces 1. Nothing outside the selection is changed.');
  await expect(dialog.getByRole('heading', { name: 'What the restore will do' }).or(dialog.getByText('What the restore will do'))).toBeFocused();
  await app.shot('files-02-plan-1280-light');
  await dialog.getByTestId('files-start').click();
  await expect(dialog.getByTestId('files-done')).toContainText('1 path(s) of files', { timeout: 30_000 });
  await expect(dialog.getByTestId('files-done')).toContainText('safety backup');
  await app.shot('files-03-done-1280-light');
  await dialog.getByTestId('files-close').click();

  expect(await readFile(join(files, DEEP, 'measurements.csv'), 'utf8')).toMatch(/^id,value\n0,0.00\n/);
  expect(await readFile(join(files, DEEP, 'keep-me.txt'), 'utf8')).toBe('a file next to the restored one\n');
  expect(await readFile(globexCsv, 'utf8')).toBe('edited elsewhere, must stay\n');
  expect(app.services.desktop.confirmations.map((c) => c.title)).toEqual(['Restore files over existing ones']);

  await openFromMenu(page, 'second', 'action-compare');
  const compare = page.getByTestId('compare-dialog');
  await expect(compare.getByTestId('compare-other')).not.toHaveValue('');
  await compare.getByTestId('compare-run').click();
  const folder = compare.getByTestId('compare-source-files');
  await expect(folder).toContainText('+1 added');
  await expect(folder).toContainText('globex/notes.txt');
  await expect(folder).toContainText(`${DEEP}/measurements.csv`);
  const appDb = compare.getByTestId('compare-source-app');
  await expect(appDb.getByRole('row', { name: /orders/ })).toContainText('−100');
  await expect(appDb.getByRole('row', { name: /users/ })).toContainText('+1');
  await app.shot('files-04-compare-1280-light');
});

test('restore a folder into another folder chosen with Browse…, and every size and theme renders', async ({ app }) => {
  const { page, services, scratch } = app;
  await twoBackups(app);
  for (const v of VIEWS) {
    await handler(services, 'settings:set', { theme: v.theme });
    await page.setViewportSize({ width: v.w, height: v.h });
    await page.reload();
    const tag = `${v.w}-${v.theme}`;
    await openFromMenu(page, 'first', 'action-restore-files');
    const dialog = page.getByTestId('files-dialog');
    await expect(dialog.getByTestId('lazy-file-tree')).toContainText('acme/');
    await openDeep(page);
    await dialog.getByTestId('tree-check-globex').check();
    await dialog.getByTestId('files-where-other').click();
    const into = join(scratch, `into-${tag}`);
    services.desktop.nextPick = into;
    await dialog.getByTestId('files-to-dir-choose').click();
    await expect(dialog.getByTestId('files-to-dir')).toHaveValue(into);
    await app.shot(`files-05-tree-${tag}`);
    expect(await axeSerious(page, '[data-testid="files-dialog"]'), `tree ${tag}`).toEqual([]);
    await dialog.getByTestId('files-review').click();
    await expect(dialog.getByTestId('files-plan-selected')).toContainText('globex');
    await app.shot(`files-06-plan-${tag}`);
    expect(await axeSerious(page, '[data-testid="files-dialog"]'), `plan ${tag}`).toEqual([]);
    await dialog.getByTestId('files-start').click();
    await expect(dialog.getByTestId('files-done')).toContainText('no safety backup was needed', { timeout: 30_000 });
    await dialog.getByTestId('files-close').click();
    expect(await readFile(join(into, 'globex/studies/study-1/source_data/20240823_143022/measurements_metadata.json'), 'utf8')).toContain('globex');

    await openFromMenu(page, 'second', 'action-compare');
    const compare = page.getByTestId('compare-dialog');
    await compare.getByTestId('compare-run').click();
    await expect(compare.getByTestId('compare-result')).toBeVisible();
    await app.shot(`files-07-compare-${tag}`);
    expect(await axeSerious(page, '[data-testid="compare-dialog"]'), `compare ${tag}`).toEqual([]);
    await compare.getByRole('button', { name: 'Close' }).click();
  }
});
