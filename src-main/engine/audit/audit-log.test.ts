import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/temp-dir.js';
import { Catalog } from '../catalog/catalog.js';

async function withEvents(n: number, home?: string): Promise<Catalog> {
  const c = Catalog.open(home ?? (await tempDir()));
  for (let i = 1; i <= n; i += 1) c.audit.append({ actor: 'alice', action: 'backup.complete', target: `b${i}`, outcome: 'success', details: { sha256: `${i}`.repeat(4) } });
  return c;
}

describe('audit trail', () => {
  it('chains every event to the previous one and verifies intact', async () => {
    const c = await withEvents(5);
    const events = c.audit.list(10).reverse();
    expect(events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    for (let i = 1; i < events.length; i += 1) expect(events[i]?.prevHash).toBe(events[i - 1]?.hash);
    expect(c.audit.verify()).toEqual({ ok: true, checked: 5 });
    c.close();
  });

  it('is append-only inside SQLite: UPDATE and DELETE are refused', async () => {
    const c = await withEvents(2);
    expect(() => c.db.prepare(`UPDATE audit_events SET actor = 'mallory'`).run()).toThrow(/append-only/);
    expect(() => c.db.prepare('DELETE FROM audit_events WHERE id = 1').run()).toThrow(/append-only/);
    c.close();
  });

  it('detects a row edited around the triggers', async () => {
    const c = await withEvents(4);
    c.db.exec('DROP TRIGGER audit_events_no_update');
    c.db.prepare(`UPDATE audit_events SET actor = 'mallory' WHERE id = 3`).run();
    expect(c.audit.verify()).toEqual({ ok: false, checked: 2, problem: { id: 3, reason: 'row content does not match its hash (edited)' } });
    c.close();
  });

  it('detects a deleted row', async () => {
    const c = await withEvents(4);
    c.db.exec('DROP TRIGGER audit_events_no_delete');
    c.db.prepare('DELETE FROM audit_events WHERE id = 2').run();
    expect(c.audit.verify()).toMatchObject({ ok: false, problem: { id: 3, reason: 'row 2 is missing (deleted)' } });
    c.close();
  });

  it('proves its own end: deleting the newest rows (triggers dropped) fails verification, named by the head kept outside the table', async () => {
    const home = await tempDir();
    const c = await withEvents(6, home);
    c.db.exec('DROP TRIGGER audit_events_no_delete');
    c.db.prepare('DELETE FROM audit_events WHERE id > 4').run();
    expect(c.audit.verify()).toMatchObject({ ok: false, checked: 4, problem: { id: 6, reason: expect.stringContaining('rows 5–6 are missing') } });
    c.close();
  });

  it('a deleted or forged head file is detected', async () => {
    const home = await tempDir();
    const c = await withEvents(3, home);
    const { readFile, rm, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const headFile = join(home, 'audit-head.json');
    const head = JSON.parse(await readFile(headFile, 'utf8')) as { id: number; hash: string; mac: string };
    expect(head.id).toBe(3);
    // Forged: pointing at an older row without the key.
    await writeFile(headFile, JSON.stringify({ ...head, id: 2 }));
    expect(c.audit.verify()).toMatchObject({ ok: false, problem: { reason: expect.stringContaining('was altered') } });
    await rm(headFile);
    expect(c.audit.verify()).toMatchObject({ ok: false, problem: { reason: expect.stringContaining('was deleted') } });
    c.close();
  });

  it('re-creates the append-only triggers on open', async () => {
    const home = await tempDir();
    const c = await withEvents(2, home);
    c.db.exec('DROP TRIGGER audit_events_no_delete; DROP TRIGGER audit_events_no_update');
    c.close();
    const again = Catalog.open(home);
    expect(() => again.db.prepare('DELETE FROM audit_events WHERE id = 2').run()).toThrow(/append-only/);
    expect(() => again.db.prepare(`UPDATE audit_events SET actor = 'x'`).run()).toThrow(/append-only/);
    expect(again.audit.verify()).toEqual({ ok: true, checked: 2 });
    again.close();
  });
});
