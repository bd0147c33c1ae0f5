import type { SourceSpec } from '../../src-shared/domain/profile.js';
import type { Profile } from '../../src-shared/domain/profile.js';
import type { GrantKind, PathRef } from '../../src-shared/ipc/contract.js';
import { LifeboatError } from '../../src-shared/errors/lifeboat-error.js';
import type { Services } from './services.js';

/** Which grant kinds stand for a source's path. */
const SOURCE_KINDS: Readonly<Record<'folder' | 'sqlite', readonly GrantKind[]>> = { folder: ['folder'], sqlite: ['sqlite', 'sqlite-save', 'file'] };

/**
 * Check every path of a profile or ad-hoc backup: it is the stored profile's own (same role), or a
 * grant in `refs` names it. Returns the grants used, for the caller to consume once it succeeded.
 * A typed path, or a grant for another path or role, is refused before anything is saved.
 */
export function grantedSourcePaths(s: Services, what: string, sources: readonly SourceSpec[], destination: string | null, refs: readonly PathRef[], stored?: Profile): PathRef[] {
  const known = new Set<string>();
  for (const src of stored?.spec.sources ?? []) if (src.kind === 'folder' || src.kind === 'sqlite') known.add(`${src.kind}\0${src.path}`);
  if (stored?.spec.destination) known.add(`destination\0${stored.spec.destination}`);
  const used: PathRef[] = [];
  const need = (role: string, path: string, kinds: readonly GrantKind[]): void => {
    if (known.has(`${role}\0${path}`)) return;
    const ref = refs.find((r) => r.displayPath === path);
    if (!ref) {
      throw new LifeboatError('IPC_REJECTED', `Refused ${what}: the ${role} path ${path.slice(0, 300)} was not chosen in a dialog. Use its "Browse…" button to choose it.`, { path });
    }
    s.grants.peek(ref, kinds, `${what} (${role} ${path.slice(0, 300)})`);
    used.push(ref);
  };
  // Database servers (PostgreSQL, MariaDB/MySQL) are reached by URL, not by a path that is written.
  for (const src of sources) if (src.kind === 'folder' || src.kind === 'sqlite') need(src.kind, src.path, SOURCE_KINDS[src.kind]);
  if (destination) need('destination', destination, ['folder']);
  return used;
}
