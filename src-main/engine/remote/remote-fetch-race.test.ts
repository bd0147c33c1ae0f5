import { createHash, randomBytes } from 'node:crypto';
import { open, readdir, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { remoteSpecSchema } from '../../../src-shared/domain/profile.js';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { writeTree } from '../../../test-support/tree.js';
import type { RemoteDestination } from './destination.js';
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
