import { randomUUID } from 'node:crypto';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Services } from '../src-main/ipc/services.js';
import { handler } from './fixtures.js';

/**
 * The demo profile with one real backup, then `count` more catalog rows copied from it (every
 * seventh one FAILED with a reason), an hour apart going back, and a real failed run as the newest: the "200+ rows" state of the issue,
 * without running 200 backups. Only the first row's archive exists on disk.
 */
export async function demoWithManyRows(services: Services, count = 220): Promise<{ realId: string }> {
  await handler(services, 'demo:create', {});
  await handler(services, 'backup:start', { profile: 'demo', description: 'demo seed' });
  await services.jobs.idle();
  const repo = services.engine.env.catalog.backups;
  const real = services.engine.history({ limit: 1 }).rows[0];
  if (!real?.summary || real.size === null || !real.sha256) throw new Error('the seed backup did not complete');
  const start = new Date(real.createdAt).getTime();
  for (let i = 1; i <= count; i += 1) {
    const id = randomUUID();
    const createdAt = new Date(start - i * 3_600_000).toISOString();
    const base = { id, fileName: `lifeboat-demo-${i}.zip`, path: `${real.path}.${i}`, format: real.format, type: real.type, trigger: i % 3 ? ('SCHEDULED' as const) : ('MANUAL' as const), description: `synthetic ${i}`, createdBy: real.createdBy, host: real.host, pid: 1, createdAt, profile: 'demo', searchText: `synthetic ${i}` };
    if (i % 7 === 0) {
      repo.insertRunning(base);
      repo.markFailed(id, { code: 'SOURCE_UNREADABLE', message: `Cannot read /srv/demo/app.db (run ${i}): permission denied. Give the Lifeboat user read access, then back up again.` }, createdAt, 1200);
    } else {
      repo.insertCompleted({ ...base, size: real.size + i * 1024, sha256: real.sha256, finishedAt: createdAt, summary: real.summary, warnings: [], verifiedAt: i % 2 ? createdAt : null });
    }
  }
  // The newest run fails for real (its database is away), so the banner and FAILED chips show.
  const db = join(services.engine.env.home, 'demo', 'app.db');
  await rename(db, `${db}.away`);
  await handler(services, 'backup:start', { profile: 'demo', description: 'failed run' });
  await services.jobs.idle();
  await rename(`${db}.away`, db);
  return { realId: real.id };
}
