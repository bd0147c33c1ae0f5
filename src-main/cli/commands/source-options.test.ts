import { describe, expect, it } from 'vitest';
import { pgRestoreFromFlags, sourcesFromFlags } from './source-options.js';

describe('PostgreSQL source and restore flags (issue 13)', () => {
  it('builds whole-server sources, limited to a list, with the dump options on every PostgreSQL source', () => {
    expect(sourcesFromFlags({ postgres: ['postgres:///a'], postgresServer: ['postgres:///postgres'], postgresDatabases: 'app, crm', pgExcludeTableData: ['logs'] })).toEqual([
      { kind: 'postgres', url: 'postgres:///a', dump: { excludeTableData: ['logs'] } },
      { kind: 'postgres', url: 'postgres:///postgres', databases: ['app', 'crm'], dump: { excludeTableData: ['logs'] } },
    ]);
    expect(sourcesFromFlags({ postgresServer: ['host=/run/postgresql'] })).toEqual([{ kind: 'postgres', url: 'host=/run/postgresql', databases: 'all' }]);
  });

  it('refuses patterns that start with "-", databases without a server, and bad restore choices', () => {
    expect(() => sourcesFromFlags({ postgres: ['postgres:///a'], pgTable: ['-n'] })).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => sourcesFromFlags({ postgresDatabases: 'app' })).toThrow(/needs --postgres-server/);
    expect(() => sourcesFromFlags({ postgresServer: ['postgres:///x'], postgresDatabases: 'ok,-bad' })).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => pgRestoreFromFlags({ pgJobs: '0' })).toThrow(/--pg-jobs/);
    expect(() => pgRestoreFromFlags({ pgJobs: '2; rm' })).toThrow(/--pg-jobs/);
    expect(() => pgRestoreFromFlags({ pgSection: ['data'] })).toThrow(/pre-data/);
    expect(pgRestoreFromFlags({ toPostgresServer: 'postgres:///postgres', pgNewDatabase: true, pgNoOwner: true, pgSection: ['pre-data', 'data'], pgJobs: '4' })).toEqual({
      toPostgresServer: 'postgres:///postgres',
      pg: { mode: 'new', noOwner: true, sections: ['pre-data', 'data'], jobs: 4 },
    });
  });
});
