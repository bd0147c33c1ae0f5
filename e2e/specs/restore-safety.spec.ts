import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { LifeboatEngine } from '../../src-main/engine/lifeboat-engine.js';
import { holdAt } from '../../src-main/engine/util/fault.js';
import { writeTree } from '../../test-support/tree.js';
import { bigFolder, handler } from '../fixtures.js';
import { dropFile, expect, test, type AppFixture } from '../harness.js';

/** A demo backup, then a stray file in its folder (so restoring over it deletes something). */
async function demoBackup(app: AppFixture): Promise<void> {
  await handler(app.services, 'demo:create', {});
  await handler(app.services, 'backup:start', { profile: 'demo', description: 'known good' });
  await app.services.jobs.idle();
  await writeFile(join(app.home, 'demo', 'files', 'stray.txt'), 'not in the backup');
}

async function openWizard(page: Page): Promise<ReturnType<Page['getByRole']>> {
  await page.reload();
  await page.getByTestId('nav-history').click();
  await page.getByRole('row').filter({ hasText: 'known good' }).getByTestId('row-actions').click();
  await page.getByTestId('action-restore').click();
  const wizard = page.getByRole('dialog', { name: /Restore lifeboat-/ });
  await expect(wizard.getByTestId('restore-verify')).toBeVisible();
  return wizard;
}

test('the plan follows every choice: a new target re-plans by itself (stale meanwhile), and the confirmation follows the risk', async ({ app }) => {
  const { page, services, scratch } = app;
  await demoBackup(app);
  const wizard = await openWizard(page);
  await wizard.getByTestId('restore-next').click();
  await expect(wizard.getByTestId('restore-plan')).toContainText(join(app.home, 'demo', 'files'));
  // Choose another folder: the old plan is marked stale and nothing can go ahead on it...
  const elsewhere = join(scratch, 'elsewhere');
  services.desktop.nextPick = elsewhere;
  await wizard.getByTestId('restore-to-dir-choose').click();
  await expect(wizard.getByTestId('restore-to-dir')).toHaveValue(elsewhere);
  await expect(wizard.getByTestId('restore-plan-stale')).toBeVisible();
  await expect(wizard.getByTestId('restore-next')).toBeDisabled();
  await app.shot('restore-plan-stale');
  // ...until main's new plan arrives, without any Preview button.
  await expect(wizard.getByTestId('restore-plan')).toContainText(elsewhere);
  await expect(wizard.getByTestId('restore-plan-stale')).toBeHidden();
  await expect(wizard.getByTestId('restore-next')).toBeEnabled();
  // Untick the SQLite source: re-planned again, only the folder is left.
  await wizard.getByRole('checkbox', { name: 'app (sqlite)' }).uncheck();
  await expect(wizard.getByTestId('restore-plan')).not.toContainText('app (sqlite)');
  await wizard.getByTestId('restore-next').click();
  await expect(wizard.getByTestId('preflight-ok')).toBeVisible();
  await wizard.getByTestId('restore-next').click();
  // Into a new folder nothing is lost: one click, no word to type.
  await expect(wizard.getByTestId('restore-risk-none')).toBeVisible();
  await expect(wizard.getByTestId('restore-confirm')).toHaveCount(0);
  await expect(wizard.getByTestId('restore-start')).toHaveText('Restore');
  await app.shot('restore-confirm-one-click');

  // Back to the original place: it overwrites and deletes, so the profile's name is asked for.
  await wizard.getByRole('button', { name: 'Back' }).click();
  await wizard.getByRole('button', { name: 'Back' }).click();
  await wizard.getByTestId('restore-to-dir-clear').click();
  await expect(wizard.getByTestId('restore-plan')).toContainText(join(app.home, 'demo', 'files'));
  await wizard.getByTestId('restore-next').click();
  await wizard.getByTestId('restore-next').click();
  await expect(wizard.getByTestId('restore-risk-overwrite')).toBeVisible();
  await expect(wizard.getByTestId('changes-deleted')).toContainText('stray.txt');
  await expect(wizard.getByTestId('restore-start')).toHaveText('Restore and replace');
  await expect(wizard.getByTestId('restore-start')).toBeDisabled();
  await wizard.getByTestId('restore-confirm').fill('demo');
  await wizard.getByTestId('restore-confirm').press('Enter');
  await expect(wizard.getByTestId('restore-result')).toContainText('Restored', { timeout: 30_000 });
});

test('Cancel restore while it runs (before the swap) rolls everything back; the target is as it was', async ({ app }) => {
  const { page, services, scratch } = app;
  const data = join(scratch, 'bulk');
  await bigFolder(data, 96);
  await handler(services, 'profile:save', { name: 'bulk', spec: { sources: [{ kind: 'folder', path: data }] }, pathGrants: [services.grants.mint(data, 'folder')] });
  await handler(services, 'backup:start', { profile: 'bulk', description: 'known good' });
  await services.jobs.idle();
  await writeFile(join(data, 'stray.txt'), 'not in the backup');
  const before = (await readdir(data)).sort();
  const wizard = await openWizard(page);
  await wizard.getByTestId('restore-next').click();
  await wizard.getByTestId('restore-next').click();
  await expect(wizard.getByTestId('preflight-ok')).toBeVisible();
  await wizard.getByTestId('restore-next').click();
  await wizard.getByTestId('restore-confirm').fill('bulk');
  // The restore waits once staged until the Cancel click is in: a fast machine cannot reach the swap first.
  const hold = holdAt('restore:staged');
  await wizard.getByTestId('restore-start').click();
  await hold.reached;
  const cancelled = app.answered('restore:cancel');
  await wizard.getByTestId('restore-cancel').click();
  expect(await cancelled).toMatchObject({ ok: true, value: { cancelled: true } });
  hold.release();
  await expect(wizard.getByTestId('restore-result')).toContainText('Restore cancelled', { timeout: 30_000 });
  await app.shot('restore-cancelled');
  await services.jobs.idle();
  expect((await readdir(data)).sort()).toEqual(before);
  expect(await readFile(join(data, 'stray.txt'), 'utf8')).toBe('not in the backup');
  expect((await readdir(scratch)).filter((n) => n.startsWith('.lifeboat'))).toEqual([]);
});

const SIZES = [
  { width: 1280, height: 800 },
  { width: 1024, height: 640 },
] as const;

for (const theme of ['light', 'dark'] as const) {
  for (const size of SIZES) {
    test(`restore wizard, result and drop preview screens at ${size.width}x${size.height} ${theme}`, async ({ app }) => {
      const { page, services, scratch } = app;
      await page.setViewportSize(size);
      await handler(services, 'settings:set', { theme });
      await demoBackup(app);
      const tag = `${size.width}-${theme}`;
      const wizard = await openWizard(page);
      await app.shot(`restore-${tag}-1-verify`);
      await wizard.getByTestId('restore-next').click();
      await expect(wizard.getByTestId('restore-plan')).toBeVisible();
      await app.shot(`restore-${tag}-2-where`);
      await wizard.getByTestId('restore-next').click();
      await expect(wizard.getByTestId('preflight-ok')).toBeVisible();
      await app.shot(`restore-${tag}-3-preflight`);
      await wizard.getByTestId('restore-next').click();
      await wizard.getByTestId('restore-confirm').fill('demo');
      await app.shot(`restore-${tag}-4-confirm`);
      await wizard.getByTestId('restore-start').click();
      await expect(wizard.getByTestId('restore-result')).toContainText('Restored', { timeout: 30_000 });
      await app.shot(`restore-${tag}-5-result`);
      await wizard.getByTestId('restore-close').click();

      // A Lifeboat archive from another machine, dropped from Downloads.
      const source = join(scratch, 'server-data');
      await writeTree(source, { 'invoices/2026-10.csv': 'id,total\n1,9.99\n', 'README.md': '# data' });
      const elsewhere = await LifeboatEngine.open({ home: join(scratch, 'other-machine') });
      const made = await elsewhere.backup({
        sources: [{ kind: 'folder', name: 'data', path: source, include: [], exclude: [], gitignore: false }],
        type: 'files',
        format: 'zip',
        destination: join(scratch, 'other-machine', 'out'),
        description: 'from the file server',
        trigger: 'MANUAL',
        profile: 'fileserver',
        options: { allowEmpty: false, skipUnreadable: false },
      });
      elsewhere.close();
      await mkdir(join(scratch, 'Downloads'));
      const download = join(scratch, 'Downloads', 'fileserver-2026-11-29.zip');
      await copyFile(made.path, download);
      await copyFile(`${made.path}.sha256`, `${download}.sha256`);
      await dropFile(page, download, 'fileserver-2026-11-29.zip');
      await expect(page.getByTestId('import-preview')).toBeVisible();
      await app.shot(`drop-${tag}-preview`);
    });
  }
}
