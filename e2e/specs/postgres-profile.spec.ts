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
  await page.getByTestId('new-profile').click();
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
