/**
 * Deterministic fault points for crash tests. `LIFEBOAT_FAULT` holds a comma-separated list of
 * point names, each optionally `@N` (fire on the Nth time the point is reached, default the first).
 * When a listed point is reached the process kills itself with SIGKILL: no `finally`, no rollback,
 * no flush, exactly like `kill -9` or a power cut from the application's point of view.
 *
 * The names are the steps of the backup and restore state machines (`backup:verified`,
 * `restore:commit`, `restore:commit-removing@100`, ...); see FAULT_POINTS.
 */

/** Every point a test may name, so a typo in a test fails loudly instead of never firing. */
export const FAULT_POINTS = [
  'backup:start',
  // A folder is being archived: the archive is open, none of the folder's files is in it yet.
  'backup:archiving',
  'backup:written',
  // Encryption at rest (issue 14): first ciphertext bytes are on disk.
  'backup:encrypting',
  'backup:verified',
  'backup:renamed',
  'backup:done',
  'restore:stage',
  'restore:staged',
  'restore:safety',
  'restore:swap',
  'restore:swap-folder-aside',
  'restore:swap-sqlite-aside',
  'restore:swap-sqlite-replaced',
  'restore:swap-pg-renamed-old',
  'restore:swap-mysql-saved',
  'restore:swap-mysql-emptied',
  'restore:swapped',
  'restore:check',
  'restore:commit',
  'restore:commit-removing',
  'restore:commit-pg-dropped',
  'restore:commit-mysql-dropped',
  'restore:done',
  // Off-site remote destinations (issue 14): after each uploaded part/chunk, and between upload and rename.
  'remote:uploading',
  'remote:uploaded',
  // A remote copy downloaded for a restore, before it is checked and renamed into place (issue 14, adversary).
  'remote:downloaded',
  // Import of an encrypted archive: its stored bytes are hashed, not yet decrypted.
  'import:hashed',
] as const;

/** A named fault point. */
export type FaultPoint = (typeof FAULT_POINTS)[number];

interface Armed {
  readonly at: number;
  hits: number;
}

let armed: Map<string, Armed> | undefined;

function parse(spec: string | undefined): Map<string, Armed> {
  const out = new Map<string, Armed>();
  for (const part of (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name = '', n] = part.split('@');
    if (!(FAULT_POINTS as readonly string[]).includes(name)) {
      throw new Error(`LIFEBOAT_FAULT names an unknown fault point "${name}"; known: ${FAULT_POINTS.join(', ')}`);
    }
    out.set(name, { at: n === undefined ? 1 : Math.max(1, Number(n)), hits: 0 });
  }
  return out;
}

/** Reached a named point: die here with SIGKILL if the environment asks for it. */
export function faultPoint(name: FaultPoint): void {
  armed ??= parse(process.env.LIFEBOAT_FAULT);
  const a = armed.get(name);
  if (!a) return;
  a.hits += 1;
  if (a.hits === a.at) process.kill(process.pid, 'SIGKILL');
}

interface Hold {
  reached(): void;
  readonly released: Promise<void>;
}

const holds = new Map<FaultPoint, Hold>();
const waiting = new Set<() => void>();

/**
 * In-process tests only: the next job to reach `name` (see holdPoint) waits there until `release()`.
 * This is how a test cancels a job "while it runs" without racing a machine that may finish first.
 */
export function holdAt(name: FaultPoint): { readonly reached: Promise<void>; release(): void } {
  let reached!: () => void;
  let release!: () => void;
  const reachedP = new Promise<void>((r) => (reached = r));
  const released = new Promise<void>((r) => (release = r));
  holds.set(name, { reached, released });
  waiting.add(release);
  return { reached: reachedP, release };
}

/** Reached a named point where an in-process test may hold the job (holdAt); a no-op otherwise. */
export async function holdPoint(name: FaultPoint): Promise<void> {
  const h = holds.get(name);
  if (!h) return;
  holds.delete(name);
  h.reached();
  await h.released;
}

/** Release every hold still armed or waiting (a test's teardown, so a failed test never leaves a job stuck). */
export function releaseHolds(): void {
  for (const h of holds.values()) h.reached();
  holds.clear();
  for (const release of waiting) release();
  waiting.clear();
}
