import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ArchiveFormat } from '../../../src-shared/domain/enums.js';
import { folder, request, testEngine } from '../../../test-support/engine.js';
import { tempDir } from '../../../test-support/temp-dir.js';

/** 30 x 10 folders, three levels deep, of `perFolder` empty files each (1000: 300,000 files). */
const TOP = 30;
const MID = 10;

function makeTree(root: string, perFolder: number): void {
  // The shell's touch creates them ten times faster than a Node loop of writeFile.
  const script = `cd "$1" && mkdir -p a{00..${TOP - 1}}/b{00..0${MID - 1}}/c && for d in a*/b*/c; do (cd "$d" && touch f{0000..${perFolder - 1}}); done`;
  execFileSync('bash', ['-c', script, 'make-tree', root]);
}

/** Every file under `root`, relative and sorted (find, so the check itself uses no Lifeboat code). */
function filesUnder(root: string): string[] {
  return execFileSync('find', ['.', '-type', 'f'], { cwd: root, maxBuffer: 256 * 1024 * 1024 })
    .toString()
    .split('\n')
    .filter((l) => l !== '')
    .sort();
}

// Size is not a failure: nothing that grows with the data goes through the call stack. 200,000
// files used to end in "Maximum call stack size exceeded" (a folder's entries spread into push()).
describe('a few hundred thousand files back up, verify and restore', () => {
  // tar.gz is written and restored one entry at a time (no worker pool): 300,000 files took 300 s
  // there on the shared 2-core machine, against ~110 s for ZIP, so it runs a tenth of the tree.
  it.each<[ArchiveFormat, number]>([
    ['zip', 1000],
    ['tar.gz', 100],
  ])('%s: 300 nested folders of %i empty files each', async (format, perFolder) => {
    const FILES = TOP * MID * perFolder;
    const { engine, out } = await testEngine();
    const src = await tempDir();
    makeTree(src, perFolder);
    const expected = filesUnder(src);
    expect(expected).toHaveLength(FILES);
    const backup = await engine.backup(request(out, [folder(src)], { format }));
    expect(backup.verifiedAt).not.toBeNull();
    expect(backup.summary.files).toBe(FILES);
    const target = join(await tempDir(), 'restored');
    await engine.restore(await engine.resolve(backup.id), { toDir: target });
    expect(filesUnder(target)).toEqual(expected);
  }, 600_000);
});
