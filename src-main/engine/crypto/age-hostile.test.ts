import { createWriteStream } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testEngine } from '../../../test-support/engine.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { buildZip } from '../../../test-support/zip-builder.js';
import { generateKeyPair } from './age-keys.js';
import { decryptFile, encryptFile } from './age-stream.js';
import { inspectEncrypted } from './inspect-encrypted.js';

/** An age file whose first stanza line never ends: `mib` MiB of base64 letters and no newline. */
async function endlessHeader(mib: number): Promise<string> {
  const path = join(await tempDir(), 'hostile.zip.age');
  const out = createWriteStream(path);
  out.write('age-encryption.org/v1\n-> X25519 ');
  const line = Buffer.alloc(1024 * 1024, 'A');
  for (let i = 0; i < mib; i += 1) if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return path;
}

describe('an .age file whose header never ends', () => {
  it('is refused as not an age file (ARCHIVE_INVALID) once its header passes 64 KiB, by decrypt and by `import`, not buffered whole by the library', async () => {
    const path = await endlessHeader(48);
    const { identity } = await generateKeyPair();
    const key = { kind: 'identity' as const, identities: [identity] };
    const out = join(await tempDir(), 'plain.zip');
    await expect(decryptFile(path, out, key)).rejects.toMatchObject({ code: 'ARCHIVE_INVALID', message: expect.stringContaining('64 KiB') });

    const { engine } = await testEngine();
    await expect(engine.import(path, key)).rejects.toMatchObject({ code: 'ARCHIVE_INVALID' });
    // Nothing was kept: no plain copy in the private temp, nothing in the catalog.
    expect(await readdir(join(engine.env.home, 'tmp')).catch(() => [])).toEqual([]);
    expect(engine.env.catalog.db.prepare('SELECT count(*) AS n FROM backups').get()).toEqual({ n: 0 });
  });
});

describe('an .age file that decrypts to a hostile ZIP', () => {
  it('is refused on inspection (ARCHIVE_HOSTILE) and on import; nothing is written outside the private temp, which is removed', async () => {
    const work = await tempDir();
    const zip = join(work, 'evil.zip');
    await writeFile(zip, buildZip([{ name: '../../escaped.txt', data: 'x' }, { name: 'ok.txt', data: 'y' }]));
    const { identity, recipient } = await generateKeyPair();
    const path = join(work, 'evil.zip.age');
    await encryptFile(zip, path, { kind: 'recipients', recipients: [recipient] });
    const key = { kind: 'identity' as const, identities: [identity] };
    const { engine } = await testEngine();
    await expect(inspectEncrypted(engine.env, path, key)).rejects.toMatchObject({ code: 'ARCHIVE_HOSTILE' });
    await expect(engine.import(path, key)).rejects.toMatchObject({ code: expect.stringMatching(/ARCHIVE_HOSTILE|VERIFY_FAILED/) });
    expect(await readdir(join(engine.env.home, 'tmp')).catch(() => [])).toEqual([]);
    expect(engine.env.catalog.db.prepare('SELECT count(*) AS n FROM backups').get()).toEqual({ n: 0 });
    await expect(stat(join(engine.env.home, '..', 'escaped.txt'))).rejects.toThrow();
  });
});
