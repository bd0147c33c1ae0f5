import { dialog, Notification, safeStorage, shell, type BrowserWindow } from 'electron';
import Store from 'electron-store';
import { settingsSchema, type Settings } from '../../src-shared/ipc/contract.js';
import type { DesktopServices, SecretStore, SettingsStore } from '../ipc/services.js';

const FILTERS: Record<'archive' | 'sqlite' | 'file', Electron.FileFilter[]> = {
  archive: [{ name: 'Backup archives', extensions: ['zip', 'gz', 'tgz'] }],
  sqlite: [{ name: 'SQLite databases', extensions: ['db', 'sqlite', 'sqlite3', 'db3'] }, { name: 'All files', extensions: ['*'] }],
  file: [{ name: 'All files', extensions: ['*'] }],
};

/** Native dialogs, the shell and notifications. */
export function electronDesktop(getWindow: () => BrowserWindow | undefined, hasTray: boolean, onNotificationClick: (backupId?: string) => void): DesktopServices {
  return {
    hasTray,
    async pickPath(kind) {
      const win = getWindow();
      const options: Electron.OpenDialogOptions =
        kind === 'folder' ? { properties: ['openDirectory', 'createDirectory'] } : { properties: ['openFile'], filters: FILTERS[kind] };
      const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    showItemInFolder: (path) => shell.showItemInFolder(path),
    notify(title, body, backupId) {
      if (!Notification.isSupported()) return;
      const n = new Notification({ title, body });
      n.on('click', () => onNotificationClick(backupId));
      n.show();
    },
  };
}

/** Settings in electron-store (userData/settings.json), validated on every read. */
export function electronSettings(): SettingsStore {
  const store = new Store<Settings>({ name: 'settings', defaults: settingsSchema.parse({}) });
  return {
    get: () => settingsSchema.parse(store.store),
    set(patch) {
      const next = settingsSchema.parse({ ...settingsSchema.parse(store.store), ...patch });
      store.store = next;
      return next;
    },
  };
}

/**
 * Secrets encrypted with the OS keychain through safeStorage; only ciphertext reaches disk.
 * Where no keychain is available, secrets are kept for this session only, never in plain text.
 */
export function electronSecrets(): SecretStore {
  const store = new Store<Record<string, string>>({ name: 'secrets' });
  const session = new Map<string, string>();
  return {
    get(key) {
      const enc = store.get(key);
      if (typeof enc === 'string' && safeStorage.isEncryptionAvailable()) return safeStorage.decryptString(Buffer.from(enc, 'base64'));
      return session.get(key);
    },
    set(key, value) {
      if (safeStorage.isEncryptionAvailable()) store.set(key, safeStorage.encryptString(value).toString('base64'));
      else session.set(key, value);
    },
    delete(key) {
      store.delete(key);
      session.delete(key);
    },
  };
}
