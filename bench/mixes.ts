// The benchmark's data mixes, generated once into bench/.data/<mix> (a READY marker says done).
// Deterministic (seeded text; media is random but only its incompressibility matters), so runs
// compare like with like.
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PgCluster } from '../test-support/pg-cluster.js';

/** One data mix: a folder tree, a WAL-mode SQLite database and a PostgreSQL database. */
export interface Mix {
  readonly name: string;
  readonly describe: string;
  readonly sqliteRows: number;
  readonly pgRows: number;
  /** Rows written after the bulk, in their own transaction (they end up in the WAL or after a checkpoint). */
  readonly walRows: number;
  readonly tree: (root: string) => void;
}

/** Deterministic pseudo-random text of `n` characters, seeded by `i`. */
export const seeded = (i: number, n: number): string =>
  createHash('sha256').update(String(i)).digest().toString('hex').repeat(Math.ceil(n / 64)).slice(0, n);

/** Mix A, the original bench: a big PostgreSQL database, one 100 MiB video, 20k tiny JSON files, 20 MiB CSV. */
const large: Mix = {
  name: 'a',
  describe: 'mix A (large databases, one 100 MiB video, 20k tiny JSON, 20 MiB CSV)',
  sqliteRows: 400_000,
  pgRows: 400_000,
  walRows: 20_000,
  tree: (root) => {
    for (let i = 0; i < 20_000; i += 1) {
      const dir = join(root, `dept-${i % 40}`, `batch-${i % 500}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `doc-${i}.json`), JSON.stringify({ i, text: seeded(i, 300) }));
    }
    writeFileSync(join(root, 'video-0.mp4'), randomBytes(100 * 1024 * 1024));
    const csv = Array.from({ length: 20_000 }, (_, i) => `${i},${seeded(i, 40)},${(i * 1.37).toFixed(2)}`).join('\n');
    for (let written = 0, n = 0; written < 20 * 1024 * 1024; n += 1) {
      writeFileSync(join(root, `export-${n}.csv`), csv);
      written += csv.length;
    }
  },
};

/**
 * Mix B, small compressible files: ~20,000 files (JSON, CSV, logs, 0.3–8 KiB, like an app's data
 * folder), ~45% of the bytes incompressible media, a ~30 MB WAL-mode SQLite and a ~38 MB
 * PostgreSQL database: ~213 MB in all.
 */
const small: Mix = {
  name: 'b',
  describe: 'mix B (20k small JSON/CSV/log files, 45% media, 30 MB SQLite, 38 MB PostgreSQL)',
  sqliteRows: 170_000,
  pgRows: 150_000,
  walRows: 20_000,
  tree: (root) => {
    const kinds = ['json', 'json', 'csv', 'log'] as const;
    for (let i = 0; i < 19_976; i += 1) {
      const dir = join(root, `project-${i % 25}`, `part-${i % 400}`);
      mkdirSync(dir, { recursive: true });
      const kind = kinds[i % kinds.length]!;
      // Sizes spread 0.3–8 KiB, skewed small, ~2.4 KiB on average.
      const n = 300 + ((i * 2654435761) % 7900) * ((i % 3) + 1) / 3;
      const body =
        kind === 'json'
          ? JSON.stringify({ id: i, name: `item ${i}`, tags: ['a', 'b', String(i % 17)], note: seeded(i, n) })
          : kind === 'csv'
            ? Array.from({ length: Math.ceil(n / 48) }, (_, r) => `${r},${i},${seeded(i + r, 24)},${((i + r) * 0.37).toFixed(2)}`).join('\n')
            : Array.from({ length: Math.ceil(n / 80) }, (_, r) => `2026-11-30T04:${String(r % 60).padStart(2, '0')}:00Z INFO worker=${i % 8} request ${seeded(i * 31 + r, 16)} done in ${r % 97} ms`).join('\n');
      writeFileSync(join(dir, `file-${i}.${kind}`), body);
    }
    mkdirSync(join(root, 'media'), { recursive: true });
    for (let i = 0; i < 24; i += 1) writeFileSync(join(root, 'media', `clip-${i}.${i % 2 ? 'jpg' : 'mp4'}`), randomBytes(4 * 1024 * 1024));
  },
};

/** The mixes by name. */
export const MIXES: Readonly<Record<string, Mix>> = { a: large, b: small };

function makeSqlite(file: string, rows: number, walRows: number): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, body TEXT, payload BLOB); CREATE INDEX events_kind ON events(kind)');
  const ins = db.prepare('INSERT INTO events (kind, body, payload) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i += 1) ins.run(`k${i % 50}`, `event ${i} ${seeded(i, 120)}`, i % 10 === 0 ? randomBytes(256) : null);
  })();
  db.transaction(() => {
    for (let i = 0; i < walRows; i += 1) ins.run('wal-only', `in the wal ${i}`, null);
  })();
  db.close();
}

/** Generate the mix's files under `root` unless already there. */
export function generate(mix: Mix, root: string): void {
  const marker = join(root, 'READY');
  try {
    statSync(marker);
    return;
  } catch {
    /* generate */
  }
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'tree'), { recursive: true });
  makeSqlite(join(root, 'app.db'), mix.sqliteRows, mix.walRows);
  mix.tree(join(root, 'tree'));
  writeFileSync(marker, '');
}

/** Create and fill the mix's PostgreSQL database in `pg`. */
export function makePostgres(pg: PgCluster, mix: Mix, db: string): void {
  pg.psql('postgres', `CREATE DATABASE ${db}`);
  pg.psql(
    db,
    `CREATE TABLE events (id bigint PRIMARY KEY, kind text, body text, payload bytea);
     INSERT INTO events SELECT g, 'k' || (g % 50), 'event ' || g || ' ' || md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) || md5((g * 17)::text),
       CASE WHEN g % 10 = 0 THEN decode(repeat(md5(g::text), 16), 'hex') END FROM generate_series(1, ${mix.pgRows}) g;
     CREATE INDEX events_kind ON events(kind); ANALYZE events;`,
  );
}

/** Writes `files` small files (~`bytesEach`) into 1000-file folders under `root`, once (READY marker). */
export function generateMany(root: string, files: number, bytesEach: number): void {
  const marker = join(root, 'READY');
  try {
    statSync(marker);
    return;
  } catch {
    /* generate */
  }
  rmSync(root, { recursive: true, force: true });
  for (let i = 0; i < files; i += 1) {
    const dir = join(root, 'tree', `d${Math.floor(i / 100_000)}`, `d${Math.floor(i / 1000) % 100}`);
    if (i % 1000 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${i}.json`), JSON.stringify({ i, v: seeded(i, Math.max(0, bytesEach - 40)) }));
  }
  writeFileSync(marker, '');
}
