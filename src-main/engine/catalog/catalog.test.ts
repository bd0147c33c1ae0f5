import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARCHIVE_FORMATS, AUDIT_OUTCOMES, BACKUP_STATUSES, BACKUP_TYPES, TRIGGERS } from '../../../src-shared/domain/enums.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { Catalog } from './catalog.js';
import type { NewBackup } from './backups-repo.js';
import { MIGRATIONS } from './schema.js';

function row(id: string, extra: Partial<NewBackup> = {}): NewBackup {
  return {
    id,
    fileName: `${id}.zip`,
    path: `/b/${id}.zip`,
    format: 'zip',
    type: 'full',
    trigger: 'MANUAL',
    description: '',
    createdBy: 'alice',
    host: 'h',
    pid: 1,
    createdAt: '2026-11-01T00:00:00.000Z',
    profile: null,
    searchText: '',
    ...extra,
  };
}

describe('catalog', () => {
  it('creates the schema once and records its version in user_version', async () => {
    const home = await tempDir();
    Catalog.open(home).close();
    const again = Catalog.open(home);
    expect(again.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(again.db.pragma('journal_mode', { simple: true })).toBe('wal');
    again.close();
  });

  it('commits durably: synchronous=FULL, so a journal record or COMPLETED row survives a power cut once written', async () => {
    const home = await tempDir();
    const c = Catalog.open(home);
    // 2 = FULL: in WAL mode the WAL is fsynced at every commit (NORMAL may lose the last commits).
    expect(c.db.pragma('synchronous', { simple: true })).toBe(2);
    c.close();
  });

  it('refuses a catalog from a newer Lifeboat instead of damaging it', async () => {
    const home = await tempDir();
    const db = new Database(join(home, 'catalog.sqlite'));
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => Catalog.open(home)).toThrow(/newer than this Lifeboat understands/);
  });

  it('seed 003: accepts every enum value the code uses and rejects any other spelling', async () => {
    const c = Catalog.open(await tempDir());
    try {
      let n = 0;
      for (const format of ARCHIVE_FORMATS)
        for (const type of BACKUP_TYPES)
          for (const trigger of TRIGGERS) c.backups.insertRunning(row(`00000000-0000-0000-0000-${String((n += 1)).padStart(12, '0')}`, { format, type, trigger }));
      for (const status of BACKUP_STATUSES) c.db.prepare('UPDATE backups SET status = ? WHERE rowid = 1').run(status);
      for (const outcome of AUDIT_OUTCOMES) c.audit.append({ actor: 'a', action: 'settings.change', target: 't', outcome });
      // The exact failure of the field report: the lowercase spelling of a valid status.
      expect(() => c.db.prepare(`UPDATE backups SET status = 'completed' WHERE rowid = 1`).run()).toThrow(/CHECK constraint failed/);
      expect(() => c.backups.insertRunning(row('bad', { trigger: 'manual' as never }))).toThrow(/CHECK constraint failed/);
    } finally {
      c.close();
    }
  });

  it('filters history by status, type, trigger, profile, date range and text, newest first, with a total', async () => {
    const c = Catalog.open(await tempDir());
    try {
      c.backups.insertRunning(row('a1', { createdAt: '2026-11-01T10:00:00.000Z', profile: 'web', description: 'Before upgrade to v2', trigger: 'SCHEDULED' }));
      c.backups.insertRunning(row('a2', { createdAt: '2026-11-02T10:00:00.000Z', profile: 'web', type: 'database', searchText: 'nightly web' }));
      c.backups.insertRunning(row('a3', { createdAt: '2026-11-03T10:00:00.000Z', profile: 'crm', searchText: 'crm 100%_done' }));
      c.backups.markFailed('a2', { code: 'DISK_FULL', message: 'full' }, '2026-11-02T10:01:00.000Z', 1000);
      const ids = (q: Parameters<typeof c.backups.query>[0]): string[] => c.backups.query(q).rows.map((r) => r.id);
      expect(ids({})).toEqual(['a3', 'a2', 'a1']);
      expect(ids({ status: 'FAILED' })).toEqual(['a2']);
      expect(ids({ type: 'database' })).toEqual(['a2']);
      expect(ids({ trigger: 'SCHEDULED' })).toEqual(['a1']);
      expect(ids({ profile: 'web' })).toEqual(['a2', 'a1']);
      expect(ids({ since: '2026-11-02T00:00:00.000Z', until: '2026-11-02T23:59:59.999Z' })).toEqual(['a2']);
      expect(ids({ search: 'NIGHTLY' })).toEqual(['a2']);
      expect(ids({ search: '100%_' })).toEqual(['a3']);
      expect(ids({ search: '100x' })).toEqual([]);
      expect(c.backups.query({ limit: 1, offset: 1 })).toMatchObject({ total: 3, rows: [{ id: 'a2' }] });
      expect(c.backups.get('a2')).toMatchObject({ status: 'FAILED', errorCode: 'DISK_FULL' });
    } finally {
      c.close();
    }
  });

  it('on start, fails RUNNING rows of dead processes but leaves those of a live process alone', async () => {
    const c = Catalog.open(await tempDir());
    try {
      c.backups.insertRunning(row('dead', { pid: 111 }));
      c.backups.insertRunning(row('live', { pid: 222 }));
      const gone = c.backups.failInterrupted((_h, pid) => pid === 222, '2026-11-05T00:00:00.000Z');
      expect(gone).toEqual([{ id: 'dead', path: '/b/dead.zip' }]);
      expect(c.backups.get('dead')).toMatchObject({ status: 'FAILED', errorCode: 'INTERRUPTED' });
      expect(c.backups.get('dead')?.errorMessage).toMatch(/^interrupted/);
      expect(c.backups.get('live')?.status).toBe('RUNNING');
    } finally {
      c.close();
    }
  });
});
