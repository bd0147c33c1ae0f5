import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/temp-dir.js';
import { join } from 'node:path';
import { openMysqlSession, parseMysqlUrl } from './mysql-conn.js';
import { readWholeMysqlDump } from './mysql-source.js';

const HEAD = "/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)\n--\n";
const TAIL = '\n-- Dump completed\n';

async function dumpOf(body: string): Promise<string> {
  const dir = await tempDir();
  const file = join(dir, 'd.sql');
  await writeFile(file, HEAD + body + TAIL);
  return file;
}

describe('reading a mariadb-dump file whole, counting its rows', () => {
  it('counts tuples across lines, ignoring ; ( ) and quotes inside values, and INSERTs inside routine bodies', async () => {
    const file = await dumpOf(
      [
        'CREATE TABLE `t` (',
        '  `id` int(11) NOT NULL',
        ') ENGINE=InnoDB;',
        'CREATE TABLE `empty` (`id` int);',
        'CREATE TABLE `we``ird` (`id` int);',
        'INSERT INTO `t` VALUES',
        "(1,'a;b'),",
        "(2,'(x)),('),",
        "(3,'it''s'),",
        "(4,'back\\\\'),",
        "(5,'esc\\'aped; (');",
        "INSERT INTO `t` VALUES (6,NULL),(7,0x28293B);",
        'INSERT INTO `we``ird` VALUES (1);',
        'DELIMITER ;;',
        'CREATE PROCEDURE `p`()',
        'BEGIN',
        'INSERT INTO `t` VALUES (99),(100);',
        'END ;;',
        'DELIMITER ;',
      ].join('\n'),
    );
    expect(await readWholeMysqlDump(file)).toEqual({
      ok: true,
      tool: expect.stringMatching(/^MariaDB/),
      tables: [
        { name: 't', rows: 7 },
        { name: 'empty', rows: 0 },
        { name: 'we`ird', rows: 1 },
      ],
    });
  });

  it('a dump cut inside an INSERT, without its trailer, or without a header is not whole', async () => {
    const cut = await dumpOf('CREATE TABLE `t` (`id` int);\nINSERT INTO `t` VALUES\n(1),');
    const text = await readFile(cut, 'utf8');
    await writeFile(cut, text.replace(TAIL, ''));
    expect(await readWholeMysqlDump(cut)).toMatchObject({ ok: false, reason: expect.stringMatching(/never ends.*cut short/) });
    const noTrailer = await dumpOf('CREATE TABLE `t` (`id` int);');
    await writeFile(noTrailer, (await readFile(noTrailer, 'utf8')).replace(TAIL, '\n-- Dump comp'));
    expect(await readWholeMysqlDump(noTrailer)).toMatchObject({ ok: false, reason: expect.stringMatching(/Dump completed/) });
    const dir = await tempDir();
    await writeFile(join(dir, 'plain.sql'), `SELECT 1;${TAIL}`);
    expect(await readWholeMysqlDump(join(dir, 'plain.sql'))).toMatchObject({ ok: false, reason: expect.stringMatching(/header/) });
    for (const hostile of ['USE `mysql`;', 'CREATE DATABASE `x`;', 'DROP DATABASE `other`;', '\\! touch /tmp/pwned', 'system touch /tmp/pwned', 'source /etc/passwd']) {
      expect(await readWholeMysqlDump(await dumpOf(`CREATE TABLE \`t\` (\`id\` int);\n${hostile}\n`)), hostile).toMatchObject({ ok: false, reason: expect.stringMatching(/beyond one database/) });
    }
  });
});

describe('MariaDB connection URLs and the private option file', () => {
  it('parses TCP and socket forms, keeps the password out of the safe URL, refuses what the tools would misread', () => {
    expect(parseMysqlUrl('mysql://app:p%40ss@db.example:3307/sales')).toMatchObject({ host: 'db.example', port: 3307, user: 'app', password: 'p@ss', database: 'sales', safeUrl: 'mysql://app@db.example:3307/sales' });
    expect(parseMysqlUrl('mysql://app@localhost/sales?socket=/run/mysqld/mysqld.sock')).toMatchObject({ socket: '/run/mysqld/mysqld.sock', port: 3306 });
    expect(() => parseMysqlUrl('mysql://app@h/')).toThrow(/names no database/);
    expect(() => parseMysqlUrl('mysql://app@h/--execute')).toThrow(/starts with "-"/);
    expect(() => parseMysqlUrl('mysql://app@h/db?init-command=x')).toThrow(/not supported/);
    expect(() => parseMysqlUrl('postgres://app@h/db')).toThrow(/mysql:\/\//);
  });

  it.skipIf(!existsSync('/usr/bin/my_print_defaults'))('the option file is 0600 in a 0700 folder and the client reads back exactly the password given, whatever it holds', async () => {
    const password = 'a"b\'c\\d#e;f = g\nh\tend ';
    const s = await openMysqlSession(parseMysqlUrl(`mysql://u@127.0.0.1:3310/db`), { HOME: '/nonexistent', MYSQL_PWD: password });
    try {
      expect((await stat(s.optionFile)).mode & 0o777).toBe(0o600);
      expect((await stat(join(s.optionFile, '..'))).mode & 0o777).toBe(0o700);
      expect(s.passwordFrom).toBe('MYSQL_PWD');
      const printed = execFileSync('/usr/bin/my_print_defaults', [`--defaults-file=${s.optionFile}`, 'client'], { encoding: 'utf8' });
      expect(printed).toContain(`--password=${password}\n`);
      expect(printed).toContain('--host=127.0.0.1\n');
      expect(printed).toContain('--port=3310\n');
    } finally {
      await s.close();
    }
    expect(existsSync(s.optionFile)).toBe(false);
  });
});
