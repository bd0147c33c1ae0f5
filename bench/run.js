// Lifeboat benchmark: Lifeboat's backup, verify and restore against the shell pipeline a sysadmin
// would write (sqlite3 .backup + zip -r -6 + sha256sum; unzip + copy), on the same generated data.
// Usage: npm run bench -- [--scale small|large] [--reps N]
// Prints the figures and a last line: backup_ratio=… restore_ratio=… verify_ratio=… peak_rss_mb=…
import Database from 'better-sqlite3';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { scale: { type: 'string', default: 'small' }, reps: { type: 'string', default: '3' } } });
const SCALES = { small: { rows: 400_000, smallFiles: 20_000, bigFiles: 1, bigMb: 100, csvMb: 20 }, large: { rows: 4_000_000, smallFiles: 20_000, bigFiles: 6, bigMb: 150, csvMb: 200 } };
const scale = SCALES[values.scale];
if (!scale) throw new Error(`--scale must be small or large, not ${values.scale}`);
const reps = Number(values.reps);
const root = join(process.cwd(), 'bench', '.data', values.scale);
const cli = join(process.cwd(), 'bin', 'lifeboat.js');

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
  // Deterministic pseudo-random content (seeded by index), so runs compare like with like.
  const seeded = (i, n) => createHash('sha256').update(String(i)).digest().toString('hex').repeat(Math.ceil(n / 64)).slice(0, n);
  const db = new Database(join(root, 'app.db'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, body TEXT, payload BLOB); CREATE INDEX events_kind ON events(kind)');
  const ins = db.prepare('INSERT INTO events (kind, body, payload) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < scale.rows; i += 1) ins.run(`k${i % 50}`, `event ${i} ${seeded(i, 120)}`, i % 10 === 0 ? randomBytes(256) : null);
  })();
  // (Closing the last connection checkpoints the WAL; the WAL-only case is proven in the tests.)
  db.transaction(() => {
    for (let i = 0; i < 20_000; i += 1) ins.run('wal-only', `in the wal ${i}`, null);
  })();
  db.close();
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

function time(fn) {
  const t = process.hrtime.bigint();
  const out = fn();
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, out };
}

function du(path) {
  return Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

generate();
const dataBytes = du(join(root, 'tree')) + statSync(join(root, 'app.db')).size;
const work = join(root, 'work');
const results = { lifeboat: [], pipeline: [], lbRestore: [], pipeRestore: [], lbVerify: [], sha: [], rss: [] };
for (let r = 0; r < reps; r += 1) {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  // Lifeboat backup (verification after writing is timed separately below, as it would double the read).
  const home = join(work, 'home');
  const lb = time(() =>
    spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, cli, '--home', home, 'backup', '--sqlite', join(root, 'app.db'), '--dir', join(root, 'tree'), '--no-verify', '--json'], { encoding: 'utf8' }),
  );
  if (lb.out.status !== 0) throw new Error(`lifeboat backup failed: ${lb.out.stdout}${lb.out.stderr}`);
  results.rss.push(Number(lb.out.stderr.trim().split('\n').pop()) / 1024);
  results.lifeboat.push(lb.ms);
  const archive = JSON.parse(lb.out.stdout).path;
  // The shell pipeline.
  const pipe = time(() => {
    execFileSync('sqlite3', [join(root, 'app.db'), `.backup ${join(work, 'app.sqlite')}`]);
    execFileSync('zip', ['-q', '-r', '-6', join(work, 'pipeline.zip'), 'tree', '-x', 'work/*'], { cwd: root });
    execFileSync('zip', ['-q', '-j', join(work, 'pipeline.zip'), join(work, 'app.sqlite')]);
    execFileSync('sha256sum', [join(work, 'pipeline.zip')]);
  });
  results.pipeline.push(pipe.ms);
  // Verify: Lifeboat re-hashes the archive and every entry; the baseline is sha256sum of the archive.
  results.lbVerify.push(time(() => execFileSync(process.execPath, [cli, '--home', home, 'verify', archive])).ms);
  results.sha.push(time(() => execFileSync('sha256sum', [archive])).ms);
  // Restore to a fresh place; the pipeline unzips and copies the database into place.
  results.lbRestore.push(time(() => execFileSync(process.execPath, [cli, '--home', home, 'restore', archive, '--to-dir', join(work, 'lb-tree'), '--to-sqlite', join(work, 'lb.db')])).ms);
  results.pipeRestore.push(
    time(() => {
      execFileSync('unzip', ['-q', join(work, 'pipeline.zip'), '-d', join(work, 'pipe-out')]);
      execFileSync('cp', [join(work, 'pipe-out', 'app.sqlite'), join(work, 'pipe.db')]);
    }).ms,
  );
  // Completeness: every row and file came back.
  const rows = new Database(join(work, 'lb.db'), { readonly: true }).prepare('SELECT count(*) AS n FROM events').get().n;
  if (rows !== scale.rows + 20_000) throw new Error(`restored ${rows} rows, expected ${scale.rows + 20_000}`);
  const files = execFileSync('find', [join(work, 'lb-tree'), '-type', 'f'], { encoding: 'utf8', maxBuffer: 1 << 28 }).trim().split('\n').length;
  const srcFiles = execFileSync('find', [join(root, 'tree'), '-type', 'f'], { encoding: 'utf8', maxBuffer: 1 << 28 }).trim().split('\n').length;
  if (files !== srcFiles) throw new Error(`restored ${files} files, expected ${srcFiles}`);
}
const m = (k) => median(results[k]);
const mb = dataBytes / 1024 / 1024;
console.log(`scale=${values.scale} data=${mb.toFixed(0)} MiB (${readdirSync(join(root, 'tree')).length} top-level entries) reps=${reps} compression level 6 (both)`);
console.log(`backup   lifeboat ${(m('lifeboat') / 1000).toFixed(2)} s (${(mb / (m('lifeboat') / 1000)).toFixed(0)} MB/s)  pipeline ${(m('pipeline') / 1000).toFixed(2)} s`);
console.log(`restore  lifeboat ${(m('lbRestore') / 1000).toFixed(2)} s (verify + safety checks included)  pipeline ${(m('pipeRestore') / 1000).toFixed(2)} s`);
console.log(`verify   lifeboat ${(m('lbVerify') / 1000).toFixed(2)} s  sha256sum ${(m('sha') / 1000).toFixed(2)} s`);
console.log(`backup_ratio=${(m('lifeboat') / m('pipeline')).toFixed(2)} restore_ratio=${(m('lbRestore') / m('pipeRestore')).toFixed(2)} verify_ratio=${(m('sha') / m('lbVerify')).toFixed(2)} peak_rss_mb=${Math.max(...results.rss).toFixed(0)}`);
