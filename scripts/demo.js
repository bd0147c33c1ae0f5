// A demo for machines without a display: make a live WAL-mode SQLite database and a folder tree,
// back them up with the `lifeboat` CLI, then list, inspect and verify the backup.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(process.cwd(), '.demo');
rmSync(root, { recursive: true, force: true });
const data = join(root, 'data');
for (const org of ['acme', 'globex']) {
  const dir = join(data, org, 'studies', 'study-1', 'source_data', '20240823_143022');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'measurements.csv'), 'id,value\n' + Array.from({ length: 2000 }, (_, i) => `${i},${Math.sin(i)}`).join('\n'));
  writeFileSync(join(dir, 'measurements_metadata.json'), JSON.stringify({ org, rows: 2000 }));
}
const db = new Database(join(root, 'app.db'));
db.pragma('journal_mode = WAL');
db.pragma('wal_autocheckpoint = 0'); // every row stays in app.db-wal: a file copy would lose them all
db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT)');
db.prepare('INSERT INTO users (email) VALUES (?)').run('admin@example.com');
const ins = db.prepare('INSERT INTO events (body) VALUES (?)');
db.transaction(() => { for (let i = 0; i < 10000; i += 1) ins.run(`event ${i}`); })();

const home = join(root, 'home');
const cli = (...args) => {
  process.stdout.write(`\n$ lifeboat ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, ['bin/lifeboat.js', '--home', home, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
cli('backup', '--sqlite', join(root, 'app.db'), '--dir', data, '--description', 'demo backup');
cli('list');
const id = JSON.parse(spawnSync(process.execPath, ['bin/lifeboat.js', '--home', home, 'list', '--json'], { encoding: 'utf8' }).stdout).rows[0].id;
cli('info', id);
cli('verify', id);
cli('audit', 'verify');
db.close();
process.stdout.write(`\nThe demo lives in ${root}; its catalog is ${join(home, 'catalog.sqlite')}.\n`);
