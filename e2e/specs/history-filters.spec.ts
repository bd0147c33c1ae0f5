import { join } from 'node:path';
import { writeFile, mkdir } from 'node:fs/promises';
import { expect, test } from '../harness.js';

test('history filters narrow the rows (filtered in the catalog)', async ({ app }) => {
  const { page, services, scratch } = app;
  const engine = services.engine;
  await mkdir(join(scratch, 'docs'));
  await writeFile(join(scratch, 'docs', 'a.txt'), 'alpha');
  const base = { type: 'full' as const, format: 'zip' as const, destination: join(app.home, 'backups'), trigger: 'MANUAL' as const, profile: null, options: { allowEmpty: false, skipUnreadable: false } };
  const folder = { kind: 'folder' as const, path: join(scratch, 'docs'), include: [], exclude: [], gitignore: false };
  await engine.backup({ ...base, sources: [folder], description: 'nightly docs' });
  await engine.backup({ ...base, sources: [folder], description: 'before upgrade', format: 'tar.gz' });
  await engine.backup({ ...base, sources: [folder], description: 'weekly docs' });
  await expect(engine.backup({ ...base, sources: [{ ...folder, path: join(scratch, 'unmounted') }], description: 'broken disk' })).rejects.toThrow();

  await page.reload();
  await page.getByTestId('nav-history').click();
  const dataRows = page.locator('.MuiDataGrid-row');
  await expect(dataRows).toHaveCount(4);
  // Free text searches descriptions, file names, profiles and source names.
  await page.getByTestId('filter-search').fill('weekly');
  await expect(dataRows).toHaveCount(1);
  await expect(dataRows.first()).toContainText('weekly docs');
  await page.getByTestId('filter-search').fill('');
  await expect(dataRows).toHaveCount(4);
  await page.getByRole('combobox', { name: 'Status' }).click();
  await page.getByRole('option', { name: 'FAILED' }).click();
  await expect(dataRows).toHaveCount(1);
  // A failed row shows why it failed (its description is in the tooltip and Details).
  await expect(dataRows.first()).toContainText('unmounted does not exist');
  await app.shot('07-history-filtered');
});
