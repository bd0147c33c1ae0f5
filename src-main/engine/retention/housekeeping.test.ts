import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { profileSpecSchema } from '../../../src-shared/domain/profile.js';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { writeTree } from '../../../test-support/tree.js';

async function profileWithBackups(n: number) {
  const t = await testEngine();
  const src = await tempDir();
  await writeTree(src, { 'a.txt': 'a' });
  t.engine.profiles.add('daily', profileSpecSchema.parse({ sources: [folder(src)], destination: t.out, retention: { keepLast: 2 } }), new Date().toISOString());
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) ids.push((await t.engine.backup(request(t.out, [folder(src)], { profile: 'daily' }))).id);
  return { ...t, src, ids: ids.reverse() };
}

describe('housekeeping', () => {
  it('cleanup applies the profile\'s stored retention (dry run first) and deletes archive, sidecar and row', async () => {
    const { engine, out, ids } = await profileWithBackups(4);
    const dry = await engine.cleanup({ dryRun: true });
    expect(dry.find((g) => g.name === 'daily')?.decisions.map((d) => d.keep)).toEqual([true, true, false, false]);
    expect((await readdir(out)).length).toBe(8);
    await engine.cleanup({ dryRun: false });
    expect(engine.history({ profile: 'daily' }).rows.map((r) => r.id)).toEqual(ids.slice(0, 2));
    expect((await readdir(out)).length).toBe(4);
    expect(engine.audit.list(100).filter((e) => e.action === 'backup.delete').map((e) => e.target).sort()).toEqual(ids.slice(2).sort());
  });

  it('cleanup never deletes the newest verified backup even when every newer one is unverified', async () => {
    const { engine, ids } = await profileWithBackups(3);
    // Only the oldest stays verified; newer ones lost their verification.
    engine.env.catalog.db.prepare('UPDATE backups SET verified_at = NULL WHERE id IN (?, ?)').run(ids[0], ids[1]);
    await engine.cleanup({ dryRun: false, override: { keepLast: null, keepDays: null, keepDaily: 1, keepWeekly: null, keepMonthly: null } });
    expect(engine.history({}).rows.map((r) => r.id)).toContain(ids[2]);
  });

  it('export never writes its .sha256 sidecar through a symlink planted at that name; the file it pointed to is untouched', async () => {
    const { engine, ids } = await profileWithBackups(1);
    const dest = await tempDir();
    const outside = join(await tempDir(), 'precious.conf');
    await writeFile(outside, 'do not truncate me\n');
    const record = engine.record(ids[0] ?? '');
    const { basename } = await import('node:path');
    const { readFile, lstat, symlink } = await import('node:fs/promises');
    await symlink(outside, join(dest, `${basename(record.path)}.sha256`));
    const exported = await engine.export(record, dest);
    expect(await readFile(outside, 'utf8')).toBe('do not truncate me\n');
    expect((await lstat(`${exported.path}.sha256`)).isSymbolicLink()).toBe(false);
    expect(await readFile(`${exported.path}.sha256`, 'utf8')).toBe(`${record.sha256}  ${basename(exported.path)}\n`);
  });

  it('export writes a verified copy with a sidecar; delete removes a backup; doctor finds and repairs drift', async () => {
    const { engine, out, ids } = await profileWithBackups(2);
    const dest = await tempDir();
    const exported = await engine.export(engine.record(ids[0] ?? ''), dest);
    expect(await readdir(dest)).toEqual([expect.stringMatching(/\.zip$/), expect.stringMatching(/\.zip\.sha256$/)]);
    expect(exported.sha256).toBe(engine.record(ids[0] ?? '').sha256);

    await engine.delete(engine.record(ids[1] ?? ''));
    expect(engine.env.catalog.backups.get(ids[1] ?? '')).toBeUndefined();

    // Drift: an archive the catalog does not know (the exported copy dropped back in), a row
    // whose file vanished, a leftover .partial.
    await rm(engine.record(ids[0] ?? '').path);
    const { copyFile } = await import('node:fs/promises');
    await copyFile(exported.path, join(out, 'lifeboat-from-elsewhere.zip'));
    await copyFile(`${exported.path}.sha256`, join(out, 'lifeboat-from-elsewhere.zip.sha256'));
    await writeFile(join(out, 'lifeboat-dead-00000000.zip.partial'), 'half');
    const report = await engine.doctor(false);
    expect(report.missing.map((m) => m.id)).toEqual([ids[0]]);
    expect(report.orphans.map((o) => o.path)).toEqual([join(out, 'lifeboat-from-elsewhere.zip')]);
    expect(report.leftovers).toEqual([join(out, 'lifeboat-dead-00000000.zip.partial')]);
    const repaired = await engine.doctor(true);
    expect(repaired.orphans[0]?.problem).toBeNull();
    expect(engine.env.catalog.backups.get(ids[0] ?? '')).toMatchObject({ status: 'FAILED', errorCode: 'NOT_FOUND' });
    expect(engine.env.catalog.backups.findByPath(join(out, 'lifeboat-from-elsewhere.zip'))).toMatchObject({ status: 'COMPLETED' });
    expect(await readdir(out)).not.toContain('lifeboat-dead-00000000.zip.partial');
    expect((await engine.doctor(false)).orphans).toEqual([]);
  });
});
