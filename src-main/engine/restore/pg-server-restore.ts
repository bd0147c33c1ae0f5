import { join } from 'node:path';
import type { PgRestoreOptions } from '../../../src-shared/domain/pg-options.js';
import type { Manifest, ManifestSource } from '../../../src-shared/manifest/schema.js';
import { redact } from '../sources/postgres-source.js';
import { applyGlobals, missingTablespaces, type GlobalsStep } from './pg-globals.js';
import { urlWithDatabase } from './pg-admin.js';
import type { PgRestoreChoices } from './pg-restore.js';
import type { PlannedTarget, RestorePlan } from './restore-plan.js';
import type { RestoreRun } from './restore-steps.js';

type PostgresRecord = Extract<ManifestSource, { kind: 'postgres' }>;

function record(manifest: Manifest, t: PlannedTarget): PostgresRecord | undefined {
  const s = manifest.sources.find((x) => x.name === t.source);
  return s?.kind === 'postgres' ? s : undefined;
}

/** Where each server's globals file is staged (it is extracted with the dumps, hashed like them). */
export function globalsDestinations(plan: RestorePlan, work: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of plan.targets) {
    const s = t.kind === 'postgres' ? record(plan.manifest, t) : undefined;
    if (s?.server) out.set(s.server.globals, join(work, `${s.server.name}.globals.sql`));
  }
  return out;
}

/**
 * Before any database of a whole-server backup is staged: its server's roles and tablespaces go
 * onto each target server once (journalled step `pg-globals`), so owners and grants have their roles.
 */
export async function stageGlobals(run: RestoreRun, staged: ReadonlyMap<string, string>): Promise<void> {
  const done = new Set<string>();
  for (const t of run.plan.targets) {
    const s = t.kind === 'postgres' ? record(run.plan.manifest, t) : undefined;
    const file = s?.server ? staged.get(s.server.globals) : undefined;
    if (!s?.server || !file) continue;
    const admin = urlWithDatabase(t.connectUrl ?? t.target, 'postgres');
    const key = `${s.server.globals}\u0000${admin}`;
    if (done.has(key)) continue;
    done.add(key);
    const step: GlobalsStep = { kind: 'pg-globals', url: run.secrets.keep(admin), target: redact(admin), roles: [], tablespaces: [] };
    run.journal.steps.push(step);
    run.save();
    for (const w of await applyGlobals(file, step, run.save, run.secrets)) run.warnings.push(w);
  }
}

/** pg_restore's choices for one target: the request's pgAdmin options, and tablespaces the server lacks left out. */
export async function restoreChoices(run: RestoreRun, t: PlannedTarget, url: string): Promise<PgRestoreChoices> {
  const o: PgRestoreOptions = run.req.pg ?? {};
  const missing = await missingTablespaces(urlWithDatabase(url, 'postgres'), record(run.plan.manifest, t)?.server?.tablespaces ?? []);
  if (missing.length) run.warnings.push(`${redact(url)}: tablespace(s) ${missing.join(', ')} do not exist on this server; the tables were restored into the default tablespace.`);
  return { ...(o.noOwner ? { noOwner: true } : {}), ...(o.sections ? { sections: o.sections } : {}), ...(o.jobs ? { jobs: o.jobs } : {}), ...(missing.length ? { noTablespaces: true } : {}) };
}

/** The rows a restored database must hold: the manifest's, or none when the data section was left out. */
export function expectedTables(src: PostgresRecord, o: PgRestoreOptions | undefined): { name: string; rows: number }[] {
  if (!o?.sections || o.sections.includes('data')) return src.tables;
  return src.tables.map((x) => ({ name: x.name, rows: 0 }));
}
