import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ARCHIVE_FORMATS } from '../../../src-shared/domain/enums.js';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { sourceTestHooks } from '../archive/source-file.js';

const SECRET = 'TOP-SECRET-4f1c9e';

/** Every file's bytes under `dir`, recursively. */
function allBytes(dir: string): Buffer {
  const parts: Buffer[] = [];
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const p = join(dir, name);
    if (lstatSync(p).isFile()) parts.push(readFileSync(p));
  }
  return Buffer.concat(parts);
}

function extract(path: string, format: string): string {
  const dir = join(path, '..', `x-${Math.random().toString(36).slice(2)}`);
  execFileSync('mkdir', ['-p', dir]);
  if (format === 'zip') execFileSync('unzip', ['-q', path, '-d', dir]);
  else execFileSync('tar', ['-xzf', path, '-C', dir]);
  return dir;
}

/** Clear the test hook after the test, whatever happens. */
function hookAfterChunk(fn: (path: string, position: number) => Promise<void> | void): void {
  sourceTestHooks.afterChunk = fn;
  onTestFinished(() => {
    delete sourceTestHooks.afterChunk;
  });
}

describe.each(ARCHIVE_FORMATS)('reading sources exactly once (%s)', (format) => {
  it('a symlink to a secret swapped in and out during the backup never puts the secret into the archive', async () => {
    const { engine, out } = await testEngine();
    const base = await tempDir();
    const src = join(base, 'src');
    await mkdir(src);
    const secret = join(base, 'secret.txt');
    await writeFile(secret, `${SECRET}\n`.repeat(100));
    // Small files (worker path) and big ones (streamed path) swapped alike.
    const names = ['f', 'g', 'big'];
    for (const n of names) await writeFile(join(src, n), n === 'big' ? Buffer.alloc(6 * 1024 * 1024, 0x61) : 'public\n');
    for (let i = 0; i < 200; i += 1) await writeFile(join(src, `filler-${i}.txt`), `filler ${i}\n`);
    const script = `
      const fs = require('node:fs');
      const dir = ${JSON.stringify(src)};
      const names = ${JSON.stringify(names)};
      let i = 0;
      for (;;) {
        for (const n of names) {
          const p = dir + '/' + n;
          const tmp = dir + '/.swap-' + n;
          try {
            if (i % 2 === 0) { fs.symlinkSync(${JSON.stringify(secret)}, tmp); } else { fs.writeFileSync(tmp, 'public\\n'); }
            fs.renameSync(tmp, p);
          } catch {}
        }
        i += 1;
      }
    `;
    const swapper = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    onTestFinished(() => void swapper.kill('SIGKILL'));
    for (let run = 0; run < 4; run += 1) {
      // Level 0: entries are stored, so the raw archive bytes show any secret that got in.
      const r = await engine.backup(request(out, [folder(src, { name: 'data', exclude: ['.swap-*'] })], { format, compressionLevel: 0 }));
      if (format === 'zip') expect(readFileSync(r.path).includes(SECRET)).toBe(false);
      expect(allBytes(extract(r.path, format)).includes(SECRET)).toBe(false);
    }
  });

  it('a file truncated while read (big, streamed) is stored as read, with a hash that matches, and named as changed', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeFile(join(src, 'log.bin'), randomBytes(12 * 1024 * 1024));
    await writeFile(join(src, 'quiet.txt'), 'quiet\n');
    let done = false;
    hookAfterChunk(async (path, position) => {
      if (!done && path.endsWith('log.bin') && position >= 1024 * 1024) {
        done = true;
        await truncate(path, 3 * 1024 * 1024);
      }
    });
    const r = await engine.backup(request(out, [folder(src, { name: 'data' })], { format }));
    const entry = r.manifest.entries.find((e) => e.path === 'files/data/log.bin');
    // ZIP stores the bytes read; a tar header states the size before the data, so tar.gz keeps the
    // size seen at open and stores the vanished tail as zeros. Either way the hash matches the bytes stored.
    const stored = format === 'zip' ? 3 * 1024 * 1024 : 12 * 1024 * 1024;
    expect(entry?.size).toBe(stored);
    const changed = r.warnings.find((w) => w.code === 'CHANGED_FILES');
    expect(changed?.message).toContain('data/log.bin');
    expect(r.manifest.warnings?.map((w) => w.code)).toContain('CHANGED_FILES');
    const source = r.manifest.sources[0];
    expect(source?.kind === 'folder' ? source.changed?.map((c) => c.path) : []).toEqual(['log.bin']);
    // What is stored is what the manifest says (verify already ran inside the backup; check again).
    expect((await engine.verify(await engine.resolve(r.id))).ok).toBe(true);
    const x = extract(r.path, format);
    expect((await readFile(join(x, 'files/data/log.bin'))).length).toBe(stored);
    // `list` and `info` read the catalog row's warnings.
    expect(engine.env.catalog.backups.get(r.id)?.warnings.map((w) => w.code)).toContain('CHANGED_FILES');
  });

  it('with onChangedFile "fail", a file changed while read fails the backup with SOURCE_CHANGED and keeps nothing', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeFile(join(src, 'log.bin'), randomBytes(8 * 1024 * 1024));
    hookAfterChunk(async (path) => {
      if (path.endsWith('log.bin')) await writeFile(path, 'rewritten', { flag: 'a' });
    });
    await expect(
      engine.backup(request(out, [folder(src, { name: 'data' })], { format, options: { allowEmpty: false, skipUnreadable: false, onChangedFile: 'fail' } })),
    ).rejects.toMatchObject({ code: 'SOURCE_CHANGED', message: expect.stringContaining('log.bin') });
    expect(readdirSync(out).filter((n) => !n.startsWith('.'))).toEqual([]);
  });

  it('a file deleted after the walk is recorded as vanished and the backup completes', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeFile(join(src, 'a.bin'), randomBytes(6 * 1024 * 1024));
    await writeFile(join(src, 'b.bin'), randomBytes(6 * 1024 * 1024));
    await writeFile(join(src, 'c.txt'), 'kept\n');
    // While a.bin is read (its turn), b.bin, whose turn is next, is deleted.
    hookAfterChunk(async (path) => {
      if (path.endsWith('a.bin')) await rm(join(src, 'b.bin'), { force: true });
    });
    const r = await engine.backup(request(out, [folder(src, { name: 'data' })], { format }));
    expect(r.manifest.entries.map((e) => e.path)).toEqual(['files/data', 'files/data/a.bin', 'files/data/c.txt']);
    expect(r.warnings.find((w) => w.code === 'VANISHED_FILES')?.message).toContain('data/b.bin');
  });
});

describe('reading sources: the walk', () => {
  it('files created and deleted all through the backup never fail it', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    const churn = join(src, 'churn');
    await mkdir(churn);
    for (let i = 0; i < 300; i += 1) writeFileSync(join(src, `keep-${i}.txt`), `keep ${i}\n`);
    const script = `
      const fs = require('node:fs');
      const dir = ${JSON.stringify(churn)};
      for (let i = 0; ; i += 1) {
        const a = dir + '/t-' + (i % 50);
        try { fs.writeFileSync(a, 'x'.repeat(i % 5000)); } catch {}
        try { fs.rmSync(dir + '/t-' + ((i + 25) % 50), { force: true }); } catch {}
        if (i % 7 === 0) { try { fs.mkdirSync(dir + '/d-' + (i % 11)); fs.writeFileSync(dir + '/d-' + (i % 11) + '/f', 'f'); } catch {} }
        if (i % 5 === 0) { try { fs.rmSync(dir + '/d-' + (i % 11), { recursive: true, force: true }); } catch {} }
      }
    `;
    const deleter = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    onTestFinished(() => void deleter.kill('SIGKILL'));
    for (let run = 0; run < 5; run += 1) {
      const r = await engine.backup(request(out, [folder(src, { name: 'data' })]));
      expect(r.manifest.entries.filter((e) => e.path.includes('/keep-')).length).toBe(300);
    }
  });

  it('a 20 GB sparse file is left out with a warning that names it and the option, without reading it', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    await writeFile(join(src, 'disk.img'), '');
    await truncate(join(src, 'disk.img'), 20 * 1024 ** 3);
    await writeFile(join(src, 'notes.txt'), 'notes\n');
    const r = await engine.backup(request(out, [folder(src, { name: 'vm' })]));
    expect(r.manifest.entries.map((e) => e.path)).toEqual(['files/vm', 'files/vm/notes.txt']);
    const w = r.warnings.find((x) => x.code === 'SPARSE_FILES');
    expect(w?.message).toContain('vm/disk.img');
    expect(w?.message).toContain('--include-sparse');
    const source = r.manifest.sources[0];
    expect(source?.kind === 'folder' ? source.skipped.map((s) => s.path) : []).toEqual(['disk.img']);
  });

  it('a name that is not valid UTF-8 is left out with a warning naming it (\\xNN), and the rest completes', async () => {
    const { engine, out } = await testEngine();
    const src = await tempDir();
    writeFileSync(Buffer.from(join(src, 'caf\xe9.txt'), 'latin1'), 'x');
    await mkdir(Buffer.from(join(src, 'd\xff'), 'latin1'));
    writeFileSync(Buffer.from(join(src, 'd\xff', 'inner.txt'), 'latin1'), 'inner');
    await writeFile(join(src, 'ok-é.txt'), 'ok');
    const r = await engine.backup(request(out, [folder(src, { name: 'data' })]));
    expect(r.manifest.entries.map((e) => e.path)).toEqual(['files/data', 'files/data/ok-é.txt']);
    const w = r.warnings.find((x) => x.code === 'UNKEPT_NAMES');
    expect(w?.message).toContain('data/caf\\xe9.txt');
    expect(w?.message).toContain('data/d\\xff');
  });
});
