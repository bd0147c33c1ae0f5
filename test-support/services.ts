import { join } from 'node:path';
import type { Events } from '../src-shared/ipc/contract.js';
import type { LifeboatEngine } from '../src-main/engine/lifeboat-engine.js';
import { ConfSettingsStore } from '../src-main/ipc/conf-settings.js';
import { JobRunner } from '../src-main/ipc/job-runner.js';
import type { DesktopServices, SecretStore, Services } from '../src-main/ipc/services.js';
import { Mailer } from '../src-main/engine/notify/mailer.js';
import { SMTP_PASSWORD_KEY } from '../src-main/ipc/handlers/app.js';

/** Everything the desktop adapters would do, recorded instead (no Electron under Node). */
export interface RecordingDesktop extends DesktopServices {
  readonly notifications: { title: string; body: string; backupId?: string | undefined }[];
  readonly shown: string[];
  /** What the next pickPath returns. */
  nextPick: string | null;
}

/** Services around a real engine, with recording desktop adapters and an in-memory secret store. */
export function makeServices(engine: LifeboatEngine, onEvent: <E extends keyof Events>(e: E, p: Events[E]) => void = () => undefined): Services & { desktop: RecordingDesktop } {
  const secrets = new Map<string, string>();
  const secretStore: SecretStore = { get: (k) => secrets.get(k), set: (k, v) => void secrets.set(k, v), delete: (k) => void secrets.delete(k) };
  const desktop: RecordingDesktop = {
    hasTray: false,
    notifications: [],
    shown: [],
    nextPick: null,
    pickPath: async () => desktop.nextPick,
    showItemInFolder: (p) => void desktop.shown.push(p),
    notify: (title, body, backupId) => void desktop.notifications.push({ title, body, backupId }),
  };
  const settings = new ConfSettingsStore(join(engine.env.home));
  const mailer = new Mailer(engine.env, () => settings.get().smtp, () => secretStore.get(SMTP_PASSWORD_KEY));
  return { engine, jobs: new JobRunner(onEvent), desktop, settings, secrets: secretStore, emit: onEvent, mailer };
}
