import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { tempDir } from '../../../test-support/temp-dir.js';

const SECRET = 'TOP-SECRET-OUTSIDE-THE-SOURCE';

describe.skipIf(process.platform !== 'linux')('reading exactly once: a folder on the path swapped for a link', () => {
  it('a middle folder flipped between itself and a link to a secret folder never puts the secret into the archive', async () => {
    const { engine, out } = await testEngine();
    const base = await tempDir();
    const src = join(base, 'src');
    const secret = join(base, 'secret');
    await mkdir(join(src, 'sub'), { recursive: true });
    await mkdir(secret);
    for (let i = 0; i < 40; i += 1) {
      await writeFile(join(src, 'sub', `f${i}`), 'public\n');
      await writeFile(join(secret, `f${i}`), `${SECRET}\n`);
    }
    const script = `
      const fs = require('node:fs');
      const src = ${JSON.stringify(src)};
      const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      for (;;) {
        try {
          fs.renameSync(src + '/sub', src + '/.real');
          fs.symlinkSync(${JSON.stringify(secret)}, src + '/.lnk');
          fs.renameSync(src + '/.lnk', src + '/sub');
          pause(0.5);
          fs.unlinkSync(src + '/sub');
          fs.renameSync(src + '/.real', src + '/sub');
          pause(0.5);
        } catch {}
      }
    `;
    const swapper = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    onTestFinished(() => void swapper.kill('SIGKILL'));
    let completed = 0;
    for (let run = 0; run < 12; run += 1) {
      // Level 0: entries are stored, so the raw archive shows any secret that got in.
      const r = await engine
        .backup(request(out, [folder(src, { name: 'data', exclude: ['.real', '.lnk'] })], { compressionLevel: 0, options: { allowEmpty: true, skipUnreadable: false } }))
        .catch((e: Error) => e);
      if (r instanceof Error) continue; // a swap at the wrong moment may fail a backup; it must never leak
      completed += 1;
      expect((await readFile(r.path)).includes(SECRET), `run ${run}: the secret is in the archive`).toBe(false);
      const listing = execFileSync('unzip', ['-p', r.path], { maxBuffer: 1 << 26 });
      expect(listing.includes(SECRET)).toBe(false);
    }
    expect(completed, 'no backup completed: the test proved nothing').toBeGreaterThan(0);
  }, 120_000);
});
