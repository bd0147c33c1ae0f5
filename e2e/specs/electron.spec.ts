import { _electron as electron } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The Electron binary npm would have downloaded, if it is there (it cannot be fetched on CI here). */
function electronBinary(): string | null {
  const pathFile = join(root, 'node_modules', 'electron', 'path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = join(root, 'node_modules', 'electron', 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

const binary = electronBinary();

test('the packaged window opens with window.lifeboat and the dashboard (through _electron)', async () => {
  test.skip(binary === null, 'No Electron binary on this machine (its download host is unreachable here); the Chromium specs cover the same paths.');
  const app = await electron.launch({ executablePath: binary ?? '', args: [root], env: { ...process.env, LIFEBOAT_TRAY: '0' } });
  const page = await app.firstWindow();
  await expect(page.getByText('Lifeboat').first()).toBeVisible();
  expect(await page.evaluate(() => typeof (window as unknown as { lifeboat?: unknown }).lifeboat)).toBe('object');
  expect(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
  await app.close();
});
