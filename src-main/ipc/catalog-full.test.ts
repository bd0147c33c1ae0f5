import { execFileSync } from 'node:child_process';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LifeboatEngine } from '../engine/lifeboat-engine.js';
import { makeServices } from '../../test-support/services.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { dispatch } from './dispatch.js';

const APP = 'file:///opt/Lifeboat/resources/app.asar/out/renderer/index.html';
const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)(`the app's catalog on a full disk${isRoot ? '' : ' (skipped: mounting a tmpfs needs root)'}`, () => {
  it('a request that writes the catalog answers DISK_FULL naming the catalog, not INTERNAL "a bug"', async () => {
    const mnt = await tempDir('lifeboat-full-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt]);
    const engine = await LifeboatEngine.open({ home: join(mnt, 'home') });
    try {
      const s = makeServices(engine, () => undefined);
      const fh = await open(join(mnt, 'filler'), 'w');
      try {
        for (;;) await fh.write(Buffer.alloc(64 * 1024, 1));
      } catch (e) {
        expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
      } finally {
        await fh.close();
      }
      // audit:verify appends its own audit event: a catalog write.
      let r = await dispatch(s, [APP], 'audit:verify', {}, { url: APP, isMainFrame: true });
      for (let i = 0; r.ok && i < 50; i += 1) r = await dispatch(s, [APP], 'audit:verify', {}, { url: APP, isMainFrame: true });
      expect(r).toMatchObject({ ok: false, error: { code: 'DISK_FULL', message: expect.stringContaining(join(mnt, 'home', 'catalog.sqlite')) } });
      await rm(join(mnt, 'filler'));
    } finally {
      engine.close();
      execFileSync('umount', ['-l', mnt]);
    }
  });
});
