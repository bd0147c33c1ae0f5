import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LifeboatEngine } from '../../src-main/engine/lifeboat-engine.js';
import { writeFakeBackup } from '../../test-support/fake-archive.js';
import { describeTree, writeTree } from '../../test-support/tree.js';
import { dropFile, expect, test } from '../harness.js';

test('dropping a Lifeboat ZIP shows what it is, copies it only on confirm under its own name, and restores it', async ({ app }) => {
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
  // First: what it is, read in place. Nothing is in the catalog yet.
  const preview = page.getByRole('dialog', { name: 'What is backup.zip?' });
  await expect(preview.getByTestId('import-kind')).toHaveText('Lifeboat archive');
  await expect(preview.getByTestId('import-checks')).toContainText("SHA-256 and size of every one of the 2 files matched the archive's own manifest");
  await expect(preview.getByTestId('import-checks')).toContainText('matched the backup.zip.sha256 that came with it');
  await expect(preview).toContainText('from the file server');
  await expect(preview.getByTestId('import-sources')).toContainText('data');
  await app.shot('16a-drop-preview');
  expect(await readdir(join(app.home, 'backups')).catch(() => [])).toEqual([]);
  await preview.getByTestId('import-confirm').click();
  expect(app.services.desktop.confirmations.map((c) => c.title)).toEqual(['Import a backup archive']);
  const wizard = page.getByRole('dialog', { name: /Restore backup\.zip/ });
  await expect(wizard.getByTestId('restore-verify')).toContainText('Checksum matches the catalog');
  // The catalog keeps the file's own name.
  expect((await readdir(join(app.home, 'backups'))).sort()).toEqual(['backup.zip', 'backup.zip.sha256']);
  await wizard.getByTestId('restore-next').click();
  // The dropped archive came from elsewhere: its recorded place is shown as such and not used unless ticked.
  await expect(wizard.getByTestId('restore-origins')).toContainText('recorded in the archive');
  await expect(wizard.getByTestId('restore-recorded')).toBeVisible();
  await expect(wizard.getByTestId('restore-next')).toBeEnabled();
  await app.shot('16b-restore-recorded-target');
  const target = join(scratch, 'restored-here');
  // "Choose folder…" opens main's dialog; the fake desktop answers it with the folder the user picks.
  app.services.desktop.nextPick = target;
  await wizard.getByTestId('restore-to-dir-choose').click();
  await expect(wizard.getByTestId('restore-to-dir')).toHaveValue(target);
  // No Preview button: the plan follows the choice by itself.
  await expect(wizard.getByTestId('restore-plan')).toContainText(target);
  await expect(wizard.getByTestId('restore-origins')).toContainText('chosen by you');
  await app.shot('17-restore-chosen-folder');
  await wizard.getByTestId('restore-next').click();
  await expect(wizard.getByTestId('preflight-ok')).toBeVisible();
  await wizard.getByTestId('restore-next').click();
  // A new folder: nothing is overwritten, so one click restores.
  await expect(wizard.getByTestId('restore-risk-none')).toBeVisible();
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
