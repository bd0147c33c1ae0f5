import { basename, extname } from 'node:path';
import type { SourceSpec } from '../../../src-shared/domain/profile.js';
import { SOURCE_NAME_PATTERN } from '../../../src-shared/manifest/schema.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { parsePgConnString } from './pg-conninfo.js';

/** A source with its final, unique archive name. */
export type NamedSource = SourceSpec & { readonly name: string };

function defaultName(s: SourceSpec): string {
  switch (s.kind) {
    case 'sqlite':
      return basename(s.path, extname(s.path));
    case 'folder':
      return basename(s.path.replace(/[/\\]+$/, '')) || 'root';
    case 'postgres':
      try {
        return parsePgConnString(s.url).dbname || 'postgres';
      } catch {
        return 'postgres';
      }
    case 'mysql':
      try {
        return decodeURIComponent(new URL(s.url).pathname.slice(1)) || 'mysql';
      } catch {
        return 'mysql';
      }
  }
}

function sanitize(raw: string): string {
  const cleaned = raw.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._-]+/, '').slice(0, 56);
  return cleaned || 'source';
}

/**
 * Give every source a unique name that is safe as a path segment: the explicit one (which must
 * be valid and unique), else one derived from the path or database, with `-2`, `-3`... on clashes.
 */
export function assignNames(sources: readonly SourceSpec[]): NamedSource[] {
  const taken = new Set<string>();
  for (const s of sources) {
    if (s.name === undefined) continue;
    if (!SOURCE_NAME_PATTERN.test(s.name)) throw new LifeboatError('USAGE', `Source name "${s.name}" may hold only letters, digits, dot, dash and underscore.`);
    if (taken.has(s.name)) throw new LifeboatError('USAGE', `Two sources are both named "${s.name}"; names must be unique.`);
    taken.add(s.name);
  }
  return sources.map((s) => {
    if (s.name !== undefined) return { ...s, name: s.name };
    const base = sanitize(defaultName(s));
    let name = base;
    for (let i = 2; taken.has(name); i += 1) name = `${base}-${i}`;
    taken.add(name);
    return { ...s, name };
  });
}
