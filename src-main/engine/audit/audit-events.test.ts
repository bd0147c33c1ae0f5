import { describe, expect, it } from 'vitest';
import { AUDIT_EVENT_NAMES, auditEventLabel, type AuditEventName } from '../../../src-shared/domain/audit-events.js';
import type { AuditEventView } from '../../../src-shared/ipc/contract.js';
import type { Result } from '../../../src-shared/ipc/result.js';
import { testEngine } from '../../../test-support/engine.js';
import { makeServices } from '../../../test-support/services.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { dispatch } from '../../ipc/dispatch.js';
import { Catalog } from '../catalog/catalog.js';

const APP = 'file:///opt/Lifeboat/resources/app.asar/out/renderer/index.html';

/** The demo profile (a SQLite database and a folder), backed up once and restored once, through the real handlers. */
async function restoredDemo() {
  const { engine } = await testEngine();
  const s = makeServices(engine);
  const send = async <T>(channel: string, payload: unknown): Promise<T> => {
    const r = (await dispatch(s, [APP], channel, payload, { url: APP, isMainFrame: true })) as Result<T>;
    if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
    return r.value;
  };
  await send('demo:create', {});
  await send('backup:start', { profile: 'demo' });
  await s.jobs.idle();
  const backup = engine.history({ limit: 1 }).rows[0];
  if (!backup) throw new Error('the demo backup did not run');
  const restore = await engine.restore(await engine.resolve(backup.id), {});
  return { engine, send, backup, restore };
}

describe('audit events: one closed list', () => {
  it('refuses to record a name outside the list, even through a cast', async () => {
    const c = Catalog.open(await tempDir());
    try {
      expect(() => c.audit.append({ actor: 'a', action: 'restore.postgres-restored' as AuditEventName, target: 't', outcome: 'info' })).toThrow(/not in the list of audit events/);
      expect(c.audit.query({}).total).toBe(0);
    } finally {
      c.close();
    }
  });

  it('a folder + SQLite restore records only listed names, none about PostgreSQL or MySQL, and its steps name the kinds it restored', async () => {
    const { engine, restore } = await restoredDemo();
    const events = engine.audit.query({ action: 'restore.' }).rows.filter((e) => e.target === restore.id);
    expect(events.map((e) => e.action).reverse()).toEqual(['restore.start', 'restore.verified', 'restore.safety-backup', 'restore.swapped', 'restore.checked', 'restore.complete']);
    for (const e of engine.audit.query({ limit: 1000 }).rows) {
      expect(AUDIT_EVENT_NAMES).toContain(e.action);
      expect(e.action).not.toMatch(/postgres|mysql/);
    }
    for (const e of events.filter((x) => x.action !== 'restore.start' && x.action !== 'restore.complete')) expect(e.details.kinds).toEqual(['sqlite', 'folder']);
  });

  it('audit:query names targets as people do: the backup file and profile, the restored archive, the profile', async () => {
    const { engine, send, backup, restore } = await restoredDemo();
    const { rows } = await send<{ rows: AuditEventView[] }>('audit:query', { limit: 200 });
    const completed = rows.find((e) => e.action === 'backup.complete' && e.target === backup.id);
    expect(completed).toMatchObject({ label: 'Backup completed', targetLabel: `${backup.fileName} (profile demo)` });
    expect(rows.find((e) => e.action === 'restore.complete' && e.target === restore.id)?.targetLabel).toBe(`restore of ${backup.fileName} (profile demo)`);
    expect(rows.find((e) => e.action === 'profile.add')?.targetLabel).toBe('profile demo');
    // No row shows a bare UUID as its target.
    for (const e of rows) expect(e.targetLabel).not.toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);

    // A deleted backup keeps its name: the event recorded the file.
    await engine.delete(backup);
    const after = await send<{ rows: AuditEventView[] }>('audit:query', { limit: 200 });
    expect(after.rows.find((e) => e.action === 'backup.complete' && e.target === backup.id)?.targetLabel).toBe(backup.fileName);
  });

  it('labels older catalogs\' names by what they meant and shows unknown names as stored', () => {
    expect(auditEventLabel('import')).toBe('Archive imported');
    expect(auditEventLabel('restore.postgres-restored')).toMatch(/older name/);
    expect(auditEventLabel('something.new')).toBe('something.new');
  });
});
