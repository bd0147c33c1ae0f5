import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifeboat } from '../../../test-support/cli.js';
import { request, testEngine } from '../../../test-support/engine.js';
import { mariadbUnavailableReason, startMariaDb, type MariaDbServer } from '../../../test-support/mariadb-server.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { createHash } from 'node:crypto';
import { readAll, walkArchive } from '../archive/archive-reader.js';
import { writeRawZip } from '../../../test-support/raw-zip.js';
import { parseMysqlUrl } from './mysql-conn.js';
import { dumpMysql, readWholeMysqlDump } from './mysql-source.js';

const reason = mariadbUnavailableReason();

/** Tricky data: utf8mb4 text and emoji, BLOBs (every byte value), JSON, DECIMAL, dates, NULLs, a view, a trigger, a procedure, an event. */
const SCHEMA = `
CREATE TABLE people (
  id INT PRIMARY KEY AUTO_INCREMENT,
  name VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
  photo LONGBLOB NULL,
  prefs JSON NULL,
  balance DECIMAL(20,6) NULL,
  born DATE NULL,
  seen DATETIME(6) NULL,
  note TEXT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE audit (id INT PRIMARY KEY AUTO_INCREMENT, person INT, what VARCHAR(50)) ENGINE=InnoDB;
CREATE TABLE \`odd\`\`name; x\` (k VARCHAR(20) PRIMARY KEY, v VARCHAR(50)) ENGINE=InnoDB;
INSERT INTO \`odd\`\`name; x\` VALUES ('a', 'semi;colon'), ('b', 'paren ( and ) and ''quote'''), ('c', 'back\\\\slash'), ('d', NULL);
CREATE VIEW rich AS SELECT id, name, balance FROM people WHERE balance > 100;
DELIMITER ;;
CREATE TRIGGER people_ai AFTER INSERT ON people FOR EACH ROW INSERT INTO audit (person, what) VALUES (NEW.id, 'insert');;
CREATE PROCEDURE add_person(IN n VARCHAR(200))
BEGIN
INSERT INTO \`people\` (name) VALUES (n);
END;;
DELIMITER ;
CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM audit WHERE id < 0;
`;

const SEED = `
INSERT INTO people (name, photo, prefs, balance, born, seen, note)
SELECT CONCAT('Zoë 😀 日本語 ', seq, ' it''s (fine), really'), UNHEX(REPEAT(LPAD(HEX(seq % 256), 2, '0'), 1 + seq % 7)),
  JSON_OBJECT('i', seq, 'emoji', '🚀', 'nested', JSON_ARRAY(1, 'two', NULL)),
  seq * 12345.678901, DATE_ADD('1970-01-01', INTERVAL seq DAY), TIMESTAMP('2024-02-29 12:34:56.123456'),
  IF(seq % 3 = 0, NULL, 'line1\\nline2\\ttab \\\\ back')
FROM seq_1_to_300;
INSERT INTO people (name, photo) VALUES ('all bytes', (SELECT GROUP_CONCAT(CHAR(seq) SEPARATOR '') FROM seq_0_to_255));
INSERT INTO people (name) VALUES ('INSERT INTO \`people\` VALUES (1),(2);');
`;

/** A digest of everything the round trip must keep. */
const DIGEST = `
SELECT CONCAT_WS('|',
  (SELECT COUNT(*) FROM people), (SELECT MD5(GROUP_CONCAT(CONCAT_WS(',', id, name, HEX(photo), prefs, balance, born, seen, IFNULL(note, 'NULL')) ORDER BY id SEPARATOR ';')) FROM people),
  (SELECT COUNT(*) FROM audit), (SELECT MD5(GROUP_CONCAT(CONCAT_WS(',', k, IFNULL(v, 'NULL')) ORDER BY k)) FROM \`odd\`\`name; x\`),
  (SELECT COUNT(*) FROM rich),
  (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()),
  (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()),
  (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()));
`;

describe.skipIf(reason !== null)(`MariaDB sources against a real server${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let db: MariaDbServer;
  beforeAll(async () => {
    db = await startMariaDb();
  }, 120_000);
  afterAll(async () => {
    await db?.stop();
  });

  function seeded(name: string): string {
    db.sql(null, `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
    db.sql(name, SCHEMA);
    db.sql(name, SEED);
    return db.sql(name, DIGEST).trim();
  }

  it('dumps with mariadb-dump, records versions and per-table rows counted in the dump, and the dump is whole', async () => {
    seeded('shop');
    const dir = await tempDir();
    const file = join(dir, 'shop.sql');
    const r = await dumpMysql('shop', db.url('shop'), file, { allowEmpty: false });
    expect(r).toMatchObject({ kind: 'mysql', database: 'shop', entry: 'databases/shop.sql', url: `mysql://lbtest@127.0.0.1:${db.port}/shop` });
    expect(r.serverVersion).toMatch(/MariaDB/);
    expect(r.dumpToolVersion).toMatch(/^(mariadb-dump|mysqldump) \d+\.\d+/);
    expect(Object.fromEntries(r.tables.map((t) => [t.name, t.rows]))).toEqual({ people: 302, audit: 302, 'odd`name; x': 4 });
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/-- Dump completed\s*$/);
    expect(text).not.toContain(db.password);
  });

  it('a dump cut short (no trailer) is not whole, whatever the exit code said', async () => {
    seeded('cut');
    const dir = await tempDir();
    const file = join(dir, 'cut.sql');
    await dumpMysql('cut', db.url('cut'), file, { allowEmpty: false });
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.slice(0, Math.floor(text.length * 0.6)));
    expect(await readWholeMysqlDump(file)).toMatchObject({ ok: false, reason: expect.stringMatching(/cut short/) });
    // A truncated tool: a wrapper that writes the real dump and then cuts it, exiting 0.
    const wrapper = join(dir, 'mariadb-dump');
    await writeFile(wrapper, `#!/bin/sh\nfor a in "$@"; do case "$a" in --result-file=*) f="\${a#--result-file=}";; esac; done\n/usr/bin/mariadb-dump "$@" || exit $?\n[ -n "$f" ] && truncate -s -200 "$f"\nexit 0\n`);
    await chmod(wrapper, 0o755);
    process.env.LIFEBOAT_MYSQL_DUMP = wrapper;
    try {
      await expect(dumpMysql('cut', db.url('cut'), join(dir, 'again.sql'), { allowEmpty: false })).rejects.toMatchObject({ code: 'MYSQL_DUMP_FAILED', message: expect.stringMatching(/not whole/) });
    } finally {
      delete process.env.LIFEBOAT_MYSQL_DUMP;
    }
  });

  it('typed errors: wrong password, no password (saying where it looked), missing database, unreachable server, missing tool', async () => {
    seeded('errs');
    const dir = await tempDir();
    const f = join(dir, 'x.sql');
    const ctx = { allowEmpty: false };
    await expect(dumpMysql('e', db.url('errs', 'wrong'), f, ctx)).rejects.toMatchObject({ code: 'MYSQL_AUTH_FAILED', message: expect.stringMatching(/password came from the URL/) });
    const home = process.env.HOME;
    const pwd = process.env.MYSQL_PWD;
    process.env.HOME = dir;
    delete process.env.MYSQL_PWD;
    try {
      await expect(dumpMysql('e', db.url('errs', null), f, ctx)).rejects.toMatchObject({ code: 'MYSQL_AUTH_FAILED', message: expect.stringMatching(/MYSQL_PWD.*\.my\.cnf/) });
      // ~/.my.cnf is read the way the client reads it (quoted value with escapes).
      await writeFile(join(dir, '.my.cnf'), `[client]\npassword="${db.password.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"\n`, { mode: 0o600 });
      expect((await dumpMysql('e', db.url('errs', null), f, ctx)).totalRows).toBeGreaterThan(0);
    } finally {
      process.env.HOME = home;
      if (pwd !== undefined) process.env.MYSQL_PWD = pwd;
    }
    await expect(dumpMysql('e', db.url('nope'), f, ctx)).rejects.toMatchObject({ code: 'MYSQL_DATABASE_MISSING' });
    await expect(dumpMysql('e', `mysql://u:p@127.0.0.1:1/errs`, f, ctx)).rejects.toMatchObject({ code: 'MYSQL_UNREACHABLE' });
    await expect(dumpMysql('e', `mysql://u@localhost/errs?socket=${join(dir, 'no.sock')}`, f, ctx)).rejects.toMatchObject({ code: 'MYSQL_UNREACHABLE' });
    process.env.LIFEBOAT_MYSQL_DUMP = join(dir, 'absent-dump');
    try {
      await expect(dumpMysql('e', db.url('errs'), f, ctx)).rejects.toMatchObject({ code: 'MYSQL_TOOL_NOT_FOUND', message: expect.stringMatching(/apt install mariadb-client/) });
    } finally {
      delete process.env.LIFEBOAT_MYSQL_DUMP;
    }
  });

  it('a server newer than the dump tool is MYSQL_TOOL_TOO_OLD before anything is dumped', async () => {
    seeded('newer');
    const dir = await tempDir();
    const fake = join(dir, 'mariadb-dump');
    await writeFile(fake, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "mariadb-dump  Ver 10.19 Distrib 10.3.39-MariaDB, for debian-linux-gnu (x86_64)"; exit 0; fi\nexec /usr/bin/mariadb-dump "$@"\n`);
    await chmod(fake, 0o755);
    process.env.LIFEBOAT_MYSQL_DUMP = fake;
    try {
      await expect(dumpMysql('n', db.url('newer'), join(dir, 'n.sql'), { allowEmpty: false })).rejects.toMatchObject({ code: 'MYSQL_TOOL_TOO_OLD' });
    } finally {
      delete process.env.LIFEBOAT_MYSQL_DUMP;
    }
  });

  it('round trip through the engine: in place and into another database, every row, the view, trigger, procedure and event back', async () => {
    const original = seeded('crm');
    const { engine, out } = await testEngine();
    const b = await engine.backup(request(out, [{ kind: 'mysql', url: db.url('crm'), name: 'crm' }]));
    expect(b.status).toBe('COMPLETED');
    db.sql('crm', 'DELETE FROM people WHERE id > 5; DROP VIEW rich; DROP PROCEDURE add_person;');
    const r = await engine.restore(await engine.resolve(b.id), { toMysql: db.url('crm') });
    expect(db.sql('crm', DIGEST).trim()).toBe(original);
    // Nothing staged or set aside survives the commit.
    expect(db.sql(null, `SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'crm\\_lb\\_%'`).trim()).toBe('0');
    expect(engine.env.catalog.backups.get(r.safetyBackupId ?? '')?.summary?.sources[0]).toMatchObject({ kind: 'mysql', rows: 5 + 302 + 4 });
    await engine.restore(await engine.resolve(b.id), { toMysql: db.url('crm_copy') });
    expect(db.sql('crm_copy', DIGEST).trim()).toBe(original);
    // The procedure restored works, and so does the trigger it fires.
    db.sql('crm_copy', `CALL add_person('after restore 🎉')`);
    expect(db.sql('crm_copy', `SELECT COUNT(*) FROM audit`).trim()).toBe('303');
  }, 120_000);

  it('a restore whose check fails is rolled back: the old database is back as it was', async () => {
    seeded('roll');
    const { engine, out } = await testEngine();
    const b = await engine.backup(request(out, [{ kind: 'mysql', url: db.url('roll'), name: 'roll' }]));
    db.sql('roll', 'DELETE FROM people WHERE id > 250; DELETE FROM audit WHERE id > 250;');
    const before = db.sql('roll', DIGEST).trim();
    await expect(
      engine.restore(await engine.resolve(b.id), { toMysql: db.url('roll'), confirmSmaller: true }, {
        afterStep: (s) => {
          // Someone writes into the database right after the swap: the check sees other rows.
          if (s === 'swapped') db.sql('roll', `INSERT INTO \`odd\`\`name; x\` VALUES ('zz', 'late writer')`);
        },
      }),
    ).rejects.toMatchObject({ code: 'RESTORE_FAILED' });
    expect(db.sql('roll', DIGEST).trim()).toBe(before);
    expect(db.sql(null, `SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'roll\\_lb\\_%'`).trim()).toBe('0');
  }, 120_000);

  it('the CLI: --mysql with the password in the URL, restore --to-mysql; the password is in no argv, catalog, journal or output', async () => {
    const original = seeded('cli');
    const home = await tempDir();
    const argvLog = join(home, 'argv.log');
    const tools = join(home, 'tools');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(tools);
    for (const [env, real] of [['mariadb-dump', '/usr/bin/mariadb-dump'], ['mariadb', '/usr/bin/mariadb']] as const) {
      await writeFile(join(tools, env), `#!/bin/sh\nprintf '%s\\n' "$0 $*" >> '${argvLog}'\nexec '${real}' "$@"\n`);
      await chmod(join(tools, env), 0o755);
    }
    const env = { ...process.env, LIFEBOAT_MYSQL_DUMP: join(tools, 'mariadb-dump'), LIFEBOAT_MYSQL: join(tools, 'mariadb') };
    delete (env as Record<string, string | undefined>).MYSQL_PWD;
    const b = await lifeboat(['--home', home, 'backup', '--mysql', db.url('cli'), '--json'], { env });
    expect(b.code, b.stdout + b.stderr).toBe(0);
    const id = b.json<{ id: string }>().id;
    const r = await lifeboat(['--home', home, 'restore', id, '--to-mysql', db.url('cli_copy'), '--json'], { env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(db.sql('cli_copy', DIGEST).trim()).toBe(original);
    const info = await lifeboat(['--home', home, 'info', id], { env });
    expect(info.stdout).toMatch(/MariaDB\/MySQL mysql:\/\/lbtest@127\.0\.0\.1:\d+\/cli → databases\/cli\.sql, 3 tables, 608 rows/);
    const catalog = await readFile(join(home, 'catalog.sqlite'));
    const argv = await readFile(argvLog, 'utf8');
    expect(argv).toMatch(/--defaults-file=/);
    for (const [where, data] of [['catalog', catalog.toString('latin1')], ['argv', argv], ['output', b.stdout + b.stderr + r.stdout + r.stderr]] as const) {
      expect(data.includes(db.password), `password in ${where}`).toBe(false);
      expect(data.includes(encodeURIComponent(db.password)), `encoded password in ${where}`).toBe(false);
    }
  }, 120_000);

  it('the socket form mysql://user@localhost/db?socket=PATH reaches the same server', async () => {
    seeded('sock');
    const t = parseMysqlUrl(`mysql://lbtest@localhost/sock?socket=${db.socket}`);
    expect(t).toMatchObject({ socket: db.socket, host: 'localhost', database: 'sock' });
    const dir = await tempDir();
    const pwd = process.env.MYSQL_PWD;
    process.env.MYSQL_PWD = db.password;
    try {
      const r = await dumpMysql('sock', `mysql://lbtest@localhost/sock?socket=${encodeURIComponent(db.socket)}`, join(dir, 's.sql'), { allowEmpty: false });
      expect(r.totalRows).toBe(608);
      expect(r.url).toContain('socket=');
    } finally {
      if (pwd === undefined) delete process.env.MYSQL_PWD;
      else process.env.MYSQL_PWD = pwd;
    }
  });

  it('a forged archive whose dump reaches another database (DROP DATABASE) is refused before anything runs', async () => {
    seeded('forge');
    db.sql(null, 'CREATE DATABASE bystander; CREATE TABLE bystander.keep (id INT); INSERT INTO bystander.keep VALUES (1);');
    const { engine, out } = await testEngine();
    const b = await engine.backup(request(out, [{ kind: 'mysql', url: db.url('forge'), name: 'forge' }]));
    const entries: { name: string; data: Buffer; mode: number }[] = [];
    await walkArchive(b.path, 'zip', true, async (e, data) => {
      entries.push({ name: e.kind === 'directory' ? `${e.path}/` : e.path, data: data ? await readAll(data, e.path, 1 << 30) : Buffer.alloc(0), mode: e.mode | (e.kind === 'directory' ? 0o040000 : 0o100000) });
    });
    const dump = entries.find((e) => e.name === 'databases/forge.sql');
    const manifest = entries.find((e) => e.name === 'manifest.json');
    if (!dump || !manifest) throw new Error('archive layout changed');
    dump.data = Buffer.from(dump.data.toString('utf8').replace(/\n-- Dump completed/, '\nDROP DATABASE `bystander`;\n-- Dump completed'));
    const m = JSON.parse(manifest.data.toString()) as { entries: { path: string; size: number; sha256?: string }[]; totals: { bytes: number } };
    const me = m.entries.find((e) => e.path === dump.name);
    if (me) {
      m.totals.bytes += dump.data.length - me.size;
      me.size = dump.data.length;
      me.sha256 = createHash('sha256').update(dump.data).digest('hex');
    }
    manifest.data = Buffer.from(JSON.stringify(m));
    const forged = join(await tempDir(), 'forged.zip');
    await writeRawZip(forged, entries);
    await expect(engine.restore(await engine.resolve(forged), { toMysql: db.url('forge_copy') })).rejects.toMatchObject({ code: 'ARCHIVE_HOSTILE' });
    expect(db.sql(null, 'SELECT COUNT(*) FROM bystander.keep').trim()).toBe('1');
    expect(db.sql(null, `SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'forge\\_%'`).trim()).toBe('0');
  }, 120_000);
});
