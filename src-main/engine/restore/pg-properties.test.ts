import { describe, expect, it } from 'vitest';
import { retargetDatabaseStatement, splitSql } from './pg-properties.js';

const ident = (s: string): string => `"${s.replace(/"/g, '""')}"`;

describe('database properties from a dump', () => {
  it('keeps a comment holding ; newlines, -- and \\connect inside one statement', () => {
    const sql = `SET lock_timeout = 0;\n\\connect -reuse-previous=on "dbname='x'"\n--\n-- Name: x\n--\nCOMMENT ON DATABASE x IS 'a;\n\\connect evil\n-- b ''c'';';\nGRANT CONNECT ON DATABASE x TO "r;x";\n`;
    expect(splitSql(sql)).toEqual(['SET lock_timeout = 0', `COMMENT ON DATABASE x IS 'a;\n\\connect evil\n-- b ''c'';'`, 'GRANT CONNECT ON DATABASE x TO "r;x"']);
  });

  it('re-aims the dumped database\'s statements at the target and refuses other shapes or databases', () => {
    expect(retargetDatabaseStatement('ALTER DATABASE "Shop x" SET work_mem TO \'8MB\'', 'Shop x', 'shop_lb_1', ident)).toMatchObject({ run: 'ALTER DATABASE "shop_lb_1" SET work_mem TO \'8MB\'' });
    expect(retargetDatabaseStatement('ALTER ROLE r IN DATABASE shop SET search_path TO a', 'shop', 'n', ident)).toMatchObject({ run: 'ALTER ROLE r IN DATABASE "n" SET search_path TO a' });
    expect(retargetDatabaseStatement('REVOKE CONNECT,TEMPORARY ON DATABASE shop FROM PUBLIC', 'shop', 'n', ident)).toMatchObject({ run: 'REVOKE CONNECT,TEMPORARY ON DATABASE "n" FROM PUBLIC' });
    expect(retargetDatabaseStatement('CREATE DATABASE shop WITH TEMPLATE = template0', 'shop', 'n', ident)).toBeNull();
    expect(retargetDatabaseStatement('ALTER DATABASE other OWNER TO r', 'shop', 'n', ident)).toHaveProperty('skip');
    expect(retargetDatabaseStatement('DROP DATABASE shop', 'shop', 'n', ident)).toHaveProperty('skip');
  });
});
