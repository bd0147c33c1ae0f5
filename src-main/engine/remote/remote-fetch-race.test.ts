import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { remoteSpecSchema } from '../../../src-shared/domain/profile.js';
import { lifeboat } from '../../../test-support/cli.js';
import { catalogRows, runWithFault } from '../../../test-support/crash.js';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { writeTree } from '../../../test-support/tree.js';
import type { RemoteDestination } from './destination.js';
import { copyBackupToRemote } from './remote-copy.js';
import { fetchFromRemote } from './remote-fetch.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

/**
 * A remote that serves the real archive bytes into the real local file the fetch names, writing the
 * first half, then waiting for `hold` before the rest (a slow link), the way every adapter's get()
 * does (a new file, 'wx'). Only the pace is the test's: the bytes and the files are real.
 */
function slowRemote(bytes: Buffer, holds: Promise<void>[]): RemoteDestination {
  let calls = 0;
  const no = (): never => {
    throw new Error('not used by a fetch');
  };
  return {
    kind: 'sftp',
    id: 'sftp://slow@example/backups',
    put: no,
    putSmall: no,
    stat: no,
    hash: no,
    list: no,
    getSmall: no,
    delete: no,
    close: async () => undefined,
    get: async (_name, localPath, onBytes) => {
      const hold = holds[calls++] ?? Promise.resolve();
      const fh = await open(localPath, 'wx');
      try {
        const half = Math.floor(bytes.length / 2);
        await fh.write(bytes, 0, half, 0);
        onBytes?.(half);
        await hold;
        await fh.write(bytes, half, bytes.length - half, half);
        onBytes?.(bytes.length - half);
      } finally {
        await fh.close();
      }
    },
  };
}

describe('fetching an off-site copy while another fetch of the same backup runs', () => {
  it('two fetches of one backup at once both bring back the verified archive; neither deletes nor hashes the other one\'s download', async () => {
    const t = await testEngine();
    const src = await tempDir();
    await writeTree(src, { 'blob.bin': randomBytes(512 * 1024) });
    const made = await t.engine.backup(request(t.out, [folder(src, { name: 'data' })], { compressionLevel: 0 }));
    const record = t.engine.record(made.id);
    const bytes = await readFile(record.path);
    await rm(record.path); // the local copy is gone: the wizard offers the remote one (twice: two windows, or app and CLI)
    const first = gate();
    const second = gate();
    const spec = remoteSpecSchema.parse({ url: 'sftp://slow@example/backups' });
    const remote = slowRemote(bytes, [first.wait, second.wait]);
    const aHalf = gate();
    const bHalf = gate();
    const settle = (p: Promise<unknown>) =>
      p.then(
        () => ({ ok: true as const, error: null }),
        (e: unknown) => ({ ok: false as const, error: String(e) }),
      );
    const a = settle(fetchFromRemote(t.engine.env, record, spec, { open: () => remote, onProgress: () => aHalf.open() }));
    // The first download is half-way when the second starts.
    await aHalf.wait;
    const b = settle(fetchFromRemote(t.engine.env, record, spec, { open: () => remote, onProgress: () => bHalf.open() }));
    await bHalf.wait;
    first.open();
    const ra = await a;
    second.open();
    const rb = await b;
    expect(ra).toEqual({ ok: true, error: null });
    expect(rb).toEqual({ ok: true, error: null });
    expect(sha(await readFile(record.path))).toBe(record.sha256);
    // No download is left behind beside the archive.
    expect((await readdir(dirname(record.path))).filter((n) => n.startsWith('.lifeboat-tmp-download'))).toEqual([]);
  });
});

const rcloneMissing = await promisify(execFile)('rclone', ['version']).then(
  () => null,
  () => 'rclone is not installed',
);

describe.skipIf(rcloneMissing !== null)(`a restore --from-remote killed mid-download (rclone, local backend)${rcloneMissing ? `: ${rcloneMissing}` : ''}`, () => {
  it('the download a killed fetch left beside the backups is removed by the next fetch of that backup, which restores', async () => {
    const home = await tempDir('lifeboat-home-');
    const src = await tempDir();
    await writeTree(src, { 'blob.bin': randomBytes(256 * 1024) });
    const store = await tempDir();
    const config = join(await tempDir(), 'rclone.conf');
    await writeFile(config, '[loc]\ntype = local\n');
    const env = { ...process.env, RCLONE_CONFIG: config };
    const made = await lifeboat(['--home', home, 'backup', '--dir', src, '--level', '0', '--remote', `rclone:loc:${store}`, '--json'], { env });
    expect(made.code, made.stderr).toBe(0);
    const [b] = catalogRows<{ id: string; path: string }>(home, 'SELECT id, path FROM backups');
    await rm(b?.path ?? '');
    const downloads = async (): Promise<string[]> => (await readdir(dirname(b?.path ?? ''))).filter((n) => n.startsWith('.lifeboat-tmp-download'));

    const killed = await runWithFault(['--home', home, 'restore', b?.id ?? '', '--from-remote', '--to-dir', join(await tempDir(), 'r1'), '--json'], 'remote:downloaded', { env });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(await downloads()).toHaveLength(1);

    const again = await lifeboat(['--home', home, 'restore', b?.id ?? '', '--from-remote', '--to-dir', join(await tempDir(), 'r2'), '--json'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(await downloads()).toEqual([]);
  });

  it('an object on the remote longer than the catalog records is stopped at that size, not downloaded whole (rclone cat)', async () => {
    const config = join(await tempDir(), 'rclone.conf');
    await writeFile(config, '[loc]\ntype = local\n');
    const before = process.env.RCLONE_CONFIG;
    process.env.RCLONE_CONFIG = config;
    onTestFinished(() => {
      if (before === undefined) delete process.env.RCLONE_CONFIG;
      else process.env.RCLONE_CONFIG = before;
    });
    const t = await testEngine();
    const src = await tempDir();
    await writeTree(src, { 'blob.bin': randomBytes(128 * 1024) });
    const made = await t.engine.backup(request(t.out, [folder(src, { name: 'data' })], { compressionLevel: 0 }));
    const record = t.engine.record(made.id);
    const store = await tempDir();
    const spec = remoteSpecSchema.parse({ url: `rclone:loc:${store}` });
    expect(await copyBackupToRemote(t.engine.env, record, spec)).toMatchObject({ state: 'VERIFIED' });
    await writeFile(join(store, record.fileName), randomBytes(32 * 1024 * 1024));
    await rm(record.path);
    let most = 0;
    await expect(fetchFromRemote(t.engine.env, record, spec, { onProgress: (p) => void (most = Math.max(most, p.bytesDone)) })).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect(most).toBeLessThanOrEqual(record.size ?? 0);
  });
});
