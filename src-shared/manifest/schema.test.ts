import { describe, expect, it } from 'vitest';
import { extensionOf, parseManifest } from './schema.js';

const entry = { path: 'files/docs/a.txt', kind: 'file', source: 'docs', size: 3, sha256: 'a'.repeat(64), mode: 0o644, mtime: '2026-11-01T00:00:00.000Z' };
const valid = {
  formatVersion: 1,
  app: { name: 'lifeboat', version: '0.1.0' },
  backupId: '8923b851-c3b5-4451-8cab-fa0877288be8',
  createdAt: '2026-11-22T07:36:55.000Z',
  host: 'srv1',
  user: 'root',
  type: 'files',
  format: 'zip',
  trigger: 'MANUAL',
  profile: null,
  description: '',
  tools: { node: '20.20.2' },
  sources: [{ kind: 'folder', name: 'docs', path: '/srv/docs', prefix: 'files/docs/', include: [], exclude: [], gitignore: false, files: 1, directories: 0, symlinks: 0, bytes: 3, skipped: [] }],
  entries: [entry],
  totals: { files: 1, directories: 0, symlinks: 0, bytes: 3, rows: 0 },
  fileTypes: [{ ext: 'txt', count: 1, bytes: 3 }],
};

describe('manifest schema', () => {
  it('accepts a well-formed manifest', () => {
    expect(parseManifest(valid, 'x.zip').backupId).toBe(valid.backupId);
  });

  it.each([
    ['a newer format version', { formatVersion: 2 }, 'formatVersion'],
    ['a lowercase enum value', { trigger: 'manual' }, 'trigger'],
    ['totals that disagree with the entries', { totals: { ...valid.totals, bytes: 4 } }, 'totals.bytes is 4'],
    ['duplicate entries', { entries: [entry, entry], totals: { ...valid.totals, files: 2, bytes: 6 } }, 'duplicate entry'],
    ['a file without sha256', { entries: [{ ...entry, sha256: undefined }] }, 'has no sha256'],
    ['a source name that is not a safe path segment', { sources: [{ ...valid.sources[0], name: '../etc' }] }, 'sources.0.name'],
  ])('rejects %s, naming the archive and the field', (_label, patch, fragment) => {
    expect(() => parseManifest({ ...valid, ...patch }, 'x.zip')).toThrow(expect.objectContaining({ code: 'ARCHIVE_INVALID', message: expect.stringContaining(fragment) }));
    expect(() => parseManifest({ ...valid, ...patch }, 'x.zip')).toThrow(/x\.zip/);
  });

  it('derives lower-case extensions, ignoring dotfiles', () => {
    expect(extensionOf('files/a/B.PARQUET')).toBe('parquet');
    expect(extensionOf('files/a/.gitignore')).toBe('');
    expect(extensionOf('files/a.d/Makefile')).toBe('');
  });
});
