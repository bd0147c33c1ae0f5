import { describe, expect, it } from 'vitest';
import { parseManifest, type ManifestSource } from '../../../src-shared/manifest/schema.js';
import { assertManifestMatches } from './entry-rules.js';

// A whole-server backup's globals file is the one entry a database record may own besides its dump
// (issue 13); a forged manifest must not stretch that to other entries.

const SHA = 'a'.repeat(64);
const NOW = '2026-11-30T04:00:00.000Z';
const server = { name: 'srv', globals: 'databases/srv.globals.sql', roles: ['alice'], tablespaces: [] };
const pgRecord = (name: string, extra: Partial<Extract<ManifestSource, { kind: 'postgres' }>> = {}) => ({
  kind: 'postgres', name, url: `postgres://u@h:5432/${name}`, database: name, entry: `databases/${name}.pgdump`, serverVersion: '15', pgDumpVersion: '15', databaseBytes: 1, tables: [], totalRows: 0, server, ...extra,
});
const entry = (path: string, source: string) => ({ path, kind: 'file', source, size: 1, sha256: SHA, mode: 0o600, mtime: NOW });

function manifest(sources: unknown[], entries: ReturnType<typeof entry>[]) {
  return parseManifest(
    { formatVersion: 1, app: { name: 'lifeboat', version: '0' }, backupId: '00000000-0000-4000-8000-000000000000', createdAt: NOW, host: 'h', user: 'u', type: 'full', format: 'zip', trigger: 'MANUAL', profile: null, description: '', tools: {}, sources, entries, totals: { files: entries.length, directories: 0, symlinks: 0, bytes: entries.length, rows: 0 }, fileTypes: [] },
    'test',
  );
}
const listed = (m: ReturnType<typeof manifest>) => m.entries.map((e) => ({ path: e.path, kind: 'file' as const, size: 1, mode: 0o600, mtime: new Date(NOW) }));

describe('the globals entry of a whole-server backup', () => {
  it('is accepted where the backup puts it: owned by one of the server\'s records', () => {
    const m = manifest([pgRecord('srv.app'), pgRecord('srv.crm')], [entry('databases/srv.app.pgdump', 'srv.app'), entry('databases/srv.crm.pgdump', 'srv.crm'), entry('databases/srv.globals.sql', 'srv.app')]);
    expect(() => assertManifestMatches(m, listed(m))).not.toThrow();
  });

  it('is refused when it names another database source\'s own entry', () => {
    const mysql = { kind: 'mysql', name: 'srv.globals', url: 'mysql://u@h/x', database: 'x', entry: 'databases/srv.globals.sql', serverVersion: '10', dumpToolVersion: 'x', tables: [], totalRows: 0 };
    const m = manifest([pgRecord('srv.app'), mysql], [entry('databases/srv.app.pgdump', 'srv.app'), entry('databases/srv.globals.sql', 'srv.app')]);
    expect(() => assertManifestMatches(m, listed(m))).toThrow(expect.objectContaining({ code: 'ARCHIVE_HOSTILE' }));
  });

  it('is refused when a record claims an entry its server does not name', () => {
    const m = manifest([pgRecord('srv.app')], [entry('databases/srv.app.pgdump', 'srv.app'), entry('databases/other.globals.sql', 'srv.app')]);
    expect(() => assertManifestMatches(m, listed(m))).toThrow(expect.objectContaining({ code: 'ARCHIVE_HOSTILE' }));
    expect(() => manifest([pgRecord('srv.app', { server: { ...server, globals: '../etc/passwd' } })], [])).toThrow(expect.objectContaining({ code: 'ARCHIVE_INVALID' }));
  });
});
