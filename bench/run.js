// Lifeboat benchmark: Lifeboat's backup, verify and restore against the shell pipeline a sysadmin
// would write, on the same generated data, in one run:
//   backup:  sqlite3 .backup + pg_dump -Fc + zip -r -6 of everything + sha256sum
//   restore: unzip + pg_restore into a new database + a copy of the SQLite file
//   verify:  sha256sum of the archive (Lifeboat's deep verify does far more; its --quick does the same)
// Also: IPC round-trip latency to the main-process handlers during a backup, and a 1 GB SQLite
// database backed up and verified.
// Usage: npm run bench -- [--scale small|large] [--reps N] [--sqlite-gb N (0 to skip)]
// Prints the figures and a last line: backup_ratio=… restore_ratio=… verify_ratio=… peak_rss_mb=…
import Database from 'better-sqlite3';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { scale: { type: 'string', default: 'small' }, reps: { type: 'string', default: '3' }, 'sqlite-gb': { type: 'string', default: '1' } } });
const SCALES = {
  small: { rows: 400_000, smallFiles: 20_000, bigFiles: 1, bigMb: 100, csvMb: 20, pgRows: 400_000 },
  large: { rows: 4_000_000, smallFiles: 20_000, bigFiles: 6, bigMb: 150, csvMb: 200, pgRows: 4_000_000 },
};
const scale = SCALES[values.scale];
if (!scale) throw new Error(`--scale must be small or large, not ${values.scale}`);
const reps = Number(values.reps);
const LEVEL = 6;
const dataRoot = join(process.cwd(), 'bench', '.data');
const root = join(dataRoot, values.scale);
const cli = join(process.cwd(), 'bin', 'lifeboat.js');
const { startPgCluster, PG_BIN } = await import(join(process.cwd(), 'out', 'bench', 'test-support', 'pg-cluster.js'));

// Deterministic pseudo-random text (seeded by index), so runs compare like with like.
const seeded = (i, n) => createHash('sha256').update(String(i)).digest().toString('hex').repeat(Math.ceil(n / 64)).slice(0, n);

function makeSqlite(file, rows) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, body TEXT, payload BLOB); CREATE INDEX events_kind ON events(kind)');
  const ins = db.prepare('INSERT INTO events (kind, body, payload) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i += 1) ins.run(`k${i % 50}`, `event ${i} ${seeded(i, 120)}`, i % 10 === 0 ? randomBytes(256) : null);
  })();
  // (Closing the last connection checkpoints the WAL; the WAL-only case is proven in the tests.)
  db.transaction(() => {
    for (let i = 0; i < 20_000; i += 1) ins.run('wal-only', `in the wal ${i}`, null);
  })();
  db.close();
}

function generate() {
  const marker = join(root, 'READY');
  try {
    statSync(marker);
    return;
  } catch {
    /* generate */
  }
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'tree'), { recursive: true });
  makeSqlite(join(root, 'app.db'), scale.rows);
  for (let i = 0; i < scale.smallFiles; i += 1) {
    const dir = join(root, 'tree', `dept-${i % 40}`, `batch-${i % 500}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `doc-${i}.json`), JSON.stringify({ i, text: seeded(i, 300) }));
  }
  for (let i = 0; i < scale.bigFiles; i += 1) writeFileSync(join(root, 'tree', `video-${i}.mp4`), randomBytes(scale.bigMb * 1024 * 1024));
  const csv = Array.from({ length: 20_000 }, (_, i) => `${i},${seeded(i, 40)},${(i * 1.37).toFixed(2)}`).join('\n');
  for (let written = 0, n = 0; written < scale.csvMb * 1024 * 1024; n += 1) {
    writeFileSync(join(root, 'tree', `export-${n}.csv`), csv);
    written += csv.length;
  }
  writeFileSync(marker, '');
}

/** A PostgreSQL database of about the SQLite database's size, in a throwaway cluster. */
async function startPostgres() {
  const pg = await startPgCluster();
  pg.psql('postgres', 'CREATE DATABASE benchdb');
  pg.psql(
    'benchdb',
    `CREATE TABLE events (id bigint PRIMARY KEY, kind text, body text, payload bytea);
     INSERT INTO events SELECT g, 'k' || (g % 50), 'event ' || g || ' ' || md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) || md5((g * 17)::text),
       CASE WHEN g % 10 = 0 THEN decode(repeat(md5(g::text), 16), 'hex') END FROM generate_series(1, ${scale.pgRows}) g;
     CREATE INDEX events_kind ON events(kind); ANALYZE events;`,
  );
  return pg;
}

function time(fn) {
  const t = process.hrtime.bigint();
  const out = fn();
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, out };
}

function du(path) {
  return Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const run = (args, env = process.env) => execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', env, maxBuffer: 1 << 26 });
const lifeboatBackup = (home, sources, extra = []) => {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, cli, '--home', home, 'backup', ...sources, '--level', String(LEVEL), '--json', ...extra], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`lifeboat backup failed: ${r.stdout}${r.stderr}`);
  return { rssMb: Number(r.stderr.trim().split('\n').pop()) / 1024, result: JSON.parse(r.stdout) };
};

generate();
const pg = await startPostgres();
const pgEnv = { ...process.env, PGPASSWORD: pg.password };
const pgArgs = ['-h', '127.0.0.1', '-p', String(pg.port), '-U', pg.user];
const pgBytes = Number(pg.psql('benchdb', "SELECT pg_database_size('benchdb')").trim());
const dataBytes = du(join(root, 'tree')) + statSync(join(root, 'app.db')).size + pgBytes;
const work = join(root, 'work');
const results = { lifeboat: [], pipeline: [], lbRestore: [], pipeRestore: [], lbVerify: [], lbQuick: [], sha: [], rss: [], archive: 0, pipeArchive: 0 };
try {
  for (let r = 0; r < reps; r += 1) {
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    execFileSync('sync');
    // Lifeboat backup (its verification after writing is timed separately below, as it rereads everything).
    const home = join(work, 'home');
    const sources = ['--sqlite', join(root, 'app.db'), '--postgres', pg.url('benchdb'), '--dir', join(root, 'tree')];
    const lb = time(() => lifeboatBackup(home, sources, ['--no-verify']));
    results.rss.push(lb.out.rssMb);
    results.lifeboat.push(lb.ms);
    const archive = lb.out.result.path;
    results.archive = lb.out.result.size;
    // The shell pipeline.
    const pipe = time(() => {
      execFileSync('sqlite3', [join(root, 'app.db'), `.backup ${join(work, 'app.sqlite')}`]);
      execFileSync(join(PG_BIN, 'pg_dump'), [...pgArgs, '-Fc', '-f', join(work, 'benchdb.pgdump'), 'benchdb'], { env: pgEnv });
      execFileSync('zip', ['-q', '-r', `-${LEVEL}`, join(work, 'pipeline.zip'), 'tree', '-x', 'work/*'], { cwd: root });
      execFileSync('zip', ['-q', '-j', `-${LEVEL}`, join(work, 'pipeline.zip'), join(work, 'app.sqlite'), join(work, 'benchdb.pgdump')]);
      execFileSync('sha256sum', [join(work, 'pipeline.zip')]);
    });
    results.pipeline.push(pipe.ms);
    results.pipeArchive = statSync(join(work, 'pipeline.zip')).size;
    // Verify: deep (every entry re-hashed, SQLite integrity_check) and quick (whole-file checksum), against sha256sum.
    results.lbVerify.push(time(() => run(['--home', home, 'verify', archive])).ms);
    results.lbQuick.push(time(() => run(['--home', home, 'verify', archive, '--quick'])).ms);
    results.sha.push(time(() => execFileSync('sha256sum', [archive])).ms);
    execFileSync('sync');
    // Restore to fresh places; the pipeline unzips, restores the dump into a new database and copies the SQLite file.
    const lbDb = `lb_${r}`;
    const pipeDb = `pipe_${r}`;
    results.lbRestore.push(
      time(() => run(['--home', home, 'restore', archive, '--to-dir', join(work, 'lb-tree'), '--to-sqlite', join(work, 'lb.db'), '--to-postgres', pg.url(lbDb)], pgEnv)).ms,
    );
    execFileSync('sync');
    results.pipeRestore.push(
      time(() => {
        execFileSync('unzip', ['-q', join(work, 'pipeline.zip'), '-d', join(work, 'pipe-out')]);
        execFileSync(join(PG_BIN, 'createdb'), [...pgArgs, pipeDb], { env: pgEnv });
        execFileSync(join(PG_BIN, 'pg_restore'), [...pgArgs, '-d', pipeDb, join(work, 'pipe-out', 'benchdb.pgdump')], { env: pgEnv });
        execFileSync('cp', [join(work, 'pipe-out', 'app.sqlite'), join(work, 'pipe.db')]);
      }).ms,
    );
    // Completeness: every row and every file came back, byte for byte.
    const rows = new Database(join(work, 'lb.db'), { readonly: true }).prepare('SELECT count(*) AS n FROM events').get().n;
    if (rows !== scale.rows + 20_000) throw new Error(`restored ${rows} SQLite rows, expected ${scale.rows + 20_000}`);
    for (const db of [lbDb, pipeDb]) {
      const n = Number(pg.psql(db, 'SELECT count(*) FROM events').trim());
      if (n !== scale.pgRows) throw new Error(`restored ${n} PostgreSQL rows into ${db}, expected ${scale.pgRows}`);
    }
    const sums = (dir) => execFileSync('sh', ['-c', 'find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (sums(join(work, 'lb-tree')) !== sums(join(root, 'tree'))) throw new Error('the restored tree differs from the source (sha256 of every file)');
    for (const db of [lbDb, pipeDb]) pg.psql('postgres', `DROP DATABASE ${db}`);
  }

  // IPC round trips to the real handlers while a backup (with its verification) runs.
  const ipcHome = join(work, 'ipc-home');
  const ipc = JSON.parse(execFileSync(process.execPath, [join(process.cwd(), 'out', 'bench', 'bench', 'ipc-latency.js'), ipcHome, join(root, 'app.db'), join(root, 'tree')], { encoding: 'utf8' }));

  // A 1 GB SQLite database, backed up and verified (the default: verification after writing).
  let big = null;
  const gb = Number(values['sqlite-gb']);
  if (gb > 0) {
    const file = join(dataRoot, `sqlite-${gb}gb`, 'big.db');
    try {
      statSync(`${file}.READY`);
    } catch {
      rmSync(join(dataRoot, `sqlite-${gb}gb`), { recursive: true, force: true });
      mkdirSync(join(dataRoot, `sqlite-${gb}gb`), { recursive: true });
      makeSqlite(file, Math.round(gb * 5_000_000));
      writeFileSync(`${file}.READY`, '');
    }
    const t = time(() => lifeboatBackup(join(work, 'big-home'), ['--sqlite', file]));
    big = { gb: statSync(file).size / 1e9, seconds: t.ms / 1000, rssMb: t.out.rssMb, verified: t.out.result.verifiedAt !== null };
  }

  const m = (k) => median(results[k]);
  const mb = dataBytes / 1024 / 1024;
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`scale=${values.scale} data=${mb.toFixed(0)} MiB (SQLite ${(statSync(join(root, 'app.db')).size / 1048576).toFixed(0)} MiB, PostgreSQL ${(pgBytes / 1048576).toFixed(0)} MiB, folder ${readdirSync(join(root, 'tree')).length} top-level entries) reps=${reps} medians`);
  console.log(`compression: deflate level ${LEVEL} for both; archives ${(results.archive / 1048576).toFixed(1)} MiB (Lifeboat) vs ${(results.pipeArchive / 1048576).toFixed(1)} MiB (pipeline)`);
  console.log(`backup   lifeboat ${s(m('lifeboat'))} (${(mb / (m('lifeboat') / 1000)).toFixed(0)} MB/s)  pipeline ${s(m('pipeline'))} (${(mb / (m('pipeline') / 1000)).toFixed(0)} MB/s)`);
  console.log(`restore  lifeboat ${s(m('lbRestore'))} (checksum, pre-flight, staging, integrity_check and post-checks included)  pipeline ${s(m('pipeRestore'))}`);
  console.log(`verify   lifeboat deep ${s(m('lbVerify'))}, quick ${s(m('lbQuick'))} (${(results.archive / 1048576 / (m('lbQuick') / 1000)).toFixed(0)} MB/s)  sha256sum ${s(m('sha'))} (${(results.archive / 1048576 / (m('sha') / 1000)).toFixed(0)} MB/s); quick_verify_ratio=${(m('sha') / m('lbQuick')).toFixed(2)}`);
  console.log(`ipc      ${ipc.calls} round trips during a ${s(ipc.backupMs)} backup: p50 ${ipc.p50.toFixed(2)} ms, p99 ${ipc.p99.toFixed(2)} ms, max ${ipc.max.toFixed(2)} ms`);
  if (big) console.log(`sqlite   ${big.gb.toFixed(2)} GB database backed up and verified in ${big.seconds.toFixed(1)} s (peak RSS ${big.rssMb.toFixed(0)} MB, verified=${big.verified})`);
  console.log(`backup_ratio=${(m('lifeboat') / m('pipeline')).toFixed(2)} restore_ratio=${(m('lbRestore') / m('pipeRestore')).toFixed(2)} verify_ratio=${(m('sha') / m('lbVerify')).toFixed(2)} peak_rss_mb=${Math.max(...results.rss).toFixed(0)}`);
} finally {
  pg.stop();
}
