#!/usr/bin/env node
// The `lifeboat` command. The TypeScript sources are compiled by `npm run build` into out/node.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../out/node/src-main/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('lifeboat: the CLI is not built yet. Run `npm ci && npm run build` in the Lifeboat folder first.\n');
  process.exit(1);
}
const { runCli } = await import(entry.href);
process.exitCode = await runCli(process.argv.slice(2));
