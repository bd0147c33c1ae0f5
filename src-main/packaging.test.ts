import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  allowScripts: Record<string, boolean>;
  scripts: Record<string, string>;
  engines: Record<string, string>;
};
const electronInstalled = existsSync(join(root, 'node_modules', 'electron', 'path.txt'));

describe('the app installs and starts on a desktop', () => {
  it('package.json lets npm 11 run the install scripts the app needs (Electron downloads its binary; better-sqlite3 builds)', () => {
    // npm 11 runs dependency install scripts only where allowScripts allows them.
    expect(pkg.allowScripts.electron).toBe(true);
    expect(pkg.allowScripts['better-sqlite3']).toBe(true);
  });

  it('start rebuilds the native addon for Electron when needed, test rebuilds it for Node when needed', () => {
    expect(pkg.scripts.start).toMatch(/^node scripts\/native-abi\.js electron && /);
    expect(pkg.scripts.test).toMatch(/^node scripts\/native-abi\.js node && /);
  });

  it('the supported Node and npm versions are stated in package.json and the README', () => {
    expect(pkg.engines.node).toBe('>=20.19');
    expect(pkg.engines.npm).toBe('>=11');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toMatch(/Node ≥ 20\.19 and npm ≥ 11/);
  });

  it('native-abi node: better-sqlite3 loads in this Node (rebuilding only if it does not)', () => {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'native-abi.js'), 'node'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  it.skipIf(electronInstalled)(`native-abi electron without an Electron binary says so and how to get one${electronInstalled ? ' (skipped: an Electron binary is installed here)' : ''}`, () => {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'native-abi.js'), 'electron'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/No Electron binary is installed[\s\S]*npm rebuild electron/);
  });
});
