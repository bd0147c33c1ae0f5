// A million small files (~2 KB each, ~2 GB): backup (with verification) and restore through the
// CLI, with wall time, peak RSS and the phase breakdown. Not part of `npm test`.
// Usage: npm run bench -- --million [--files N]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { generateMany } from './mixes.js';

function measured(cli: string, args: string[], phaseFile: string): { seconds: number; rssMb: number; stdout: string } {
  const t = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, LIFEBOAT_PHASE_TIMES: phaseFile } });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`lifeboat ${args[2] ?? ''} failed after ${seconds.toFixed(0)} s: ${r.stdout.slice(-2000)}${r.stderr.slice(-2000)}`);
  return { seconds, rssMb: Number(r.stderr.trim().split('\n').pop()) / 1024, stdout: r.stdout };
}

/** Generate (once) and back up and restore `files` small files under `root`; prints the figures. */
export async function runMillion(cli: string, root: string, files: number): Promise<void> {
  console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const t0 = Date.now();
  generateMany(root, files, 2000);
  console.log(`data: ${files} files of ~2 KB under ${root} (generated or found in ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  const work = join(root, 'work');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const phaseFile = join(work, 'phases.jsonl');
  writeFileSync(phaseFile, '');
  execFileSync('sync');
  const home = join(work, 'home');
  const b = measured(cli, ['--home', home, 'backup', '--dir', join(root, 'tree'), '--json'], phaseFile);
  const result = JSON.parse(b.stdout) as { path: string; size: number; verifiedAt: string | null };
  console.log(`backup   ${b.seconds.toFixed(1)} s, peak RSS ${b.rssMb.toFixed(0)} MB, archive ${(result.size / 1e6).toFixed(0)} MB, verified=${result.verifiedAt !== null}`);
  execFileSync('sync');
  const r = measured(cli, ['--home', home, 'restore', result.path, '--to-dir', join(work, 'restored')], phaseFile);
  console.log(`restore  ${r.seconds.toFixed(1)} s, peak RSS ${r.rssMb.toFixed(0)} MB`);
  for (const line of readFileSync(phaseFile, 'utf8').trim().split('\n')) console.log(`phases   ${line}`);
  const count = Number(execFileSync('sh', ['-c', `find ${JSON.stringify(join(work, 'restored'))} -type f | wc -l`], { encoding: 'utf8' }).trim());
  if (count !== files) throw new Error(`restored ${count} files, expected ${files}`);
  console.log(`million  files=${files} backup_s=${b.seconds.toFixed(1)} backup_rss_mb=${b.rssMb.toFixed(0)} restore_s=${r.seconds.toFixed(1)} restore_rss_mb=${r.rssMb.toFixed(0)}`);
  rmSync(work, { recursive: true, force: true });
  await Promise.resolve();
}
