import type { Events, GrantKind, Settings } from '../../src-shared/ipc/contract.js';
import type { LifeboatEngine } from '../engine/lifeboat-engine.js';
import type { Mailer } from '../engine/notify/mailer.js';
import type { JobRunner } from './job-runner.js';
import type { PathGrants } from './path-grants.js';

/** A question main asks the user itself, in a native message box the renderer cannot answer. */
export interface ConfirmRequest {
  readonly title: string;
  readonly message: string;
  /** What exactly happens (paths, counts); shown under the message. */
  readonly detail: string;
  /** The button that goes ahead, e.g. "Delete backup". Cancel is the default button. */
  readonly confirmLabel: string;
}

/** Native dialogs and shell actions; Electron implements them, tests supply their own. */
export interface DesktopServices {
  /** A native open (or, for `sqlite-save`, save) dialog; the chosen path, or null when cancelled. */
  pickPath(kind: GrantKind): Promise<string | null>;
  /** A native message box; true only when the user pressed the confirm button. */
  confirm(req: ConfirmRequest): Promise<boolean>;
  showItemInFolder(path: string): void;
  /** A native notification; clicking one about a backup opens that backup's details. */
  notify(title: string, body: string, backupId?: string): void;
  readonly hasTray: boolean;
}

/** Persistent settings (electron-store in the app, `conf` under plain Node). */
export interface SettingsStore {
  get(): Settings;
  set(patch: Partial<Settings>): Settings;
}

/** Secrets such as PostgreSQL passwords (Electron safeStorage in the app). Never written in plain text. */
export interface SecretStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  delete(key: string): void;
}

/** The running schedules, where the app has them (not in the CLI). */
export interface ScheduleService {
  reload(): void;
}

/** Everything a handler may use. Plain interfaces: no Electron types cross this line. */
export interface Services {
  readonly engine: LifeboatEngine;
  readonly jobs: JobRunner;
  readonly desktop: DesktopServices;
  readonly settings: SettingsStore;
  readonly secrets: SecretStore;
  /** Path grants minted by dialogs and drops: the only way a renderer names a path to write or read. */
  readonly grants: PathGrants;
  readonly emit: <E extends keyof Events>(event: E, payload: Events[E]) => void;
  readonly schedules?: ScheduleService;
  /** Email notifications; absent where SMTP is not configured at all. */
  readonly mailer?: Mailer;
}
