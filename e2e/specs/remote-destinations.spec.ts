// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- s3rver ships no types; the declaration lives in test-support
/// <reference path="../../test-support/s3rver.d.ts" />
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { expect, test } from '../harness.js';
import { handler } from '../fixtures.js';

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
