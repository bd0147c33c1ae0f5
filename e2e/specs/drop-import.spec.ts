import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LifeboatEngine } from '../../src-main/engine/lifeboat-engine.js';
import { writeFakeBackup } from '../../test-support/fake-archive.js';
import { describeTree, writeTree } from '../../test-support/tree.js';
import { dropFile, expect, test } from '../harness.js';

test('dropping a Lifeboat ZIP imports it and restores it', async ({ app }) => {
  const { page, scratch } = app;
  // An archive made by Lifeboat on another machine (another home), downloaded next to nothing.
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
    profile: null,
    options: { allowEmpty: false, skipUnreadable: false },
  });
  elsewhere.close();
  const download = join(scratch, 'Downloads', 'backup.zip');
  await mkdir(join(scratch, 'Downloads'));
  await copyFile(made.path, download);
  await copyFile(`${made.path}.sha256`, `${download}.sha256`);

  await dropFile(page, download, 'backup.zip');
  const wizard = page.getByRole('dialog', { name: /Restore/ });
  await expect(wizard.getByTestId('restore-verify')).toContainText('Checksum matches the catalog');
  await wizard.getByTestId('restore-next').click();
  // The dropped archive came from elsewhere: its recorded place is shown as such and not used unless ticked.
  await expect(wizard.getByTestId('restore-origins')).toContainText('recorded in the archive');
  await expect(wizard.getByTestId('restore-recorded')).toBeVisible();
  await app.shot('16b-restore-recorded-target');
  const target = join(scratch, 'restored-here');
  // "Choose folder…" opens main's dialog; the fake desktop answers it with the folder the user picks.
  app.services.desktop.nextPick = target;
  await wizard.getByTestId('restore-to-dir-choose').click();
  await expect(wizard.getByTestId('restore-to-dir')).toHaveValue(target);
  await app.shot('17-restore-chosen-folder');
  await wizard.getByRole('button', { name: 'Preview what will be overwritten' }).click();
  await expect(wizard.getByTestId('restore-plan')).toContainText(target);
  await expect(wizard.getByTestId('restore-origins')).toContainText('chosen by you');
  await wizard.getByTestId('restore-next').click();
  await expect(wizard.getByTestId('preflight-ok')).toBeVisible();
  await wizard.getByTestId('restore-next').click();
  await wizard.getByTestId('restore-confirm').fill((await wizard.locator('p').filter({ hasText: /\.zip$/ }).last().textContent()) ?? '');
  await wizard.getByTestId('restore-start').click();
  await expect(wizard.getByTestId('restore-result')).toContainText('Restored');
  expect(await describeTree(target)).toEqual(await describeTree(source));
  await wizard.getByTestId('restore-close').click();
  await page.getByTestId('nav-history').click();
  await expect(page.locator('.MuiDataGrid-row').filter({ hasText: 'Imported' })).toHaveCount(1);
});

test('dropping a hostile ZIP shows the error, and nothing is written outside', async ({ app }) => {
  const { page, scratch, home } = app;
  const evil = join(scratch, 'Downloads', 'invoice.zip');
  await mkdir(join(scratch, 'Downloads'));
  await writeFakeBackup(evil, [{ name: 'files/docs/../../../../escape.sh', data: '#!/bin/sh\nrm -rf ~\n' }]);
  await dropFile(page, evil, 'invoice.zip');
  await expect(page.getByTestId('import-error')).toContainText('escape.sh');
  await expect(page.getByRole('dialog')).toContainText('Nothing was written');
  await app.shot('13-hostile-drop');
  expect((await readdir(join(scratch, 'Downloads'))).sort()).toEqual(['invoice.zip']);
  expect(await readdir(scratch)).toEqual(['Downloads']);
  expect(await readdir(join(home, 'backups')).catch(() => [])).toEqual([]);
});
