import { formatDateTime } from '../../../src-shared/domain/format.js';
import type { LifeboatEngine } from '../../engine/lifeboat-engine.js';
import { rebuildFromRemote } from '../../engine/remote/remote-fetch.js';
import { EXIT, printJson, table, type Io } from '../output.js';
import { remoteContext, remoteSpecFromFlags, type RemoteFlags } from './remote.js';

/** `doctor --rebuild-from URL`: the per-host view of a remote, and the rows it registered. */
export async function rebuildCommand(engine: LifeboatEngine, f: RemoteFlags & { rebuildFrom?: string; host?: string; dryRun?: boolean }, io: Io, json: boolean): Promise<number> {
  const spec = remoteSpecFromFlags(f.rebuildFrom ?? '', f);
  const r = await rebuildFromRemote(engine.env, spec, { dryRun: Boolean(f.dryRun), ...(f.host ? { host: f.host } : {}) }, remoteContext(io, json));
  const problems = r.entries.filter((e) => e.verdict === 'problem').length;
  if (json) {
    printJson(io, { ok: problems === 0, ...r });
    return problems === 0 ? EXIT.ok : EXIT.failed;
  }
  io.out(`Remote ${r.remoteId}${r.dryRun ? ' (dry run: nothing registered)' : ''}:\n`);
  io.out(
    table(
      ['HOST', 'PROFILE', 'CREATED', 'BACKUP', 'NAME', 'VERDICT'],
      r.entries.map((e) => [e.host ?? '-', e.profile ?? '-', e.createdAt ? formatDateTime(e.createdAt) : '-', e.backupId?.slice(0, 8) ?? '-', e.name, `${e.verdict}${e.detail ? `: ${e.detail}` : ''}`]),
    ),
  );
  for (const h of r.hosts) io.out(`  ${h.host}: ${h.backups} backup(s)\n`);
  return problems === 0 ? EXIT.ok : EXIT.failed;
}
