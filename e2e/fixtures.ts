import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Services } from '../src-main/ipc/services.js';
import { dispatch } from '../src-main/ipc/dispatch.js';

/** Call a handler the way the renderer does, for set-up steps that are not under test. */
export async function handler(services: Services, channel: string, payload: unknown): Promise<unknown> {
  const r = await dispatch(services, ['http://setup'], channel, payload, { url: 'http://setup/', isMainFrame: true });
  if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
  return r.value;
}

/** Rows in a SQLite table, read from disk. */
export function rows(path: string, table: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** A folder of incompressible files, big enough that a backup of it can be cancelled mid-way. */
export async function bigFolder(dir: string, mb: number): Promise<void> {
  for (let i = 0; i < mb / 4; i += 1) {
    const f = join(dir, `chunk-${i}.bin`);
    await mkdir(dirname(f), { recursive: true });
    await writeFile(f, randomBytes(4 * 1024 * 1024));
  }
}
