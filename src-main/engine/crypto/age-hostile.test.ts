import { createWriteStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testEngine } from '../../../test-support/engine.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { generateKeyPair } from './age-keys.js';
import { decryptFile } from './age-stream.js';

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
