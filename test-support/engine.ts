import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import type { SourceSpec } from '../src-shared/domain/profile.js';
import { LifeboatEngine } from '../src-main/engine/lifeboat-engine.js';
import type { BackupRequest } from '../src-main/engine/jobs/backup-job.js';
import { tempDir } from './temp-dir.js';
import { writeTree } from './tree.js';

/** An engine on a fresh temporary home, closed when the test finishes. */
export async function testEngine(): Promise<{ engine: LifeboatEngine; home: string; out: string }> {
  const home = await tempDir('lifeboat-home-');
  const engine = await LifeboatEngine.open({ home });
  onTestFinished(() => engine.close());
  return { engine, home, out: join(home, 'backups') };
}

/** A manual full ZIP backup request of `sources` into `out`. */
export function request(out: string, sources: SourceSpec[], extra: Partial<BackupRequest> = {}): BackupRequest {
  return {
    sources,
    type: 'full',
    format: 'zip',
    destination: out,
    description: 'test',
    trigger: 'MANUAL',
    profile: null,
    options: { allowEmpty: false, skipUnreadable: false },
    ...extra,
  };
}

/** A folder source with no rules. */
export function folder(path: string, extra: Partial<Extract<SourceSpec, { kind: 'folder' }>> = {}): SourceSpec {
  return { kind: 'folder', path, include: [], exclude: [], gitignore: false, ...extra };
}

/**
 * An engine holding one stored (level 0) backup of a folder `data` with `blob.bin` of `bytes` random
 * bytes (and any `extra` files): the archive is about `bytes` long, for upload and download tests.
 */
export async function storedBackup(bytes: number, extra: Record<string, string> = {}) {
  const t = await testEngine();
  const src = await tempDir();
  await writeTree(src, { 'blob.bin': randomBytes(bytes), ...extra });
  const made = await t.engine.backup(request(t.out, [folder(src, { name: 'data' })], { compressionLevel: 0 }));
  return { ...t, src, record: t.engine.record(made.id) };
}
