import { resolveMysqlTool } from './mysql-conn.js';
import { resolveDumpall } from './pg-server.js';
import { resolvePgTool } from './pg-tools.js';

/** One client tool a source kind needs, as found on this machine. */
export interface ClientTool {
  /** The source kind it serves. */
  readonly kind: 'postgres' | 'mysql';
  readonly tool: string;
  /** Where it was found, or null when it is missing. */
  readonly path: string | null;
  readonly version: string | null;
  /** Why it is missing and how to install it (the typed error's message), or null. */
  readonly problem: string | null;
}

/**
 * The client tools each database source kind needs (pg_dump / pg_restore / pg_dumpall, mariadb-dump or
 * mysqldump / mariadb or mysql), found the same way a backup or restore finds them
 * (LIFEBOAT_* overrides, PATH, the usual install folders), with their versions.
 */
export async function findClientTools(env: NodeJS.ProcessEnv = process.env): Promise<ClientTool[]> {
  const probes: [ClientTool['kind'], string, () => Promise<{ path: string; version: string }>][] = [
    ['postgres', 'pg_dump', () => resolvePgTool('pg_dump', env.LIFEBOAT_PG_DUMP)],
    ['postgres', 'pg_restore', () => resolvePgTool('pg_restore', env.LIFEBOAT_PG_RESTORE)],
    // Whole-server backups dump roles and tablespaces with the pg_dumpall beside pg_dump.
    ['postgres', 'pg_dumpall', () => resolveDumpall(env.LIFEBOAT_PG_DUMP)],
    ['mysql', 'mariadb-dump / mysqldump', () => resolveMysqlTool('dump', env)],
    ['mysql', 'mariadb / mysql', () => resolveMysqlTool('client', env)],
  ];
  return Promise.all(
    probes.map(async ([kind, tool, find]) => {
      try {
        const t = await find();
        return { kind, tool, path: t.path, version: t.version, problem: null };
      } catch (e) {
        return { kind, tool, path: null, version: null, problem: (e as Error).message };
      }
    }),
  );
}
