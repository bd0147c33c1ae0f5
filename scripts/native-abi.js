#!/usr/bin/env node
// Make better-sqlite3's native addon match the runtime about to load it. One node_modules serves
// two runtimes with different ABIs: Node (the CLI, the tests) and Electron (the desktop app).
//
//   node scripts/native-abi.js node       before `npm test` / the CLI: rebuilt for this Node if needed
//   node scripts/native-abi.js electron   before `npm start`: rebuilt for the installed Electron if needed
//
// Each mode first tries to load the addon in the target runtime and rebuilds only when that fails,
// so it costs a fraction of a second when nothing needs doing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const probe = "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()";

/** Load the addon in `exe` (with extra env); returns null when it loads, else the error text. */
function loadError(exe, env = {}) {
  const r = spawnSync(exe, ['-e', probe], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
  return r.status === 0 ? null : `${r.stderr || r.stdout || `exit ${r.status}`}`.trim();
}

/** The Electron executable installed by the electron package, or null when its download was skipped. */
function electronBinary() {
  const pkg = join(root, 'node_modules', 'electron');
  const pathTxt = join(pkg, 'path.txt');
  if (!existsSync(pathTxt)) return null;
  const exe = join(pkg, 'dist', readFileSync(pathTxt, 'utf8').trim());
  return existsSync(exe) ? exe : null;
}

const mode = process.argv[2];
if (mode === 'node') {
  const before = loadError(process.execPath);
  if (before === null) process.exit(0);
  process.stderr.write(`better-sqlite3 does not load in Node ${process.version} (${before.split('\n')[0]}); rebuilding it for this Node…\n`);
  execFileSync('npm', ['rebuild', 'better-sqlite3'], { cwd: root, stdio: 'inherit' });
  const after = loadError(process.execPath);
  if (after !== null) {
    process.stderr.write(`better-sqlite3 still does not load after the rebuild: ${after}\n`);
    process.exit(1);
  }
} else if (mode === 'electron') {
  const exe = electronBinary();
  if (!exe) {
    process.stderr.write(
      'No Electron binary is installed (node_modules/electron/dist is missing). It is downloaded by electron\'s install\n' +
        'script, which package.json allows; it is skipped when ELECTRON_SKIP_BINARY_DOWNLOAD is set or the download fails.\n' +
        'Run `npm rebuild electron` on a machine that can reach the Electron download site, then `npm start` again.\n',
    );
    process.exit(1);
  }
  const asNode = { ELECTRON_RUN_AS_NODE: '1' };
  if (loadError(exe, asNode) === null) process.exit(0);
  const version = createRequire(import.meta.url)(join(root, 'node_modules', 'electron', 'package.json')).version;
  process.stderr.write(`Rebuilding better-sqlite3 for Electron ${version}…\n`);
  execFileSync(join(root, 'node_modules', '.bin', 'electron-rebuild'), ['-f', '-w', 'better-sqlite3', '-v', version], { cwd: root, stdio: 'inherit' });
  const after = loadError(exe, asNode);
  if (after !== null) {
    process.stderr.write(`better-sqlite3 still does not load in Electron ${version}: ${after}\n`);
    process.exit(1);
  }
} else {
  process.stderr.write('usage: node scripts/native-abi.js node|electron\n');
  process.exit(2);
}
