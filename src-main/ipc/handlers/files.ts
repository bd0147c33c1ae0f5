import { basename } from 'node:path';
import type { FilesPlanView, FolderPageView } from '../../../src-shared/ipc/contract.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { ResolvedTarget } from '../../engine/lifeboat-engine.js';
import { BackupTree } from '../../engine/restore/backup-tree.js';
import { compareBackups } from '../../engine/restore/compare.js';
import type { RestorePlan, RestoreRequest } from '../../engine/restore/restore-plan.js';
import { checkSelectionPath } from '../../engine/restore/selection.js';
import { restoreFailed, restoreSucceeded } from '../../engine/notify/outcomes.js';
import type { HandlerGroup } from '../handler.js';
import type { Services } from '../services.js';

/** How many paths of each list a plan carries to the window. */
const PLAN_PATHS = 100;

/**
 * The last trees built (a 300k-entry manifest takes a while to read): opening folder after folder
 * of the same backup reads its manifest once. Keyed by id and checksum, so a replaced archive is
 * read anew; two kept, so comparing or switching back and forth stays quick.
 */
const trees = new Map<string, Promise<BackupTree>>();

function treeOf(s: Services, target: ResolvedTarget): Promise<BackupTree> {
  const key = `${target.record?.id ?? target.path}:${target.record?.sha256 ?? ''}`;
  let tree = trees.get(key);
  if (!tree) {
    tree = s.engine.manifestOf(target).then((m) => new BackupTree(m));
    tree.catch(() => trees.delete(key));
    trees.set(key, tree);
    while (trees.size > 2) trees.delete(trees.keys().next().value ?? '');
  }
  return tree;
}

function byId(s: Services, id: string): ResolvedTarget {
  const record = s.engine.record(id);
  return { path: record.path, record };
}

/** The engine's request: each ticked path is one exact path (`source=path`); the folder comes from its grant. */
function toRequest(s: Services, p: { select: readonly { source: string; path: string }[]; toDir?: { token: string; displayPath: string } | undefined }, safetyBackup = true): RestoreRequest {
  return {
    only: p.select.map((x) => `${x.source}=${x.path}`),
    ...(p.toDir ? { toDir: s.grants.peek(p.toDir, ['folder'], 'the folder to restore the files into') } : {}),
    safetyBackup,
    page: { offset: 0, limit: PLAN_PATHS },
  };
}

function planView(plan: RestorePlan): FilesPlanView {
  return {
    backupName: basename(plan.archive),
    checksumOk: plan.checksumOk,
    targets: plan.targets.flatMap((t) => {
      const sel = t.selection;
      if (!sel) return [];
      const c = t.changes;
      return [
        {
          source: t.source,
          target: t.target,
          exists: t.exists,
          selected: { count: sel.roots.length, files: sel.files, bytes: sel.bytes, paths: sel.roots.slice(0, PLAN_PATHS) },
          changes: c ? { deleted: c.deleted, replaced: c.replaced, added: c.added, unchanged: c.unchanged } : null,
        },
      ];
    }),
    problems: plan.problems,
  };
}

/** main's own question before files at their place are replaced or deleted: the renderer cannot answer it. */
async function confirmReplace(s: Services, plan: RestorePlan, safetyBackup: boolean): Promise<void> {
  const hits = plan.targets.filter((t) => (t.changes?.replaced.count ?? 0) + (t.changes?.deleted.count ?? 0) > 0);
  if (hits.length === 0) return;
  const lines = hits.map((t) => `• ${t.target}: replaces ${t.changes?.replaced.count ?? 0}, deletes ${t.changes?.deleted.count ?? 0} inside the selected folders, adds ${t.changes?.added.count ?? 0}`);
  const yes = await s.desktop.confirm({
    title: 'Restore files over existing ones',
    message: `Replace the selected files in ${hits.map((t) => t.target).join(', ')} with their versions from ${basename(plan.archive)}?`,
    // Said from the request that will run: the page may have asked for no safety backup.
    detail: `${lines.join('\n')}\n\nNothing outside the selection is changed. ${safetyBackup ? 'A safety backup of what is replaced is taken first.' : 'No safety backup is taken: the current versions of these files cannot be brought back.'}`,
    confirmLabel: 'Restore and replace',
  });
  if (!yes) throw new LifeboatError('CANCELLED', `The file restore from ${basename(plan.archive)} did not start: replacing files was not confirmed. Nothing was changed.`);
}

/** files:* handlers: browse a backup's tree, restore a part of it, compare two backups. */
export const filesHandlers: HandlerGroup<'files:list-folder' | 'files:plan' | 'files:restore' | 'files:compare'> = {
  'files:list-folder': async (s, p): Promise<FolderPageView> => {
    const tree = await treeOf(s, byId(s, p.id));
    if (p.source === undefined) return { sources: tree.sources, total: 0, children: [] };
    const src = tree.sources.find((x) => x.name === p.source);
    if (src?.kind !== 'folder') throw new LifeboatError('NOT_FOUND', `Backup ${p.id.slice(0, 8)} has no folder source named ${p.source}; it has ${tree.sources.map((x) => x.name).join(', ')}.`);
    // A folder inside the backup, never a path on this machine: the same rules as a selection.
    const dir = p.dir === '' ? '' : checkSelectionPath(p.source, p.dir);
    return { sources: tree.sources, ...tree.list(p.source, dir, p.offset, p.limit) };
  },

  'files:plan': async (s, p) => planView(await s.engine.planRestore(byId(s, p.id), toRequest(s, p))),

  'files:restore': async (s, p) => {
    const target = byId(s, p.id);
    const req = toRequest(s, p, p.safetyBackup);
    const plan = await s.engine.planRestore(target, req);
    if (plan.problems.length > 0) throw new LifeboatError('PRECHECK_FAILED', `The file restore cannot start; nothing was changed:${plan.problems.map((x) => `\n  - ${x}`).join('')}`, { problems: plan.problems });
    await confirmReplace(s, plan, req.safetyBackup === true);
    if (p.toDir) s.grants.consume([p.toDir]);
    const jobId = s.jobs.start(
      'restore',
      `Restore of ${req.only?.length ?? 0} path(s) from ${basename(target.path)}`,
      async (_signal, onProgress) => {
        try {
          const r = await s.engine.restore(target, req, { onProgress });
          if (s.settings.get().notifications) s.desktop.notify('Files restored', `${p.select.length} path(s) restored from ${basename(target.path)}`);
          await s.mailer?.send(restoreSucceeded(target.path, target.record?.sha256 ?? '', r));
          return { id: r.id, summary: r.targets.map((t) => `${t.selection?.roots.length ?? 0} path(s) of ${t.source} → ${t.target}`).join(', '), safetyBackupId: r.safetyBackupId };
        } catch (e) {
          if (s.settings.get().notifications) s.desktop.notify('File restore failed', (e as Error).message);
          await s.mailer?.send(restoreFailed(target.path, e));
          throw e;
        }
      },
      false,
    );
    return { jobId };
  },

  'files:compare': async (s, p) => compareBackups(byId(s, p.a), byId(s, p.b), (t) => s.engine.manifestOf(t), p.limit),
};
