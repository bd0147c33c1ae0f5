// Lifeboat benchmark: Lifeboat's backup (with its verification), verify and restore against the
// shell pipeline a sysadmin would write, on the same generated data, for each data mix (mixes.ts):
//   backup:  sqlite3 .backup + pg_dump -Fc + zip -r -6 of everything + sha256sum
//   restore: unzip + pg_restore into a new database + a copy of the SQLite file
//   verify:  sha256sum of the archive (Lifeboat's deep verify does far more; its --quick does the same)
// Runs alternate (Lifeboat, pipeline, Lifeboat, ...) and figures are medians; Lifeboat's per-phase
// breakdown comes from LIFEBOAT_PHASE_TIMES (src-main/engine/util/phase-times.ts). Also: IPC
// round-trip latency during a backup and a 1 GB SQLite database backed up and verified.
// Usage: npm run bench -- [--mix a,b] [--reps N] [--sqlite-gb N (0 to skip)] [--million [--files N]]
// Prints the figures and a last line, for the worse mix:
//   backup_ratio=… restore_ratio=… verify_ratio=… peak_rss_mb=…
import Database from 'better-sqlite3';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPgCluster, PG_BIN, type PgCluster } from '../test-support/pg-cluster.js';
import { generate, makePostgres, MIXES, type Mix } from './mixes.js';
import { runMillion } from './million.js';

const { values } = parseArgs({
  options: {
    mix: { type: 'string', default: 'a,b' },
    reps: { type: 'string', default: '3' },
    'sqlite-gb': { type: 'string', default: '1' },
    million: { type: 'boolean', default: false },
    files: { type: 'string', default: '1000000' },
  },
});
const cwd = process.cwd();
const dataRoot = join(cwd, 'bench', '.data');
const cli = join(cwd, 'bin', 'lifeboat.js');
const LEVEL = 6;

if (values.million) {
  await runMillion(cli, join(dataRoot, `many-${values.files}`), Number(values.files));
  process.exit(0);
}

const reps = Number(values.reps);
const mixes = values.mix.split(',').map((m) => {
  const mix = MIXES[m.trim()];
  if (!mix) throw new Error(`--mix takes a comma-separated list of ${Object.keys(MIXES).join(', ')}, not ${m}`);
  return mix;
});

interface Timed<T> {
  ms: number;
  out: T;
}
function time<T>(fn: () => T): Timed<T> {
  const t = process.hrtime.bigint();
  const out = fn();
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, out };
}
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const du = (path: string): number => Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]);
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** The CLI under /usr/bin/time (peak RSS), with its phase times written to `phaseFile`. */
function lifeboat(args: string[], phaseFile: string, env: NodeJS.ProcessEnv = process.env): { rssMb: number; stdout: string } {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...env, LIFEBOAT_PHASE_TIMES: phaseFile } });
  if (r.status !== 0) throw new Error(`lifeboat ${args[2] ?? ''} failed: ${r.stdout}${r.stderr}`);
  return { rssMb: Number(r.stderr.trim().split('\n').pop()) / 1024, stdout: r.stdout };
}

interface PhaseLine {
  job: string;
  total: number;
  steps: Record<string, number>;
  spans: Record<string, number>;
  sums: Record<string, number>;
}
function lastPhases(file: string, job: string): PhaseLine | null {
  const lines = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as PhaseLine);
  return lines.filter((l) => l.job === job).pop() ?? null;
}

/** Medians of each figure over runs: "scan 0.12 s, archive 3.1 s, ..." in the order first seen. */
function phaseSummary(runs: readonly PhaseLine[], kind: 'steps' | 'spans' | 'sums'): string {
  const names: string[] = [];
  for (const r of runs) for (const k of Object.keys(r[kind])) if (!names.includes(k)) names.push(k);
  return names.map((k) => `${k} ${s(median(runs.map((r) => r[kind][k] ?? 0)))}`).join(', ');
}

interface MixResult {
  mix: Mix;
  backupRatio: number;
  restoreRatio: number;
  verifyRatio: number;
  peakRss: number;
}

function runMix(mix: Mix, pg: PgCluster): MixResult {
  const root = join(dataRoot, mix.name);
  generate(mix, root);
  const srcDb = `bench_${mix.name}`;
  makePostgres(pg, mix, srcDb);
  const pgEnv = { ...process.env, PGPASSWORD: pg.password };
  const pgArgs = ['-h', '127.0.0.1', '-p', String(pg.port), '-U', pg.user];
  const pgBytes = Number(pg.psql(srcDb, `SELECT pg_database_size('${srcDb}')`).trim());
  const sqliteBytes = statSync(join(root, 'app.db')).size + (statSync(join(root, 'app.db-wal'), { throwIfNoEntry: false })?.size ?? 0);
  const treeBytes = du(join(root, 'tree'));
  const work = join(root, 'work');
  const phaseFile = join(dataRoot, `phases-${mix.name}.jsonl`);
  const r = { lb: [] as number[], pipe: [] as number[], lbRestore: [] as number[], pipeRestore: [] as number[], lbVerify: [] as number[], lbQuick: [] as number[], sha: [] as number[] };
  const rss = { backup: [] as number[], restore: [] as number[], verify: [] as number[] };
  const phases = { backup: [] as PhaseLine[], restore: [] as PhaseLine[] };
  let archiveBytes = 0;
  let pipeArchiveBytes = 0;
  for (let rep = 0; rep < reps; rep += 1) {
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    writeFileSync(phaseFile, '');
    execFileSync('sync');
    const home = join(work, 'home');
    const sources = ['--sqlite', join(root, 'app.db'), '--postgres', pg.url(srcDb), '--dir', join(root, 'tree')];
    // Alternate which side goes first, so neither always meets a cold (or warm) cache.
    const lbBackup = (): string => {
      const b = time(() => lifeboat(['--home', home, 'backup', ...sources, '--level', String(LEVEL), '--json'], phaseFile));
      r.lb.push(b.ms);
      rss.backup.push(b.out.rssMb);
      const p = lastPhases(phaseFile, 'backup');
      if (p) phases.backup.push(p);
      const result = JSON.parse(b.out.stdout) as { path: string; size: number; verifiedAt: string | null };
      if (!result.verifiedAt) throw new Error('the Lifeboat backup was not verified');
      archiveBytes = result.size;
      return result.path;
    };
    const pipeBackup = (): void => {
      r.pipe.push(
        time(() => {
          execFileSync('sqlite3', [join(root, 'app.db'), `.backup ${join(work, 'app.sqlite')}`]);
          execFileSync(join(PG_BIN, 'pg_dump'), [...pgArgs, '-Fc', '-f', join(work, 'db.pgdump'), srcDb], { env: pgEnv });
          execFileSync('zip', ['-q', '-r', `-${LEVEL}`, join(work, 'pipeline.zip'), 'tree'], { cwd: root });
          execFileSync('zip', ['-q', '-j', `-${LEVEL}`, join(work, 'pipeline.zip'), join(work, 'app.sqlite'), join(work, 'db.pgdump')]);
          execFileSync('sha256sum', [join(work, 'pipeline.zip')]);
        }).ms,
      );
      pipeArchiveBytes = statSync(join(work, 'pipeline.zip')).size;
    };
    let archive: string;
    if (rep % 2 === 0) {
      archive = lbBackup();
      execFileSync('sync');
      pipeBackup();
    } else {
      pipeBackup();
      execFileSync('sync');
      archive = lbBackup();
    }
    // Verify: deep (every entry re-hashed, SQLite integrity_check) and quick (whole-file checksum), against sha256sum.
    const v = time(() => lifeboat(['--home', home, 'verify', archive], phaseFile));
    r.lbVerify.push(v.ms);
    rss.verify.push(v.out.rssMb);
    r.lbQuick.push(time(() => lifeboat(['--home', home, 'verify', archive, '--quick'], phaseFile)).ms);
    r.sha.push(time(() => execFileSync('sha256sum', [archive])).ms);
    execFileSync('sync');
    const lbDb = `lb_${mix.name}_${rep}`;
    const pipeDb = `pipe_${mix.name}_${rep}`;
    const lbRestore = (): void => {
      const t = time(() => lifeboat(['--home', home, 'restore', archive, '--to-dir', join(work, 'lb-tree'), '--to-sqlite', join(work, 'lb.db'), '--to-postgres', pg.url(lbDb)], phaseFile, pgEnv));
      r.lbRestore.push(t.ms);
      rss.restore.push(t.out.rssMb);
      const p = lastPhases(phaseFile, 'restore');
      if (p) phases.restore.push(p);
    };
    const pipeRestore = (): void => {
      r.pipeRestore.push(
        time(() => {
          execFileSync('unzip', ['-q', join(work, 'pipeline.zip'), '-d', join(work, 'pipe-out')]);
          execFileSync(join(PG_BIN, 'createdb'), [...pgArgs, pipeDb], { env: pgEnv });
          execFileSync(join(PG_BIN, 'pg_restore'), [...pgArgs, '-d', pipeDb, join(work, 'pipe-out', 'db.pgdump')], { env: pgEnv });
          execFileSync('cp', [join(work, 'pipe-out', 'app.sqlite'), join(work, 'pipe.db')]);
        }).ms,
      );
    };
    if (rep % 2 === 0) {
      lbRestore();
      execFileSync('sync');
      pipeRestore();
    } else {
      pipeRestore();
      execFileSync('sync');
      lbRestore();
    }
    // Completeness: every row and every file came back, byte for byte.
    const db = new Database(join(work, 'lb.db'), { readonly: true });
    const rows = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    db.close();
    if (rows !== mix.sqliteRows + mix.walRows) throw new Error(`restored ${rows} SQLite rows, expected ${mix.sqliteRows + mix.walRows}`);
    for (const d of [lbDb, pipeDb]) {
      const n = Number(pg.psql(d, 'SELECT count(*) FROM events').trim());
      if (n !== mix.pgRows) throw new Error(`restored ${n} PostgreSQL rows into ${d}, expected ${mix.pgRows}`);
    }
    const sums = (dir: string): string => execFileSync('sh', ['-c', 'find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (sums(join(work, 'lb-tree')) !== sums(join(root, 'tree'))) throw new Error('the restored tree differs from the source (sha256 of every file)');
    for (const d of [lbDb, pipeDb]) pg.psql('postgres', `DROP DATABASE ${d}`);
  }
  const m = (xs: number[]): number => median(xs);
  const mb = (treeBytes + sqliteBytes + pgBytes) / 1e6;
  console.log(`\n== ${mix.describe}`);
  console.log(`data ${mb.toFixed(0)} MB (folder ${(treeBytes / 1e6).toFixed(0)} MB, SQLite ${(sqliteBytes / 1e6).toFixed(0)} MB, PostgreSQL ${(pgBytes / 1e6).toFixed(0)} MB); reps=${reps}, medians`);
  console.log(`archives ${(archiveBytes / 1e6).toFixed(1)} MB (Lifeboat) vs ${(pipeArchiveBytes / 1e6).toFixed(1)} MB (pipeline), deflate level ${LEVEL} both`);
  console.log(`backup   lifeboat ${s(m(r.lb))} with verification (peak RSS ${Math.max(...rss.backup).toFixed(0)} MB)  pipeline ${s(m(r.pipe))}  ratio ${(m(r.lb) / m(r.pipe)).toFixed(2)}`);
  console.log(`         steps: ${phaseSummary(phases.backup, 'steps')}`);
  console.log(`         dumps (overlapping the archive step): ${phaseSummary(phases.backup, 'spans')}`);
  console.log(`         thread time (all cores): ${phaseSummary(phases.backup, 'sums')}`);
  console.log(`restore  lifeboat ${s(m(r.lbRestore))} (peak RSS ${Math.max(...rss.restore).toFixed(0)} MB)  pipeline ${s(m(r.pipeRestore))}  ratio ${(m(r.lbRestore) / m(r.pipeRestore)).toFixed(2)}`);
  console.log(`         steps: ${phaseSummary(phases.restore, 'steps')}`);
  console.log(`         thread time (all cores): ${phaseSummary(phases.restore, 'sums')}`);
  console.log(`verify   deep ${s(m(r.lbVerify))} (${(archiveBytes / 1e6 / (m(r.lbVerify) / 1000)).toFixed(0)} MB/s, peak RSS ${Math.max(...rss.verify).toFixed(0)} MB), quick ${s(m(r.lbQuick))}  sha256sum ${s(m(r.sha))} (${(archiveBytes / 1e6 / (m(r.sha) / 1000)).toFixed(0)} MB/s)`);
  return {
    mix,
    backupRatio: m(r.lb) / m(r.pipe),
    restoreRatio: m(r.lbRestore) / m(r.pipeRestore),
    verifyRatio: m(r.sha) / m(r.lbVerify),
    peakRss: Math.max(...rss.backup, ...rss.restore, ...rss.verify),
  };
}

console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const pg = await startPgCluster();
try {
  const results = mixes.map((mix) => runMix(mix, pg));

  // IPC round trips to the real handlers while a backup (with its verification) runs.
  const first = mixes[0]!;
  const ipcHome = join(dataRoot, first.name, 'work', 'ipc-home');
  const ipc = JSON.parse(execFileSync(process.execPath, [join(cwd, 'out', 'bench', 'bench', 'ipc-latency.js'), ipcHome, join(dataRoot, first.name, 'app.db'), join(dataRoot, first.name, 'tree')], { encoding: 'utf8' })) as {
    calls: number;
    backupMs: number;
    p50: number;
    p99: number;
    max: number;
  };
  console.log(`\nipc      ${ipc.calls} round trips during a ${s(ipc.backupMs)} backup: p50 ${ipc.p50.toFixed(2)} ms, p99 ${ipc.p99.toFixed(2)} ms, max ${ipc.max.toFixed(2)} ms`);

  const gb = Number(values['sqlite-gb']);
  if (gb > 0) {
    const dir = join(dataRoot, `sqlite-${gb}gb`);
    const file = join(dir, 'big.db');
    if (!statSync(`${file}.READY`, { throwIfNoEntry: false })) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      generate({ ...MIXES['b']!, sqliteRows: Math.round(gb * 5_000_000), tree: () => undefined }, dir);
      execFileSync('mv', [join(dir, 'app.db'), file]);
      writeFileSync(`${file}.READY`, '');
    }
    const t = time(() => lifeboat(['--home', join(dir, 'home'), 'backup', '--sqlite', file, '--level', String(LEVEL), '--json'], join(dir, 'phases.jsonl')));
    rmSync(join(dir, 'home'), { recursive: true, force: true });
    console.log(`sqlite   ${(statSync(file).size / 1e9).toFixed(2)} GB database backed up and verified in ${s(t.ms)} (peak RSS ${t.out.rssMb.toFixed(0)} MB)`);
  }

  // The worse mix decides the last line: the higher backup ratio, then the higher restore ratio.
  const worst = results.reduce((w, x) => (x.backupRatio + x.restoreRatio > w.backupRatio + w.restoreRatio ? x : w));
  const peak = results.reduce((n, x) => Math.max(n, x.peakRss), 0);
  console.log(`\nworse mix: ${worst.mix.describe}; load average at end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`backup_ratio=${worst.backupRatio.toFixed(2)} restore_ratio=${worst.restoreRatio.toFixed(2)} verify_ratio=${worst.verifyRatio.toFixed(2)} peak_rss_mb=${peak.toFixed(0)}`);
} finally {
  pg.stop();
}
