import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair } from '../../src-main/engine/crypto/age-keys.js';
import { LifeboatEngine } from '../../src-main/engine/lifeboat-engine.js';
import { writeFakeBackup } from '../../test-support/fake-archive.js';
import { describeTree, writeTree } from '../../test-support/tree.js';
import { handler } from '../fixtures.js';
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

// Issue 14: an encrypted archive asks for its key in the preview instead of failing.
test('dropping an encrypted .zip.age asks for its key (the profile key kept here), then imports it and the restore wizard opens it', async ({ app }) => {
  const { page, scratch, services } = app;
  await handler(services, 'demo:create', {});
  const { recipient } = (await handler(services, 'encryption:create-key', { profile: 'demo' })) as { recipient: string };
  const demo = services.engine.profiles.get('demo');
  await handler(services, 'profile:save', { name: 'demo', replace: true, spec: { ...demo.spec, encryption: { mode: 'recipients', recipients: [recipient] } } });
  await handler(services, 'backup:start', { profile: 'demo', description: 'before the move' });
  await services.jobs.idle();
  const made = services.engine.history({ status: 'COMPLETED' }).rows[0];
  expect(made?.fileName).toMatch(/\.zip\.age$/);
  // The copy on a USB stick comes back after the catalog row was deleted.
  const name = made?.fileName ?? '';
  await mkdir(join(scratch, 'Downloads'));
  const dropped = join(scratch, 'Downloads', name);
  await copyFile(made?.path ?? '', dropped);
  await copyFile(`${made?.path ?? ''}.sha256`, `${dropped}.sha256`);
  await handler(services, 'backup:delete', { id: made?.id });

  const preview = page.getByRole('dialog', { name: `What is ${name}?` });
  for (const theme of ['light', 'dark'] as const) {
    await handler(services, 'settings:set', { theme });
    await page.reload();
    await dropFile(page, dropped, name);
    await expect(preview.getByTestId('import-kind')).toHaveText('Encrypted Lifeboat archive');
    await expect(preview.getByTestId('import-encrypted')).toContainText('encrypted to one public key');
    await expect(preview.getByTestId('import-checks')).toContainText(`matched the ${name}.sha256`);
    await expect(preview.getByTestId('import-confirm')).toBeDisabled();
    await expect(preview.getByTestId('import-key-profile-demo')).toHaveText('Use the key of profile demo');
    for (const [w, h] of [[1280, 800], [1024, 640]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await app.shot(`42-drop-encrypted-${w}x${h}-${theme}`);
    }
    if (theme === 'light') await preview.getByRole('button', { name: 'Cancel' }).click();
  }
  await preview.getByTestId('import-key-profile-demo').click();
  await expect(preview.getByTestId('import-checks')).toContainText('Decrypted with the key given');
  await expect(preview).toContainText('before the move');
  await expect(preview.getByTestId('import-sources')).toBeVisible();
  await expect(preview.getByTestId('import-key')).toHaveCount(0);
  await page.setViewportSize({ width: 1280, height: 800 });
  await app.shot('43-drop-encrypted-opened-1280x800-dark');
  await preview.getByTestId('import-confirm').click();
  expect(services.desktop.confirmations.at(-1)?.title).toBe('Import a backup archive');
  // The wizard names the stored .age file (not the private decrypted copy it reads).
  const wizard = page.getByRole('dialog', { name: `Restore ${name}` });
  await expect(wizard.getByTestId('restore-verify')).toContainText('Checksum matches the catalog');
  // Only the encrypted file came in, under its own name.
  expect((await readdir(join(app.home, 'backups'))).filter((f) => !f.startsWith('.'))).toEqual(expect.arrayContaining([name, `${name}.sha256`]));
  expect((await readdir(join(app.home, 'backups'))).filter((f) => /\.(zip|tar\.gz)$/.test(f))).toEqual([]);
});

test('dropping an archive encrypted to a key from elsewhere: the identity file is chosen in the native dialog, and a wrong one says so', async ({ app }) => {
  const { page, scratch, services } = app;
  const source = join(scratch, 'server-data');
  await writeTree(source, { 'invoices/2026-10.csv': 'id,total\n1,9.99\n' });
  const { identity, recipient } = await generateKeyPair();
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
    encryption: { kind: 'recipients', recipients: [recipient] },
  });
  elsewhere.close();
  await mkdir(join(scratch, 'keys'));
  await writeFile(join(scratch, 'keys', 'key.txt'), `${identity}\n`, { mode: 0o600 });
  await writeFile(join(scratch, 'keys', 'other.txt'), `${(await generateKeyPair()).identity}\n`, { mode: 0o600 });

  await dropFile(page, made.path, made.fileName);
  const preview = page.getByRole('dialog', { name: `What is ${made.fileName}?` });
  services.desktop.nextPick = join(scratch, 'keys', 'other.txt');
  await preview.getByTestId('import-key-file').click();
  await expect(preview.getByTestId('import-key-error')).toContainText('does not open it');
  services.desktop.nextPick = join(scratch, 'keys', 'key.txt');
  await preview.getByTestId('import-key-file').click();
  await expect(preview).toContainText('from the file server');
  await preview.getByTestId('import-confirm').click();
  await expect(page.getByTestId('snackbar')).toContainText(`Imported ${made.fileName}`);
  expect(services.engine.history({}).rows.map((r) => r.fileName)).toEqual([made.fileName]);
});
