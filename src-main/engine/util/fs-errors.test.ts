import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/temp-dir.js';
import { detectFormat } from '../archive/archive-reader.js';
import { ZipReader } from '../archive/zip/zip-reader.js';

describe('an archive that cannot be opened is said in words', () => {
  it('a deleted archive: NOT_FOUND, "does not exist", what to do, and no raw ENOENT text', async () => {
    const path = join(await tempDir(), 'gone.zip');
    for (const attempt of [() => detectFormat(path), () => ZipReader.open(path)]) {
      const e = await attempt().then(
        () => null,
        (x: unknown) => x as { code: string; message: string },
      );
      expect(e?.code).toBe('NOT_FOUND');
      expect(e?.message).toContain(`The archive ${path} does not exist: it was deleted or moved.`);
      expect(e?.message).toContain('off-site copy');
      expect(e?.message).not.toMatch(/ENOENT|no such file/);
    }
  });

  it('a folder given as the archive: NOT_FOUND, says it is a folder and to choose the file inside', async () => {
    const dir = join(await tempDir(), 'backups.zip');
    await mkdir(dir);
    for (const attempt of [() => detectFormat(dir), () => ZipReader.open(dir)]) {
      const e = await attempt().then(
        () => null,
        (x: unknown) => x as { code: string; message: string },
      );
      expect(e?.code).toBe('NOT_FOUND');
      expect(e?.message).toBe(`${dir} is a folder, not an archive. Choose the .zip or .tar.gz file inside it.`);
    }
  });
});
