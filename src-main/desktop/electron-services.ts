import { dialog, Notification, safeStorage, shell, type BrowserWindow } from 'electron';
import Store from 'electron-store';
import { settingsSchema, type Settings } from '../../src-shared/ipc/contract.js';
import type { DesktopServices, SecretStore, SettingsStore } from '../ipc/services.js';

const SQLITE_FILTERS: Electron.FileFilter[] = [{ name: 'SQLite databases', extensions: ['db', 'sqlite', 'sqlite3', 'db3'] }, { name: 'All files', extensions: ['*'] }];
const FILTERS: Record<'archive' | 'sqlite' | 'file', Electron.FileFilter[]> = {
  archive: [{ name: 'Backup archives', extensions: ['zip', 'gz', 'tgz'] }],
  sqlite: SQLITE_FILTERS,
  file: [{ name: 'All files', extensions: ['*'] }],
};

/** Native dialogs, the shell and notifications. */
export function electronDesktop(getWindow: () => BrowserWindow | undefined, hasTray: boolean, onNotificationClick: (backupId?: string) => void): DesktopServices {
  return {
    hasTray,
    async pickPath(kind) {
      const win = getWindow();
      if (kind === 'sqlite-save') {
        // A database file to restore into: it may not exist yet, so this is a save dialog (it asks before replacing).
        const options: Electron.SaveDialogOptions = { title: 'Restore the database to', filters: SQLITE_FILTERS, properties: ['createDirectory', 'showOverwriteConfirmation'] };
        const r = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
        return r.canceled || !r.filePath ? null : r.filePath;
      }
      const options: Electron.OpenDialogOptions =
        kind === 'folder' ? { properties: ['openDirectory', 'createDirectory'] } : { properties: ['openFile'], filters: FILTERS[kind] };
      const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    async confirm(req) {
      const win = getWindow();
      // Cancel is the default and the Escape answer: only a deliberate click on the named button goes ahead.
      const options: Electron.MessageBoxOptions = { type: 'warning', title: req.title, message: req.message, detail: req.detail, buttons: [req.confirmLabel, 'Cancel'], defaultId: 1, cancelId: 1, noLink: true };
      const r = win ? await dialog.showMessageBox(win, options) : await dialog.showMessageBox(options);
      return r.response === 0;
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
