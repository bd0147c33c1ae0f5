import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import type { SourceSpec } from '../src-shared/domain/profile.js';
import { LifeboatEngine } from '../src-main/engine/lifeboat-engine.js';
import type { BackupRequest } from '../src-main/engine/jobs/backup-job.js';
import { tempDir } from './temp-dir.js';

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
