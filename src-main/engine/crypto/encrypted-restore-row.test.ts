import { appendFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { describeTree, writeTree } from '../../../test-support/tree.js';
import { sha256File } from '../verify/verify-archive.js';
import { generateKeyPair, type DecryptionKey } from './age-keys.js';

interface RestoreRow {
  archive_path: string;
  archive_sha256: string;
  id: string;
  status: string;
}

describe('an encrypted restore is recorded against the stored .age archive', () => {
  it('the restores row and the audit name the .age file the user chose and its stored SHA-256, never the decrypted temporary', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeTree(src, { 'a.txt': 'alpha\n', 'sub/b.txt': 'beta\n' });
    const { identity, recipient } = await generateKeyPair();
    const key: DecryptionKey = { kind: 'identity', identities: [identity] };
    const made = await engine.backup(request(out, [folder(src, { name: 'data' })], { encryption: { kind: 'recipients', recipients: [recipient] } }));

    // From the catalog, and from a copy of the file given by path (no catalog row).
    const copy = join(await tempDir(), 'downloaded.zip.age');
    await copyFile(made.path, copy);
    for (const target of [await engine.resolve(made.id), await engine.resolve(copy)]) {
      const to = join(await tempDir(), 'restored');
      // The pre-flight (what the wizard shows) names the stored file too.
      expect((await engine.planRestore(target, { toDir: to }, key)).stored).toEqual({ path: target.path, sha256: made.sha256 });
      await engine.restore(target, { toDir: to }, {}, key);
      expect(await describeTree(to)).toEqual(await describeTree(src));
      const row = engine.env.catalog.db.prepare('SELECT * FROM restores ORDER BY started_at DESC, rowid DESC LIMIT 1').get() as RestoreRow;
      expect(row.status).toBe('COMPLETED');
      expect(row.archive_path).toBe(target.path);
      expect(row.archive_sha256).toBe(made.sha256);
      expect(row.archive_sha256).toBe(await sha256File(target.path));
      const log = engine.env.catalog.db.prepare('SELECT text FROM run_logs WHERE id = ?').get(row.id) as { text: string } | undefined;
      expect(log?.text ?? '').toContain(target.path);
      expect(log?.text ?? '').not.toContain(join(engine.env.home, 'tmp', 'crypt-'));
    }
    const starts = engine.audit.query({}).rows.filter((e) => e.action === 'restore.start');
    expect(starts.map((e) => (e.details as { archive: string }).archive)).toEqual(expect.arrayContaining([made.path, copy]));
    for (const e of engine.audit.query({}).rows) expect(JSON.stringify(e)).not.toContain(join(engine.env.home, 'tmp', 'crypt-'));
  });

  it('stored bytes that differ from the catalog stop the restore before anything is changed (CHECKSUM_MISMATCH)', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeTree(src, { 'a.txt': 'alpha\n' });
    const { identity, recipient } = await generateKeyPair();
    const made = await engine.backup(request(out, [folder(src, { name: 'data' })], { encryption: { kind: 'recipients', recipients: [recipient] } }));
    // One byte appended after the backup was written: the stored file is not the one the catalog knows.
    await appendFile(made.path, Buffer.from([0]));
    const to = join(await tempDir(), 'restored');
    await expect(engine.restore(await engine.resolve(made.id), { toDir: to }, {}, { kind: 'identity', identities: [identity] })).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect(engine.env.catalog.db.prepare('SELECT count(*) AS n FROM restores').get()).toEqual({ n: 0 });
  });
});
