import type { ManifestSource } from '../../../src-shared/manifest/schema.js';
import { connectMysqlAdmin } from './mysql-admin.js';
import type { PlannedTarget, TargetOrigin } from './restore-plan.js';

/**
 * The pre-flight for a MariaDB / MySQL target: the server answers as the URL's user (tools found,
 * password found and accepted), whether the database exists, and its live rows (for the "much
 * smaller" warning). Problems are added to `problems`; nothing is changed.
 */
export async function planMysqlTarget(source: Extract<ManifestSource, { kind: 'mysql' }>, target: string, origin: TargetOrigin, url: string, writeBytes: number, problems: string[]): Promise<PlannedTarget> {
  let exists = false;
  let liveRows: number | null = null;
  try {
    const admin = await connectMysqlAdmin(url);
    try {
      exists = await admin.exists(admin.target.database);
      if (exists) liveRows = (await admin.rowCounts(admin.target.database)).reduce((n, t) => n + t.rows, 0);
    } finally {
      await admin.close();
    }
  } catch (e) {
    problems.push(`${source.name}: ${(e as Error).message}`);
  }
  return { source: source.name, kind: 'mysql', target, origin, connectUrl: url, exists, writeBytes, overwriteBytes: null, liveRows, backupRows: source.totalRows };
}
