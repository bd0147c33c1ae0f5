import { spawn, type SpawnOptions } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `lifeboat` binary as package.json's `bin` names it. */
export const LIFEBOAT_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'lifeboat.js');

/** What one CLI run printed and returned. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly json: <T = Record<string, unknown>>() => T;
}

/** Run `lifeboat ...args` as a child process and wait for it. */
export function lifeboat(args: readonly string[], opts: SpawnOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LIFEBOAT_BIN, ...args], { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T }));
  });
}
