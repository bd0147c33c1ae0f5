import { expect, test } from '../harness.js';
import { mariadbUnavailableReason, startMariaDb, type MariaDbServer } from '../../test-support/mariadb-server.js';

const reason = mariadbUnavailableReason();
let maria: MariaDbServer | undefined;

test.beforeAll(async () => {
  if (reason) return;
  maria = await startMariaDb();
  maria.sql(null, 'CREATE DATABASE shop; CREATE TABLE shop.items (id INT PRIMARY KEY); INSERT INTO shop.items VALUES (1), (2);');
});
test.afterAll(async () => maria?.stop());

/** The four sizes and schemes a changed screen is looked at in. */
async function fourShots(app: { page: import('@playwright/test').Page; shot: (n: string) => Promise<void> }, name: string, focus: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await app.page.emulateMedia({ colorScheme: scheme });
    for (const [w, h] of [[1280, 800], [1024, 640]] as const) {
      await app.page.setViewportSize({ width: w, height: h });
      // What the shot is about stays on screen when the dialog scrolls in the smaller window.
      await app.page.getByTestId(focus).scrollIntoViewIfNeeded();
      await app.shot(`${name}-${w}x${h}-${scheme}`);
    }
  }
  await app.page.emulateMedia({ colorScheme: 'light' });
  await app.page.setViewportSize({ width: 1280, height: 800 });
}

test('a MariaDB source in the profile editor: Test connection names the error, then connects; its password is kept bound, never in the profile', async ({ app }) => {
  test.skip(reason !== null, `MariaDB is not available: ${reason}`);
  const { page, services } = app;
  // "Create a profile" opens the editor itself (issue 12, item 10).
  await page.getByRole('button', { name: 'Create a profile' }).click();
  await page.getByTestId('profile-name').fill('shop');
  await page.getByTestId('add-mysql').click();
  await page.getByTestId('source-0-host').fill('127.0.0.1');
  await page.getByTestId('source-0-port').fill(String(maria?.port));
  await page.getByTestId('source-0-database').fill('shop');
  await page.getByTestId('source-0-user').fill(maria?.user ?? '');
  await page.getByTestId('source-0-password').fill('not-the-password');
  await page.getByTestId('source-0-test').click();
  await expect(page.getByTestId('source-0-test-result')).toContainText('MYSQL_AUTH_FAILED');
  await fourShots(app, '30-mariadb-wrong-password', 'source-0-test-result');

  await page.getByTestId('source-0-password').fill(maria?.password ?? '');
  await page.getByTestId('source-0-test').click();
  await expect(page.getByTestId('source-0-test-result')).toContainText('Connected to "shop" on MariaDB/MySQL 10.');
  await fourShots(app, '31-mariadb-connected', 'source-0-test-result');

  // The socket form reaches the same server (root over the socket: no password needed by MariaDB's unix_socket auth).
  await page.getByTestId('source-0-via-socket').click();
  await page.getByTestId('source-0-socket').fill(maria?.socket ?? '');
  await page.getByTestId('source-0-user').fill('root');
  await page.getByTestId('source-0-password').fill('');
  await page.getByTestId('source-0-test').click();
  await expect(page.getByTestId('source-0-test-result')).toContainText('Connected to "shop"');
  await page.getByTestId('source-0-via-tcp').click();
  await page.getByTestId('source-0-user').fill(maria?.user ?? '');
  await page.getByTestId('source-0-password').fill(maria?.password ?? '');

  // A whole-server PostgreSQL source with pgAdmin-style options beside it.
  await page.getByTestId('add-postgres').click();
  await page.getByTestId('source-1-scope-server').click();
  await page.getByTestId('source-1-user').fill('postgres');
  await page.getByTestId('source-1-databases').fill('app, crm');
  await page.getByTestId('source-1-dump-options').check();
  await page.getByTestId('source-1-excludeTableData').fill('audit_log');
  await page.getByTestId('source-1-excludeSchemas').fill('-n');
  await expect(page.getByText('A pattern may not start with "-": -n')).toBeVisible();
  await fourShots(app, '32-postgres-server-options', 'source-1-excludeTableData');
  await page.getByTestId('source-1-excludeSchemas').fill('staging');

  await page.getByTestId('profile-save').click();
  await expect(page.getByTestId('profile-shop')).toBeVisible();
  const saved = services.engine.profiles.find('shop');
  expect(saved?.spec.sources[0]).toEqual({ kind: 'mysql', url: `mysql://${maria?.user}@127.0.0.1:${maria?.port}/shop` });
  expect(saved?.spec.sources[1]).toMatchObject({ kind: 'postgres', databases: ['app', 'crm'], dump: { excludeSchemas: ['staging'], excludeTableData: ['audit_log'] } });
  const secrets = await page.evaluate(() => (window as unknown as { lifeboat: { invoke: (c: string, p: unknown) => Promise<{ value: { profilePasswords: Record<string, number[]> } }> } }).lifeboat.invoke('settings:get-secret-state', {}));
  expect(secrets.value.profilePasswords.shop).toEqual([0]);
});
