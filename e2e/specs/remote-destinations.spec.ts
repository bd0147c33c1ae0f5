// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- s3rver ships no types; the declaration lives in test-support
/// <reference path="../../test-support/s3rver.d.ts" />
import { createHash } from 'node:crypto';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import S3rver from 's3rver';
import { expect, test } from '../harness.js';
import { handler, rows } from '../fixtures.js';

let server: S3rver | undefined;
let endpoint = '';
let dir = '';

test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-e2e-s3-'));
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: 'lifeboat-test' }] });
  endpoint = `http://127.0.0.1:${(await server.run()).port}`;
});
test.afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

test('a remote added in the profile editor is tested, saved with the profile, each backup is copied there, and History shows the off-site state', async ({ app }) => {
  const { page, services } = app;
  await handler(services, 'demo:create', {});
  await page.reload();
  await page.getByTestId('nav-profiles').click();
  await page.getByTestId('profile-demo').getByRole('button', { name: 'Edit' }).click();
  await page.getByTestId('add-remote').click();
  await page.getByTestId('remote-url-0').fill('s3://lifeboat-test/e2e');
  await page.getByLabel('Endpoint (non-AWS)').fill(endpoint);
  await page.getByLabel('Access key id').fill('S3RVER');
  await page.getByLabel('Secret key').fill('S3RVER');
  await page.getByLabel('Path-style').check();
  await page.getByTestId('remote-test-0').click();
  await expect(page.getByTestId('remote-0')).toContainText('Connected: 0 object(s)');
  await page.getByTestId('remote-0').scrollIntoViewIfNeeded();
  for (const theme of ['light', 'dark'] as const) {
    // The theme follows settings:changed live, so the open editor re-renders in it.
    await handler(services, 'settings:set', { theme });
    for (const [w, h] of [
      [1280, 800],
      [1024, 640],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.getByTestId('remote-0').scrollIntoViewIfNeeded();
      await app.shot(`40-profile-remote-${theme}-${w}x${h}`);
    }
  }
  await page.getByTestId('profile-save').click();
  await expect(page.getByTestId('profile-demo')).toBeVisible();

  await handler(services, 'backup:start', { profile: 'demo', description: 'off-site' });
  await services.jobs.idle();
  const copies = (await handler(services, 'remote:list-copies', {})) as { state: string; remoteId: string }[];
  expect(copies).toMatchObject([{ remoteId: 's3://lifeboat-test/e2e', state: 'VERIFIED' }]);

  // History shows where the copy lives.
  await page.getByTestId('nav-history').click();
  await expect(page.getByTestId('offsite-cell').first()).toHaveText('1 verified');
  for (const theme of ['light', 'dark'] as const) {
    await handler(services, 'settings:set', { theme });
    for (const [w, h] of [
      [1280, 800],
      [1024, 640],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await app.shot(`41-history-offsite-${theme}-${w}x${h}`);
    }
  }
});

test('the local archive deleted: History row → Restore offers the verified off-site copy, downloads and checks it, and the restore puts the files back', async ({ app }) => {
  const { page, services, home } = app;
  await handler(services, 'demo:create', {});
  await page.reload();
  // Configure the remote in the profile editor.
  await page.getByTestId('nav-profiles').click();
  await page.getByTestId('profile-demo').getByRole('button', { name: 'Edit' }).click();
  await page.getByTestId('add-remote').click();
  await page.getByTestId('remote-url-0').fill('s3://lifeboat-test/e2e-restore');
  await page.getByLabel('Endpoint (non-AWS)').fill(endpoint);
  await page.getByLabel('Access key id').fill('S3RVER');
  await page.getByLabel('Secret key').fill('S3RVER');
  await page.getByLabel('Path-style').check();
  // Saved without a Test: Save stores the typed keys in the keychain too (the first test covers Test).
  await page.getByTestId('profile-save').click();
  await expect(page.getByTestId('profile-demo')).toBeVisible();

  await handler(services, 'backup:start', { profile: 'demo', description: 'kept off-site' });
  await services.jobs.idle();
  const record = ((await handler(services, 'history:query', {})) as { rows: { path: string; description: string | null }[] }).rows.find((r) => r.description === 'kept off-site');
  expect(record).toBeTruthy();
  await page.getByTestId('nav-history').click();
  await expect(page.getByTestId('offsite-cell').first()).toHaveText('1 verified');

  // Damage the data, and lose the local archive (the disk it was on died).
  const db = join(home, 'demo', 'app.db');
  const csv = join(home, 'demo', 'files', 'acme', 'studies', 'study-1', 'source_data', '20240823_143022', 'measurements.csv');
  const original = await readFile(csv, 'utf8');
  await rm(csv);
  const w = new Database(db);
  w.prepare('DELETE FROM orders WHERE id > 10').run();
  w.close();
  await rm(record?.path ?? '');

  await page.getByRole('row').filter({ hasText: 'kept off-site' }).getByTestId('row-restore').click();
  const wizard = page.getByRole('dialog', { name: /Restore/ });
  await expect(wizard.getByTestId('restore-plan-error')).toContainText(`The archive ${record?.path ?? ''} does not exist: it was deleted or moved.`);
  await expect(wizard.getByTestId('restore-plan-error')).not.toContainText('ENOENT');
  await expect(wizard.getByTestId('remote-offer')).toContainText('The local archive is missing');
  await expect(wizard.getByTestId('remote-offer')).toContainText('s3://lifeboat-test/e2e-restore');
  await expect(wizard.getByTestId('restore-next')).toBeDisabled();
  for (const theme of ['light', 'dark'] as const) {
    await handler(services, 'settings:set', { theme });
    for (const [w, h] of [
      [1280, 800],
      [1024, 640],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await app.shot(`42-restore-remote-offer-${theme}-${w}x${h}`);
    }
  }
  await handler(services, 'settings:set', { theme: 'light' });
  await page.setViewportSize({ width: 1280, height: 800 });
  await wizard.getByTestId('remote-offer-download').click();
  // Main downloaded it, checked its SHA-256 against the catalog and put it back where the catalog says.
  await expect(wizard.getByTestId('restore-verify')).toContainText('Checksum matches the catalog', { timeout: 30_000 });
  await expect(wizard.getByTestId('remote-offer')).toHaveCount(0);
  await access(record?.path ?? '');
  await app.shot('43-restore-remote-fetched');
  await wizard.getByTestId('restore-next').click();
  await wizard.getByTestId('restore-next').click();
  await expect(wizard.getByTestId('preflight-ok')).toBeVisible();
  await wizard.getByTestId('restore-next').click();
  await wizard.getByTestId('restore-confirm').fill((await wizard.getByTestId('restore-confirm-phrase').textContent()) ?? '');
  await wizard.getByTestId('restore-start').click();
  await expect(wizard.getByTestId('restore-result')).toContainText('Restored', { timeout: 30_000 });
  expect(await readFile(csv, 'utf8')).toBe(original);
  expect(rows(db, 'orders')).toBe(1000);
  const fetched = ((await handler(services, 'audit:query', { action: 'remote.fetch' })) as { rows: { action: string; outcome: string }[] }).rows;
  expect(fetched.filter((e) => e.action === 'remote.fetch').map((e) => e.outcome)).toEqual(['success']);
});


test('a damaged local archive: the wizard says so, offers the verified off-site copy, and the download replaces the damaged file only after its checksum matches', async ({ app }) => {
  const { page, services } = app;
  await handler(services, 'demo:create', {});
  const remote = { url: 's3://lifeboat-test/e2e-damaged', s3Endpoint: endpoint, s3Region: 'us-east-1', s3PathStyle: true };
  await handler(services, 'remote:set-secrets', { url: remote.url, s3Endpoint: endpoint, s3AccessKeyId: 'S3RVER', s3SecretAccessKey: 'S3RVER' });
  const demo = ((await handler(services, 'profile:list', {})) as { name: string; spec: Record<string, unknown> }[]).find((p) => p.name === 'demo');
  await handler(services, 'profile:save', { name: 'demo', spec: { ...demo?.spec, remotes: [remote] }, replace: true });
  await handler(services, 'backup:start', { profile: 'demo', description: 'damaged later' });
  await services.jobs.idle();
  const record = ((await handler(services, 'history:query', {})) as { rows: { path: string; description: string | null; sha256: string }[] }).rows.find((r) => r.description === 'damaged later');
  const bytes = await readFile(record?.path ?? '');
  bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
  await writeFile(record?.path ?? '', bytes);

  await page.reload();
  await page.getByTestId('nav-history').click();
  await page.getByRole('row').filter({ hasText: 'damaged later' }).getByTestId('row-restore').click();
  const wizard = page.getByRole('dialog', { name: /Restore/ });
  await expect(wizard.getByTestId('remote-offer')).toContainText('The local archive is damaged');
  await expect(wizard.getByTestId('restore-next')).toBeDisabled();
  await wizard.getByTestId('remote-offer-download').click();
  await expect(wizard.getByTestId('restore-verify')).toContainText('Checksum matches the catalog', { timeout: 30_000 });
  await expect(wizard.getByTestId('restore-next')).toBeEnabled();
  expect(createHash('sha256').update(await readFile(record?.path ?? '')).digest('hex')).toBe(record?.sha256);
});

test('half-typed S3 keys: Save says which remote and which key is missing, and the profile is not saved', async ({ app }) => {
  const { page, services } = app;
  await handler(services, 'demo:create', {});
  await page.reload();
  await page.getByTestId('nav-profiles').click();
  await page.getByTestId('profile-demo').getByRole('button', { name: 'Edit' }).click();
  await page.getByTestId('add-remote').click();
  await page.getByTestId('remote-url-0').fill('s3://lifeboat-test/half');
  await page.getByLabel('Endpoint (non-AWS)').fill(endpoint);
  await page.getByLabel('Access key id').fill('S3RVER');
  await page.getByTestId('profile-save').click();
  await expect(page.getByRole('dialog')).toContainText('Off-site copy 1 (s3://lifeboat-test/half): type both the access key id and the secret key');
  const demo = ((await handler(services, 'profile:list', {})) as { name: string; spec: { remotes: unknown[] } }[]).find((p) => p.name === 'demo');
  expect(demo?.spec.remotes).toEqual([]);
});
