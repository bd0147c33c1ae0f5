import type { Command } from 'commander';
import { LifeboatEngine } from '../engine/lifeboat-engine.js';
import { defaultHome } from '../engine/home.js';
import { Mailer } from '../engine/notify/mailer.js';
import { ConfSettingsStore } from '../ipc/conf-settings.js';
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

/**
 * Email notifications for CLI runs (cron on a server), from the same settings file as the app.
 * The SMTP password comes from LIFEBOAT_SMTP_PASSWORD: the CLI cannot read the app's keychain.
 */
export function cliMailer(engine: LifeboatEngine): Mailer {
  const settings = new ConfSettingsStore(engine.env.home);
  return new Mailer(engine.env, () => settings.get().smtp, () => process.env.LIFEBOAT_SMTP_PASSWORD);
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
