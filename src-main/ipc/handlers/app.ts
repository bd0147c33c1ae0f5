import Database from 'better-sqlite3';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { profileSpecSchema } from '../../../src-shared/domain/profile.js';
import type { DashboardStats } from '../../../src-shared/ipc/contract.js';
import { nextScheduledRun } from '../../engine/schedule/slots.js';
import type { HandlerGroup } from '../handler.js';
import { missedBackupAlerts } from '../schedules.js';
import { dashboardHealth } from './dashboard-health.js';
import type { Services } from '../services.js';

function retentionText(s: Services): string {
  const name = s.settings.get().defaultProfile ?? s.engine.profiles.list()[0]?.name;
  const p = name ? s.engine.profiles.find(name) : undefined;
  if (!p) return 'No profile yet';
  const r = p.spec.retention;
  const parts = [
    r.keepLast && `last ${r.keepLast} verified`,
    r.keepDays && `${r.keepDays} days`,
    r.keepDaily && `${r.keepDaily} daily`,
    r.keepWeekly && `${r.keepWeekly} weekly`,
    r.keepMonthly && `${r.keepMonthly} monthly`,
  ].filter(Boolean);
  return `${p.name}: ${parts.length ? parts.join(', ') : 'keep everything'}`;
}

/** Create a small demo dataset in the app's data folder: a live WAL-mode database and a folder tree. */
async function createDemo(s: Services): Promise<string> {
  const root = join(s.engine.env.home, 'demo');
  const files = join(root, 'files');
  for (const org of ['acme', 'globex']) {
    const dir = join(files, org, 'studies', 'study-1', 'source_data', '20240823_143022');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'measurements.csv'), `id,value\n${Array.from({ length: 500 }, (_, i) => `${i},${(i * 0.37).toFixed(2)}`).join('\n')}\n`);
    await writeFile(join(dir, 'measurements_metadata.json'), JSON.stringify({ org, rows: 500 }));
  }
  const db = new Database(join(root, 'app.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, email TEXT); CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, user_id INTEGER, total REAL)');
    if ((db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n === 0) {
      const u = db.prepare('INSERT INTO users (email) VALUES (?)');
      const o = db.prepare('INSERT INTO orders (user_id, total) VALUES (?, ?)');
      db.transaction(() => {
        for (let i = 1; i <= 50; i += 1) u.run(`user${i}@example.com`);
        for (let i = 1; i <= 1000; i += 1) o.run(1 + (i % 50), Math.round(i * 13.7) / 100);
      })();
    }
  } finally {
    db.close();
  }
  if (!s.engine.profiles.find('demo')) {
    s.engine.profiles.add(
      'demo',
      profileSpecSchema.parse({ sources: [{ kind: 'sqlite', name: 'app', path: join(root, 'app.db') }, { kind: 'folder', name: 'files', path: files }], retention: { keepLast: 7 } }),
      s.engine.env.now().toISOString(),
    );
    s.engine.audit.append({ actor: s.engine.env.actor, action: 'profile.add', target: 'demo', outcome: 'success', details: { demo: true } });
  }
  if (!s.settings.get().defaultProfile) s.settings.set({ defaultProfile: 'demo' });
  s.emit('catalog:changed', { reason: 'demo created' });
  return 'demo';
}

/** app:*, stats:* and demo:* handlers. */
export const appHandlers: HandlerGroup<'app:get-info' | 'stats:get' | 'demo:create'> = {
  'app:get-info': async (s) => ({
    version: s.engine.env.appVersion,
    home: s.engine.env.home,
    platform: process.platform,
    hasTray: s.desktop.hasTray,
    firstRun: s.engine.profiles.list().length === 0 && s.engine.history({ limit: 1 }).total === 0,
  }),

  'stats:get': async (s): Promise<DashboardStats> => {
    const st = s.engine.env.catalog.backups.stats();
    const next = nextScheduledRun(s.engine.profiles.list(), s.engine.env.now());
    return {
      totalBackups: st.completed,
      latest: st.latest ?? null,
      totalBytes: st.bytes,
      lastVerified: st.lastVerified ?? null,
      retention: retentionText(s),
      nextRun: next ? { at: next.at.toISOString(), profile: next.profile } : null,
      alerts: missedBackupAlerts(s),
      recent: st.recent.map((r) => ({ createdAt: r.createdAt, size: r.size ?? 0, durationMs: r.durationMs ?? 0, status: r.status })),
      profiles: s.engine.profiles.list().length,
      ...(await dashboardHealth(s)),
      rowsByStatus: s.engine.env.catalog.backups.countByStatus(),
    };
  },

  'demo:create': async (s) => ({ profile: await createDemo(s) }),
};
