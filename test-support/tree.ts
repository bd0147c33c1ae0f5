import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, lstat, readlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Write files (path → content) under `root`, creating folders. */
export async function writeTree(root: string, files: Readonly<Record<string, string | Buffer>>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const abs = join(root, rel);
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, content);
  }
}

/** Every entry under `root` as relative path → description (sha256 for files, target for links, 'dir'). */
export async function describeTree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const abs = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(abs);
      if (st.isDirectory()) {
        out[r] = 'dir';
        await walk(abs, r);
      } else if (st.isSymbolicLink()) out[r] = `-> ${await readlink(abs)}`;
      else out[r] = createHash('sha256').update(await readFile(abs)).digest('hex');
    }
  };
  await walk(root, '');
  return out;
}

/** Seed 000's layout: /data/{org}/studies/{study}/source_data/{timestamp}/ with parquet and metadata files. */
export async function seed000Tree(root: string): Promise<void> {
  const files: Record<string, string | Buffer> = {};
  for (const org of ['org-1', 'org-2']) {
    for (const study of ['study-a', 'study-b']) {
      for (const ts of ['20240823_143022', '20240824_090015']) {
        const base = `${org}/studies/${study}/source_data/${ts}`;
        files[`${base}/measurements.parquet`] = Buffer.from(`PAR1 ${org} ${study} ${ts} `.repeat(200));
        files[`${base}/measurements_metadata.json`] = JSON.stringify({ org, study, ts });
      }
    }
  }
  await writeTree(root, files);
  await mkdir(join(root, 'org-2', 'studies', 'study-c', 'source_data'), { recursive: true }); // an empty study
  await utimes(join(root, 'org-1/studies/study-a/source_data/20240823_143022/measurements.parquet'), new Date('2024-08-23T14:30:22Z'), new Date('2024-08-23T14:30:22Z'));
}
