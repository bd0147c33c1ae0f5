import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** Lifeboat's version from its package.json (found by walking up from this module, source or build). */
export function appVersion(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i += 1) {
    try {
      // Read once at start-up, before any job runs; a sync read keeps appVersion() synchronous.
      // eslint-disable-next-line no-restricted-syntax
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'lifeboat' && pkg.version) return (cached = pkg.version);
    } catch {
      // not here; keep walking up
    }
    dir = dirname(dir);
  }
  return (cached = '0.0.0');
}
