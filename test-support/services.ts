import { join } from 'node:path';
import type { Events, GrantKind, PathRef } from '../src-shared/ipc/contract.js';
import type { LifeboatEngine } from '../src-main/engine/lifeboat-engine.js';
import { ConfSettingsStore } from '../src-main/ipc/conf-settings.js';
import { JobRunner } from '../src-main/ipc/job-runner.js';
import { PathGrants } from '../src-main/ipc/path-grants.js';
import type { ConfirmRequest, DesktopServices, SecretStore, Services } from '../src-main/ipc/services.js';
import { Mailer } from '../src-main/engine/notify/mailer.js';
import { smtpPassword } from '../src-main/ipc/bound-secrets.js';

/** Everything the desktop adapters would do, recorded instead (no Electron under Node). */
export interface RecordingDesktop extends DesktopServices {
  readonly notifications: { title: string; body: string; backupId?: string | undefined }[];
  readonly shown: string[];
  /** Every message box main raised, in order. */
  readonly confirmations: ConfirmRequest[];
  /** What the next pickPath returns. */
  nextPick: string | null;
  /** How the user answers main's message boxes (the fake's "click"). */
  confirmAnswer: boolean;
}

/** Services around a real engine, with recording desktop adapters and an in-memory secret store. */
export function makeServices(engine: LifeboatEngine, onEvent: <E extends keyof Events>(e: E, p: Events[E]) => void = () => undefined): Services & { desktop: RecordingDesktop; secretMap: Map<string, string> } {
  const secrets = new Map<string, string>();
  const secretStore: SecretStore = { get: (k) => secrets.get(k), set: (k, v) => void secrets.set(k, v), delete: (k) => void secrets.delete(k) };
  const desktop: RecordingDesktop = {
    hasTray: false,
    notifications: [],
    shown: [],
    confirmations: [],
    nextPick: null,
    confirmAnswer: true,
    pickPath: async () => desktop.nextPick,
    confirm: async (req) => {
      desktop.confirmations.push(req);
      return desktop.confirmAnswer;
    },
    showItemInFolder: (p) => void desktop.shown.push(p),
    notify: (title, body, backupId) => void desktop.notifications.push({ title, body, backupId }),
  };
  const settings = new ConfSettingsStore(join(engine.env.home));
  const mailer = new Mailer(engine.env, () => settings.get().smtp, () => smtpPassword(secretStore, settings.get().smtp));
  return { engine, jobs: new JobRunner(onEvent), desktop, settings, secrets: secretStore, secretMap: secrets, grants: new PathGrants(), emit: onEvent, mailer };
}

/** A path grant as the user would get it by choosing `path` in the `kind` dialog (the fake dialog answers). */
export function pickedPath(services: Services, path: string, kind: GrantKind = 'folder'): PathRef {
  return services.grants.mint(path, kind);
}
