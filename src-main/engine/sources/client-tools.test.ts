import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lifeboat } from '../../../test-support/cli.js';
import { PG_BIN } from '../../../test-support/pg-cluster.js';
import { tempDir } from '../../../test-support/temp-dir.js';

describe('lifeboat doctor reports the client tools of each database source kind', () => {
  it.skipIf(!existsSync('/usr/bin/mariadb-dump') || !existsSync(join(PG_BIN, 'pg_dump')))('lists each tool with its path and version, and a missing one with how to install it', async () => {
    const home = await tempDir();
    const env = { ...process.env, LIFEBOAT_PG_DUMP: join(PG_BIN, 'pg_dump'), LIFEBOAT_PG_RESTORE: join(PG_BIN, 'pg_restore'), LIFEBOAT_MYSQL: join(home, 'no-such-client') };
    delete (env as Record<string, string | undefined>).LIFEBOAT_MYSQL_DUMP;
    const r = await lifeboat(['--home', home, 'doctor', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const tools = r.json<{ tools: { kind: string; tool: string; path: string | null; version: string | null; problem: string | null }[] }>().tools;
    expect(tools.find((t) => t.tool === 'pg_dump')).toMatchObject({ kind: 'postgres', path: join(PG_BIN, 'pg_dump'), version: expect.stringMatching(/^\d+\.\d+/) });
    expect(tools.find((t) => t.tool === 'pg_dumpall')).toMatchObject({ kind: 'postgres', path: join(PG_BIN, 'pg_dumpall'), version: expect.stringMatching(/^\d+\.\d+/) });
    expect(tools.find((t) => t.tool.startsWith('mariadb-dump'))).toMatchObject({ kind: 'mysql', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(tools.find((t) => t.tool.startsWith('mariadb /'))).toMatchObject({ kind: 'mysql', path: null, problem: expect.stringMatching(/apt install mariadb-client/) });
    const text = await lifeboat(['--home', home, 'doctor'], { env });
    expect(text.stdout).toMatch(/postgres tool pg_dump: .*pg_dump \(\d+\.\d+\)/);
  });
});
