import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The default Lifeboat home, the same folder Electron's `app.getPath('userData')` gives the
 * desktop app, so the CLI and the app share one catalog:
 * Linux `$XDG_CONFIG_HOME/Lifeboat` (~/.config/Lifeboat), macOS `~/Library/Application Support/Lifeboat`,
 * Windows `%APPDATA%\Lifeboat`.
 */
export function defaultHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.LIFEBOAT_HOME) return env.LIFEBOAT_HOME;
  switch (platform) {
    case 'win32':
      return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Lifeboat');
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', 'Lifeboat');
    default:
      return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Lifeboat');
  }
}

/** Where backups go unless a profile or --out says otherwise. */
export function defaultBackupDir(home: string): string {
  return join(home, 'backups');
}
