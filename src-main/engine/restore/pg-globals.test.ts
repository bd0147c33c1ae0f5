import { describe, expect, it } from 'vitest';
import { planGlobals } from './pg-globals.js';

describe('planGlobals: only the statement shapes pg_dumpall writes are applied from an archive', () => {
  it('sorts a real globals file into roles, memberships and tablespaces', () => {
    const p = planGlobals(`--\n-- PostgreSQL database cluster dump\n--\n\\restrict abc\nSET default_transaction_read_only = off;\nCREATE ROLE alice;\nALTER ROLE alice WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 7 PASSWORD 'SCRAM-SHA-256$4096:x';\nCREATE ROLE "Bob Two";\nCOMMENT ON ROLE "Bob Two" IS 'it''s bob';\nALTER ROLE alice SET search_path TO app, public;\nGRANT "Bob Two" TO alice GRANTED BY testadmin;\nCREATE TABLESPACE fast OWNER alice LOCATION '/srv/fast';\n\\unrestrict abc\n`);
    expect(p.roles.map((r) => [r.name, r.attrs.length])).toEqual([['alice', 2], ['Bob Two', 1]]);
    expect(p.memberships).toEqual([{ role: 'Bob Two', member: 'alice', sql: 'GRANT "Bob Two" TO alice GRANTED BY testadmin' }]);
    expect(p.tablespaces.map((t) => t.name)).toEqual(['fast']);
    expect(p.refused).toEqual([]);
  });

  it('refuses everything else a hostile archive could put there (other SQL, preload libraries, roles it does not create)', () => {
    const p = planGlobals(
      [
        'CREATE ROLE eve',
        'DROP DATABASE app',
        "ALTER ROLE eve SET session_preload_libraries TO 'evil'",
        'ALTER ROLE postgres WITH NOSUPERUSER',
        "ALTER ROLE eve WITH LOGIN PASSWORD 'x'; DROP TABLE t",
        "CREATE ROLE x; COPY t TO PROGRAM 'sh'",
        'GRANT pg_execute_server_program TO eve, mallory',
        "ALTER ROLE eve WITH SUPERUSER PASSWORD 'x' VALID UNTIL 'infinity' IN ROLE pg_write_server_files",
      ].join(';\n') + ';',
    );
    expect(p.roles.map((r) => r.name)).toEqual(['eve', 'x']);
    expect(p.roles.find((r) => r.name === 'eve')?.attrs).toEqual(["ALTER ROLE eve WITH LOGIN PASSWORD 'x'"]);
    expect(p.refused).toEqual([
      'DROP DATABASE app',
      "ALTER ROLE eve SET session_preload_libraries TO 'evil'",
      'ALTER ROLE postgres WITH NOSUPERUSER',
      'DROP TABLE t',
      "COPY t TO PROGRAM 'sh'",
      'GRANT pg_execute_server_program TO eve, mallory',
      "ALTER ROLE eve WITH SUPERUSER PASSWORD 'x' VALID UNTIL 'infinity' IN ROLE pg_write_server_files",
    ]);
  });
});
