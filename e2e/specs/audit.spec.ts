import Database from 'better-sqlite3';
import { join } from 'node:path';
import { expect, test } from '../harness.js';
import { handler } from '../fixtures.js';

test('the audit screen lists events, and "Verify integrity" names a row edited in the SQLite file', async ({ app }) => {
  const { page, services, home } = app;
  await handler(services, 'demo:create', {});
  await handler(services, 'backup:start', { profile: 'demo', description: 'audited' });
  await services.jobs.idle();
  await page.reload();
  await page.getByRole('button', { name: 'Audit trail' }).click();
  await expect(page.locator('.MuiDataGrid-row').filter({ hasText: 'backup.complete' })).toHaveCount(1);
  // Readable: the event's name, the backup's file and profile (not its id), the full time with its zone.
  const completed = page.locator('.MuiDataGrid-row').filter({ hasText: 'backup.complete' });
  await expect(completed).toContainText('Backup completed');
  await expect(completed).toContainText(/lifeboat-demo-.*\.zip \(profile demo\)/);
  await expect(completed).toContainText(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \S+/);
  await completed.click();
  await expect(page.getByRole('heading', { name: 'Backup completed' })).toBeFocused();
  await expect(page.getByTestId('audit-drawer')).toContainText('Sha256');
  await app.shot('21-audit-drawer');
  await page.getByTestId('audit-drawer-close').click();
  await page.getByTestId('audit-verify').click();
  await expect(page.getByTestId('audit-verify-result')).toContainText('Intact');
  await app.shot('21-audit');

  // Someone edits the trail around Lifeboat: directly in the catalog file.
  const db = new Database(join(home, 'catalog.sqlite'));
  const target = db.prepare(`SELECT id FROM audit_events WHERE action = 'backup.complete'`).get() as { id: number };
  db.exec('DROP TRIGGER audit_events_no_update');
  db.prepare(`UPDATE audit_events SET actor = 'mallory' WHERE id = ?`).run(target.id);
  db.close();
  await page.getByTestId('audit-verify').click();
  await expect(page.getByTestId('audit-verify-result')).toContainText(`Tampered: event #${target.id}`);
  await expect(page.getByTestId('audit-verify-result')).toContainText('edited');
  await app.shot('22-audit-tampered');

  await page.getByTestId('nav-settings').click();
  await expect(page.getByText('Email notifications')).toBeVisible();
  await app.shot('23-settings');
});
