import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { formatBytes } from '../../../src-shared/domain/format.js';
import type { PathRef, RestorePlanView } from '../../../src-shared/ipc/contract.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { ResolvedTarget } from '../../engine/lifeboat-engine.js';
import type { RestorePlan, RestoreRequest } from '../../engine/restore/restore-plan.js';
import { restoreFailed, restoreSucceeded } from '../../engine/notify/outcomes.js';
import type { HandlerGroup } from '../handler.js';
import type { Services } from '../services.js';
import { importHandlers } from './import.js';
import { checkedToolPaths } from './settings.js';
import type { PgRestoreOptions } from '../../../src-shared/domain/pg-options.js';
import { decryptionFor } from './encryption.js';

type Target = { id: string } | { archive: PathRef };
type Options = { only?: string[] | undefined; toDir?: PathRef | undefined; toSqlite?: PathRef | undefined; toPostgres?: string | undefined; safetyBackup: boolean; confirmSmaller?: boolean | undefined; useRecorded?: string[] | undefined } & DatabaseOptions;
/** Issue 13: database restore choices, already checked by the contract's schema. */
type DatabaseOptions = { toMysql?: string | undefined; toPostgresServer?: string | undefined; pg?: PgRestoreOptions | undefined };

const SQLITE_TARGET = ['sqlite', 'sqlite-save', 'file'] as const;

async function resolveTarget(s: Services, t: Target): Promise<ResolvedTarget> {
  if ('id' in t) return { path: s.engine.record(t.id).path, record: s.engine.record(t.id) };
  return s.engine.resolve(s.grants.peek(t.archive, ['archive', 'file'], 'the archive to restore'));
}

/** The engine's request; folder and file targets are resolved from their grants (checked, not used up). */
async function toRequest(s: Services, o: Options): Promise<RestoreRequest> {
  const { pgRestorePath } = await checkedToolPaths(s);
  return {
    ...(o.only?.length ? { only: o.only } : {}),
    ...(o.toDir ? { toDir: s.grants.peek(o.toDir, ['folder'], 'the restore folder') } : {}),
    ...(o.toSqlite ? { toSqlite: s.grants.peek(o.toSqlite, SQLITE_TARGET, 'the restore database file') } : {}),
    ...(o.toPostgres ? { toPostgres: o.toPostgres } : {}),
    ...(o.toMysql ? { toMysql: o.toMysql } : {}),
    ...(o.toPostgresServer ? { toPostgresServer: o.toPostgresServer } : {}),
    ...(o.pg ? { pg: o.pg } : {}),
    safetyBackup: o.safetyBackup,
    ...(o.confirmSmaller ? { confirmSmaller: true } : {}),
    ...(o.useRecorded?.length ? { useRecorded: o.useRecorded } : {}),
    ...(pgRestorePath ? { pgRestorePath } : {}),
  };
}

/** main's own question before a restore replaces anything: the renderer cannot answer it. */
async function confirmOverwrite(s: Services, archive: string, plan: RestorePlan, safetyBackup: boolean): Promise<void> {
  // Over existing data, or anywhere an archive from elsewhere recorded (even where nothing exists yet).
  const existing = plan.targets.filter((t) => t.exists || t.origin === 'recorded');
  if (existing.length === 0) return;
  const lines = existing.slice(0, 10).map((t) => {
    const c = t.changes;
    const what = c ? `: deletes ${c.deleted.count} file(s), replaces ${c.replaced.count}, adds ${c.added.count}` : t.overwriteBytes !== null ? `: replaces ${formatBytes(t.overwriteBytes)}` : ': replaces the database';
    return `• ${t.source} → ${t.target}${t.origin === 'recorded' ? ' (the place recorded in the archive, which did not come from this machine)' : ''}${t.exists ? what : ': new'}`;
  });
  if (existing.length > 10) lines.push(`• and ${existing.length - 10} more`);
  const yes = await s.desktop.confirm({
    title: 'Restore over existing data',
    message: `Restore the contents of ${basename(archive)} into ${existing.length} target(s) that hold data now or that the archive chose?`,
    detail: `${lines.join('\n')}\n\n${safetyBackup ? 'A safety backup of what is replaced is taken first.' : 'No safety backup is taken: this cannot be undone.'}`,
    confirmLabel: 'Restore and replace',
  });
  if (!yes) throw new LifeboatError('CANCELLED', `The restore of ${basename(archive)} did not start: replacing ${existing.map((t) => t.target).join(', ').slice(0, 300)} was not confirmed. Nothing was changed.`);
}

/** A running restore the wizard may cancel, and finished ones whose targets it may open. */
interface RestoreState {
  readonly running: Map<string, { readonly abort: AbortController; noReturn: boolean; readonly label: string }>;
  readonly finished: Map<string, readonly { source: string; kind: string; target: string }[]>;
}
const states = new WeakMap<Services, RestoreState>();
function stateOf(s: Services): RestoreState {
  let st = states.get(s);
  if (!st) states.set(s, (st = { running: new Map(), finished: new Map() }));
  return st;
}

/** Whether a target loses anything: an existing database, or existing files deleted or replaced. */
function destructive(t: RestorePlan['targets'][number]): boolean {
  if (!t.exists) return false;
  return t.changes ? t.changes.deleted.count + t.changes.replaced.count > 0 : true;
}

/**
 * What the user types before a restore that overwrites or deletes: the profile's name, or the name
 * of the first target it overwrites (words the user knows, never a generated file name). Null:
 * nothing existing is lost, one click is enough.
 */
export function confirmPhraseOf(plan: RestorePlan): string | null {
  const first = plan.targets.find(destructive);
  if (!first) return null;
  return plan.manifest.profile ?? (basename(first.target.replace(/\/+$/, '')) || first.target);
}

/** What a plan would change, as an identity: restore:start and the job compare it with what was shown. */
export function planDigest(plan: RestorePlan): string {
  const targets = plan.targets.map((t) => [t.source, t.kind, t.target, t.exists, t.changes ? [t.changes.deleted.count, t.changes.replaced.count, t.changes.added.count, t.changes.liveBytes] : t.kind === 'sqlite' ? t.overwriteBytes : null]);
  return createHash('sha256').update(JSON.stringify([plan.sha256, targets, plan.problems.length, plan.smaller.length])).digest('hex');
}

function staleError(archive: string): LifeboatError {
  return new LifeboatError('PRECHECK_FAILED', `What the restore of ${basename(archive)} would change is no longer what was shown (the archive or a target changed since). Nothing was changed. Review the new plan and confirm again.`);
}

/** restore:* and import:* handlers. */
export const restoreHandlers: HandlerGroup<'restore:plan' | 'restore:start' | 'restore:cancel' | 'restore:open-target' | 'import:inspect' | 'import:archive'> = {
  ...importHandlers,
  'restore:plan': async (s, p): Promise<RestorePlanView> => {
    const target = await resolveTarget(s, p.target);
    const plan = await s.engine.planRestore(target, await toRequest(s, p.options), target.record ? decryptionFor(s, target.record) : undefined);
    const bytes = plan.targets.reduce((n, t) => n + t.writeBytes, 0);
    // Learned from past throughput: restores write about what backups read, so the recent backup rate is the estimate.
    const throughput = s.engine.env.catalog.backups.stats().throughput;
    return {
      // Issue 14: an encrypted backup is named by its stored .age file, not the private decrypted copy.
      archive: plan.stored?.path ?? plan.archive,
      backupName: basename(plan.stored?.path ?? plan.archive),
      sha256: plan.sha256,
      checksumSource: plan.checksumSource,
      checksumOk: plan.checksumOk,
      sources: plan.manifest.sources.map((src) => ({
        name: src.name,
        kind: src.kind,
        rows: src.kind === 'folder' ? null : src.totalRows,
        files: src.kind === 'folder' ? src.files : null,
      })),
      targets: plan.targets.map(({ connectUrl: _c, ...t }) => t),
      problems: plan.problems,
      smaller: plan.smaller,
      estimatedSeconds: throughput ? Math.max(1, Math.round(bytes / throughput)) : null,
      profile: plan.manifest.profile,
      confirmPhrase: confirmPhraseOf(plan),
      digest: planDigest(plan),
    };
  },

  'restore:start': async (s, p) => {
    const target = await resolveTarget(s, p.target);
    const req = await toRequest(s, p.options);
    const key = target.record ? decryptionFor(s, target.record) : undefined; // encryption at rest (issue 14)
    // A plan that cannot be made (a damaged archive) means the restore cannot write either: the job
    // then fails with the engine's own error, and its notification, as before.
    const plan = await s.engine.planRestore(target, req, key).catch(() => null);
    if (plan) {
      if (p.planDigest !== undefined && p.planDigest !== planDigest(plan)) throw staleError(target.path);
      // The confirmation matches the risk: a word only when something existing is lost (the file name still works, as in the CLI).
      const phrase = confirmPhraseOf(plan);
      if (phrase !== null && p.confirmName !== phrase && p.confirmName !== basename(target.path)) {
        throw new LifeboatError('USAGE', `This restore overwrites or deletes existing data: type "${phrase}" exactly to confirm it.`);
      }
      await confirmOverwrite(s, target.path, plan, p.options.safetyBackup);
    }
    // The grants served this restore; they cannot start another one.
    s.grants.consume([p.options.toDir, p.options.toSqlite, 'archive' in p.target ? p.target.archive : undefined].filter((r): r is PathRef => r !== undefined));
    const state = stateOf(s);
    const control = { abort: new AbortController(), noReturn: false, label: basename(target.path) };
    const confirmed = plan ? planDigest(plan) : null;
    const jobId = s.jobs.start(
      'restore',
      `Restore of ${basename(target.path)}`,
      async (_signal, onProgress) => {
        try {
          const r = await s.engine.restore(target, req, {
            onProgress,
            signal: control.abort.signal,
            onPointOfNoReturn: () => void (control.noReturn = true),
            // The engine's own plan is the freshness check: it must be the one the user confirmed. A plan
            // that could not be made at confirmation (so nothing was confirmed) cannot go ahead either.
            onPlan: (fresh) => {
              if (confirmed === null || planDigest(fresh) !== confirmed) throw staleError(target.path);
            },
          }, key);
          state.finished.set(r.id, r.targets.map((t) => ({ source: t.source, kind: t.kind, target: t.target })));
          if (s.settings.get().notifications) s.desktop.notify('Restore completed', `${r.targets.length} target(s) restored from ${basename(target.path)}`);
          await s.mailer?.send(restoreSucceeded(target.path, target.record?.sha256 ?? '', r));
          return { id: r.id, summary: r.targets.map((t) => `${t.source} → ${t.target}`).join(', '), safetyBackupId: r.safetyBackupId };
        } catch (e) {
          if (s.settings.get().notifications) s.desktop.notify('Restore failed', (e as Error).message);
          await s.mailer?.send(restoreFailed(target.path, e));
          throw e;
        } finally {
          state.running.delete(jobId);
        }
      },
      false,
    );
    state.running.set(jobId, control);
    return { jobId };
  },

  // Cancels only while the restore can still roll back; the engine decides the same way, in the same tick.
  'restore:cancel': async (s, p) => {
    const r = stateOf(s).running.get(p.jobId);
    if (!r) throw new LifeboatError('NOT_FOUND', `No restore is running as job ${p.jobId.slice(0, 8)}; it has probably just finished. Its result is on screen and in History.`);
    if (r.noReturn) {
      throw new LifeboatError('CANCEL_TOO_LATE', `The restore of ${r.label} cannot be cancelled any more: its targets have already been replaced and it is checking and finishing them. Let it finish, then use "Undo this restore".`);
    }
    r.abort.abort();
    return { cancelled: true };
  },

  // Opens only a target of a restore this app just finished: the renderer names a restore and a source, never a path.
  'restore:open-target': async (s, p) => {
    const targets = stateOf(s).finished.get(p.restoreId);
    const t = targets?.find((x) => x.source === p.source);
    if (!t) throw new LifeboatError('NOT_FOUND', `Restore ${p.restoreId.slice(0, 8)} did not restore a source named ${p.source.slice(0, 100)} in this session; only the targets of a restore just finished here can be opened.`);
    if (t.kind === 'postgres' || t.kind === 'mysql') throw new LifeboatError('USAGE', `${t.source} was restored into a database (${t.target}), which has no folder to open.`);
    s.desktop.showItemInFolder(t.target);
    return null;
  },
};
