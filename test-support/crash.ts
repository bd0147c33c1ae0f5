import Database from 'better-sqlite3';
import { spawn, type SpawnOptions } from 'node:child_process';
import { join } from 'node:path';
import { LIFEBOAT_BIN, lifeboat } from './cli.js';

/** How a CLI run that was meant to die ended. */
export interface KilledRun {
  readonly signal: NodeJS.Signals | null;
  readonly code: number | null;
  readonly stderr: string;
}

/** Run `lifeboat ...args` with `LIFEBOAT_FAULT=<fault>`; resolves when the process is gone. */
export function runWithFault(args: readonly string[], fault: string, opts: SpawnOptions = {}): Promise<KilledRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LIFEBOAT_BIN, ...args], { ...opts, env: { ...(opts.env ?? process.env), LIFEBOAT_FAULT: fault }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

/** Run `lifeboat ...args` and SIGKILL it after `delayMs` (it may finish first). */
export function runAndKillAfter(args: readonly string[], delayMs: number, opts: SpawnOptions = {}): Promise<KilledRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LIFEBOAT_BIN, ...args], { ...opts, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

/** "The next start": any CLI command opens the engine, which recovers interrupted work first. */
export async function nextStart(home: string, opts: SpawnOptions = {}): Promise<void> {
  const r = await lifeboat(['--home', home, 'list', '--json'], opts);
  if (r.code !== 0) throw new Error(`lifeboat list after the crash failed (${r.code}): ${r.stderr}`);
}

/** Rows of a catalog table, read straight from the file. */
export function catalogRows<T>(home: string, sql: string): T[] {
  const db = new Database(join(home, 'catalog.sqlite'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}
