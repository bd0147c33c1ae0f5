import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ImportPreviewView, PathRef } from '../../src-shared/ipc/contract.js';
import { folder, request, testEngine } from '../../test-support/engine.js';
import { makeServices } from '../../test-support/services.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { writeTree } from '../../test-support/tree.js';
import { generateKeyPair } from '../engine/crypto/age-keys.js';
import { EncryptionRepo } from '../engine/crypto/encryption-repo.js';
import { sha256File } from '../engine/verify/verify-archive.js';
import { dispatch } from './dispatch.js';

const APP = 'file:///opt/Lifeboat/resources/app.asar/out/renderer/index.html';
const FRAME = { url: APP, isMainFrame: true };

async function world() {
  const { engine, home } = await testEngine();
  const s = makeServices(engine);
  const send = (channel: string, payload: unknown) => dispatch(s, [APP], channel, payload, FRAME);
  const ok = async <T>(channel: string, payload: unknown): Promise<T> => {
    const r = await send(channel, payload);
    if (!r.ok) throw Object.assign(new Error(`${channel}: ${r.error.code} ${r.error.message}`), { code: r.error.code });
    return r.value as T;
  };
  return { engine, home, s, send, ok };
}

/** An archive encrypted to a key made on another machine, downloaded with its sidecar. */
async function encryptedDownload() {
  const elsewhere = await testEngine();
  const src = await tempDir();
  await writeTree(src, { 'invoices/2026-10.csv': 'id,total\n1,9.99\n' });
  const { identity, recipient } = await generateKeyPair();
  const made = await elsewhere.engine.backup(request(elsewhere.out, [folder(src, { name: 'data' })], { encryption: { kind: 'recipients', recipients: [recipient] } }));
  const dir = join(await tempDir(), 'Downloads');
  await mkdir(dir);
  const path = join(dir, basename(made.path));
  await copyFile(made.path, path);
  await copyFile(`${made.path}.sha256`, `${path}.sha256`);
  const keyFile = join(await tempDir(), 'key.txt');
  await writeFile(keyFile, `${identity}\n`, { mode: 0o600 });
  return { path, made, identity, recipient, keyFile };
}

describe('dropping an encrypted (.age) Lifeboat archive', () => {
  it('the preview says it is encrypted and what key it needs; the identity file is picked in main\'s dialog; import copies the .age only', async () => {
    const w = await world();
    const d = await encryptedDownload();
    const grant = await w.ok<PathRef>('dialog:grant-dropped', { path: d.path });
    const sealed = await w.ok<ImportPreviewView>('import:inspect', { archive: grant });
    expect(sealed.encryption).toEqual({ mode: 'recipients', stanzas: 1, opened: false, storedKeys: [] });
    expect(sealed.kind).toBe('lifeboat');
    expect(sealed.checks.map((c) => c.text).join('\n')).toContain('matched the');
    // Not opened yet: the import is refused, whatever the page says.
    expect(await w.send('import:archive', { archive: grant, inspection: sealed.inspection })).toMatchObject({ ok: false, error: { code: 'DECRYPT_KEY_MISSING' } });

    // Cancelling main's file dialog opens nothing.
    w.s.desktop.nextPick = null;
    expect(await w.send('import:inspect', { archive: grant, key: { kind: 'identity-file' } })).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    // The wrong key says so.
    const stranger = join(await tempDir(), 'other.txt');
    await writeFile(stranger, `${(await generateKeyPair()).identity}\n`);
    w.s.desktop.nextPick = stranger;
    expect(await w.send('import:inspect', { archive: grant, key: { kind: 'identity-file' } })).toMatchObject({ ok: false, error: { code: 'DECRYPT_KEY_WRONG' } });

    w.s.desktop.nextPick = d.keyFile;
    const opened = await w.ok<ImportPreviewView>('import:inspect', { archive: grant, key: { kind: 'identity-file' } });
    expect(opened.encryption?.opened).toBe(true);
    expect(opened.problems).toEqual([]);
    expect(opened.origin?.description).toBe(d.made.manifest.description);
    expect(opened.sources.map((x) => x.name)).toEqual(['data']);
    expect(opened.vouchedBy).toBe('sidecar');
    // Nothing was written beside the dropped file, and no plain copy stayed in the home.
    expect((await readdir(join(d.path, '..'))).sort()).toEqual([basename(d.path), `${basename(d.path)}.sha256`]);

    const r = await w.ok<{ id: string; fileName: string }>('import:archive', { archive: grant, inspection: opened.inspection });
    expect(w.s.desktop.confirmations.at(-1)?.detail).toContain('encrypted (age) Lifeboat archive');
    expect(r.fileName).toBe(basename(d.path));
    const row = w.engine.env.catalog.backups.get(r.id);
    expect(row?.sha256).toBe(await sha256File(d.path));
    expect(new EncryptionRepo(w.engine.env.catalog.db).get(r.id)?.plainSha256).toBe(d.made.plain?.sha256);
    expect((await readdir(join(w.home, 'backups'))).filter((f) => !f.endsWith('.age') && !f.endsWith('.sha256'))).toEqual([]);
    // The key never reached the page or the catalog.
    expect(JSON.stringify([sealed, opened, r])).not.toContain(d.identity);
  });

  it('offers the key kept for a profile, and opens with it by profile name only', async () => {
    const w = await world();
    await w.ok('demo:create', {});
    const { recipient } = await w.ok<{ recipient: string }>('encryption:create-key', { profile: 'demo' });
    const demo = w.engine.profiles.get('demo');
    await w.ok('profile:save', { name: 'demo', replace: true, spec: { ...demo.spec, encryption: { mode: 'recipients', recipients: [recipient] } } });
    await w.ok('backup:start', { profile: 'demo', description: 'mine' });
    await w.s.jobs.idle();
    const made = w.engine.history({ status: 'COMPLETED' }).rows[0];
    const copy = join(await tempDir(), 'copy.zip.age');
    await copyFile(made?.path ?? '', copy);
    // The catalog no longer has it (deleted here, say): the copy comes back by a drop.
    w.engine.env.catalog.db.prepare('DELETE FROM backups').run();
    const grant = await w.ok<PathRef>('dialog:grant-dropped', { path: copy });
    const sealed = await w.ok<ImportPreviewView>('import:inspect', { archive: grant });
    expect(sealed.encryption?.storedKeys).toEqual([{ profile: 'demo', kind: 'identity' }]);
    expect(await w.send('import:inspect', { archive: grant, key: { kind: 'profile', profile: 'nobody' } })).toMatchObject({ ok: false, error: { code: 'DECRYPT_KEY_MISSING' } });
    const opened = await w.ok<ImportPreviewView>('import:inspect', { archive: grant, key: { kind: 'profile', profile: 'demo' } });
    expect(opened.origin?.description).toBe('mine');
    const r = await w.ok<{ id: string }>('import:archive', { archive: grant, inspection: opened.inspection });
    expect(w.engine.env.catalog.backups.get(r.id)?.status).toBe('COMPLETED');
    // The imported row names no profile; the key kept here still opens it (verify and restore find it).
    expect(w.engine.env.catalog.backups.get(r.id)?.profile).toBeNull();
    expect(await w.send('backup:verify', { id: r.id })).toMatchObject({ ok: true, value: { ok: true } });
  });
});
