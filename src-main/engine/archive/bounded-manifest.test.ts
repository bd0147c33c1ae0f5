import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifeboat } from '../../../test-support/cli.js';
import { testEngine } from '../../../test-support/engine.js';
import { writeHugeManifestTarGz, writeHugeManifestZip } from '../../../test-support/huge-manifest.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { manifestByteCap, MANIFEST_BASE_BYTES } from './entry-rules.js';

/** 512 MiB of JSON whitespace: the shape that drove `info` to 1.6 GB before any check. */
const HUGE = 512 * 1024 * 1024;
/** Peak RSS a refusing CLI run may reach: Node itself plus the catalog, nowhere near the manifest. */
const RSS_BOUND = 300 * 1024 * 1024;

/**
 * A preload that writes the process's peak resident set size (bytes) to a file on exit, so the
 * test measures the real CLI child, not itself.
 */
async function rssProbe(dir: string): Promise<{ preload: string; result: string }> {
  const preload = join(dir, 'peak-rss.mjs');
  const result = join(dir, 'peak-rss.txt');
  await writeFile(preload, `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(${JSON.stringify(result)}, String(process.resourceUsage().maxRSS * 1024)));\n`);
  return { preload, result };
}

const shapes = [
  ['zip', 'huge.zip', writeHugeManifestZip],
  ['tar.gz', 'huge.tar.gz', writeHugeManifestTarGz],
] as const;

describe.each(shapes)('a small %s holding a 512 MiB manifest is refused before it is inflated', (_format, name, write) => {
  let archive = '';
  let fixtures = '';
  beforeAll(async () => {
    fixtures = await mkdtemp(join(tmpdir(), 'lifeboat-huge-'));
    archive = join(fixtures, name);
    await write(archive, HUGE);
  });
  afterAll(async () => {
    if (fixtures) await rm(fixtures, { recursive: true, force: true });
  });

  it.each([['info'], ['import'], ['restore']])('lifeboat %s refuses it naming the manifest, its size and the cap, with peak memory under 300 MB', async (command) => {
    expect((await stat(archive)).size).toBeLessThan(2 * 1024 * 1024);
    const dir = await tempDir();
    const home = join(dir, 'home');
    const { preload, result } = await rssProbe(dir);
    const args = command === 'restore' ? ['restore', archive, '--to-dir', join(dir, 'target')] : [command, archive];
    const run = await lifeboat(['--home', home, ...args], { env: { ...process.env, NODE_OPTIONS: `--import=${preload}` } });
    expect(run.code).not.toBe(0);
    expect(run.stderr + run.stdout).toMatch(/ARCHIVE_HOSTILE|Refusing the archive/);
    expect(run.stderr + run.stdout).toContain(`its manifest.json declares 512.0 MiB (${HUGE + 19} bytes), more than the 64.`);
    const peak = Number(await readFile(result, 'utf8'));
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(RSS_BOUND);
  });
});

describe('the manifest cap', () => {
  it('grows with the entries an honest manifest must list, so big backups still open', () => {
    const few = manifestByteCap([]);
    expect(few).toBe(MANIFEST_BASE_BYTES);
    const entry = { path: `files/docs/${'x'.repeat(90)}`, kind: 'file' as const, size: 1, mode: 0o644, mtime: new Date(0) };
    const many = manifestByteCap(Array.from({ length: 300_000 }, () => entry));
    // 300,000 entries of ~250 bytes each in JSON is ~75 MB: well inside the cap.
    expect(many).toBeGreaterThan(300_000 * 250 * 2);
  });

  it('refuses the huge manifest in-process too (engine info) with ARCHIVE_HOSTILE', async () => {
    const { engine } = await testEngine();
    const dir = await tempDir();
    const archive = join(dir, 'huge.zip');
    await writeHugeManifestZip(archive, HUGE);
    await expect(engine.manifestOf(await engine.resolve(archive))).rejects.toMatchObject({ code: 'ARCHIVE_HOSTILE', message: expect.stringContaining('manifest.json declares') });
  });
});
