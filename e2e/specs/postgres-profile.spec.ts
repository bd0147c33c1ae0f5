import { expect, test } from '../harness.js';
import { pgUnavailableReason, startPgCluster, type PgCluster } from '../../test-support/pg-cluster.js';

const reason = pgUnavailableReason();
let pg: PgCluster | undefined;

test.beforeAll(async () => {
  if (reason) return;
  pg = await startPgCluster();
  pg.psql('postgres', 'CREATE DATABASE crm');
  pg.psql('crm', 'CREATE TABLE t (id int); INSERT INTO t VALUES (1)');
});
test.afterAll(() => pg?.stop());

test('a profile with a wrong PostgreSQL password shows the specific error', async ({ app }) => {
  test.skip(reason !== null, `PostgreSQL is not available: ${reason}`);
  const { page } = app;
  await page.getByRole('button', { name: 'Create a profile' }).click();
  await page.getByTestId('profile-name').fill('crm');
  await page.getByTestId('add-postgres').click();
  await page.getByTestId('source-0-host').fill('127.0.0.1');
  await page.getByTestId('source-0-port').fill(String(pg?.port));
  await page.getByTestId('source-0-database').fill('crm');
  await page.getByTestId('source-0-user').fill(pg?.user ?? '');
  await page.getByTestId('source-0-password').fill('not-the-password');
  await page.getByTestId('source-0-test').click();
  await expect(page.getByTestId('source-0-test-result')).toContainText('rejected user "testadmin" (authentication failed)');
  await expect(page.getByTestId('source-0-test-result')).toContainText('PG_AUTH_FAILED');
  await app.shot('15-profile-wrong-password');

  await page.getByTestId('source-0-password').fill(pg?.password ?? '');
  await page.getByTestId('source-0-test').click();
  await expect(page.getByTestId('source-0-test-result')).toContainText('Connected to "crm" on PostgreSQL 15');
  await page.getByTestId('source-0-password').fill('still-wrong');
  await page.getByTestId('profile-save').click();
  await expect(page.getByTestId('profile-crm')).toBeVisible();
  await page.getByTestId('profile-crm').getByRole('button', { name: 'Back up' }).click();
  await page.getByTestId('backup-start').click();
  await expect(page.getByTestId('backup-result')).toContainText('PG_AUTH_FAILED');
  await app.shot('16-backup-auth-failed');
});

test('the restore wizard offers the PostgreSQL restore choices: "into a new database only" refuses an existing one in the pre-flight', async ({ app }) => {
  test.skip(reason !== null, `PostgreSQL is not available: ${reason}`);
  const { page, services, scratch } = app;
  const cluster = pg as PgCluster;
  await services.engine.backup({ sources: [{ kind: 'postgres', name: 'crm', url: cluster.url('crm') }], type: 'full', format: 'zip', destination: scratch, description: 'crm for options', trigger: 'MANUAL', profile: null, options: { allowEmpty: false, skipUnreadable: false } });
  await page.reload();
  await page.getByTestId('nav-history').click();
  await page.getByRole('row').filter({ hasText: 'crm for options' }).getByTestId('row-actions').click();
  await page.getByTestId('action-restore').click();
  const wizard = page.getByRole('dialog', { name: /Restore/ });
  await wizard.getByTestId('restore-next').click();
  await expect(wizard.getByTestId('restore-database-options')).toBeVisible();
  await wizard.getByLabel(/Restore PostgreSQL into/).fill(cluster.url('crm'));
  await wizard.getByTestId('restore-pg-new').click();
  await wizard.getByTestId('restore-pg-no-owner').check();
  await wizard.getByTestId('restore-pg-section-post-data').uncheck();
  await wizard.getByTestId('restore-pg-jobs').fill('2');
  for (const [w, h] of [[1280, 800], [1024, 640]] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width: w, height: h });
      await wizard.getByTestId('restore-pg-jobs').scrollIntoViewIfNeeded();
      await app.shot(`33-restore-database-options-${w}x${h}-${scheme}`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await wizard.getByTestId('restore-next').click();
  await expect(wizard.getByTestId('preflight-problems')).toContainText('new database only');
  await wizard.getByRole('button', { name: 'Back' }).click();
  await wizard.getByLabel(/Restore PostgreSQL into/).fill(cluster.url('crm_new'));
  await wizard.getByTestId('restore-next').click();
  await expect(wizard.getByTestId('preflight-ok')).toBeVisible();
});
