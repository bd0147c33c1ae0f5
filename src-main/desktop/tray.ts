import { Menu, Tray, nativeImage } from 'electron';

/** What the tray menu can do; the composition root wires these to the handlers. */
export interface TrayActions {
  readonly backupNow: () => void;
  readonly open: () => void;
  readonly quit: () => void;
}

/**
 * Whether this desktop shows tray icons. GNOME without the AppIndicator extension silently hides
 * them; there the app keeps a normal window and taskbar entry instead of vanishing.
 */
export function desktopHasTray(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  if (env.LIFEBOAT_TRAY === '1') return true;
  if (env.LIFEBOAT_TRAY === '0') return false;
  if (platform !== 'linux') return true;
  const desktop = (env.XDG_CURRENT_DESKTOP ?? '').toLowerCase();
  return desktop !== '' && !desktop.split(':').includes('gnome');
}

/** The tray icon: "Back up now: <profile>", last backup status, open, quit; tooltip shows progress. */
export class LifeboatTray {
  private readonly tray: Tray;
  private profile: string | null = null;
  private status = 'No backup yet';

  constructor(
    icon: string,
    private readonly actions: TrayActions,
  ) {
    this.tray = new Tray(nativeImage.createFromPath(icon).resize({ width: 22, height: 22 }));
    this.tray.on('click', actions.open);
    this.render();
  }

  update(profile: string | null, status: string): void {
    this.profile = profile;
    this.status = status;
    this.render();
  }

  progress(text: string | null): void {
    this.tray.setToolTip(text ? `Lifeboat: ${text}` : `Lifeboat: ${this.status}`);
  }

  private render(): void {
    this.tray.setToolTip(`Lifeboat: ${this.status}`);
    this.tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: this.profile ? `Back up now: ${this.profile}` : 'Back up now (no default profile)', enabled: this.profile !== null, click: this.actions.backupNow },
        { label: this.status, enabled: false },
        { type: 'separator' },
        { label: 'Open Lifeboat', click: this.actions.open },
        { label: 'Quit', role: 'quit', click: this.actions.quit },
      ]),
    );
  }
}
