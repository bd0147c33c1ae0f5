import Conf from 'conf';
import { settingsSchema, type Settings } from '../../src-shared/ipc/contract.js';
import type { SettingsStore } from './services.js';

/** Settings in `<dir>/settings.json` through `conf` (electron-store's own engine), for plain Node. */
export class ConfSettingsStore implements SettingsStore {
  private readonly conf: Conf<Settings>;

  constructor(dir: string) {
    this.conf = new Conf<Settings>({ cwd: dir, configName: 'settings', projectName: 'lifeboat', defaults: settingsSchema.parse({}) });
  }

  get(): Settings {
    return settingsSchema.parse(this.conf.store);
  }

  set(patch: Partial<Settings>): Settings {
    const next = settingsSchema.parse({ ...this.get(), ...patch });
    this.conf.store = next;
    return next;
  }
}
