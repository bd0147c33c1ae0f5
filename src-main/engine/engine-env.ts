import type { Catalog } from './catalog/catalog.js';

/** What every engine operation needs from its surroundings; the CLI and the app build one each. */
export interface EngineEnv {
  /** The Lifeboat home: catalog, settings, default backup folder. */
  readonly home: string;
  readonly catalog: Catalog;
  readonly appVersion: string;
  /** The OS user acting (recorded as created_by and audit actor). */
  readonly actor: string;
  readonly host: string;
  readonly now: () => Date;
}

/** Whether a process recorded in the catalog is still running (only decidable on this host). */
export function processAlive(host: string, pid: number | null, thisHost: string, selfAlive = true): boolean {
  if (pid === null) return false;
  if (host !== thisHost) return true; // another machine's job: never touch it
  // At start-up this process runs nothing yet: a row with its pid was left by an earlier process that
  // had the same pid (a container's PID namespace restarts at 1), so it is dead.
  if (pid === process.pid) return selfAlive;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}
