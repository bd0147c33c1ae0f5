import type { Command } from 'commander';
import { LifeboatEngine } from '../engine/lifeboat-engine.js';
import { defaultHome } from '../engine/home.js';
import type { Io } from './output.js';

/** Options every command accepts. */
export interface GlobalOptions {
  readonly home?: string;
  readonly json?: boolean;
}

/** What a command action receives. */
export interface CommandContext {
  readonly engine: LifeboatEngine;
  readonly json: boolean;
  readonly io: Io;
}

/** Open the engine for one command invocation and always close it. Returns the exit code. */
export async function withEngine(cmd: Command, io: Io, action: (ctx: CommandContext) => Promise<number>): Promise<number> {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  const engine = await LifeboatEngine.open({ home: g.home ?? defaultHome() });
  try {
    return await action({ engine, json: Boolean(g.json), io });
  } finally {
    engine.close();
  }
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
