import { app, type BrowserWindow } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatBytes } from '../src-shared/domain/format.js';
import { LifeboatEngine } from './engine/lifeboat-engine.js';
import { createMainWindow } from './desktop/main-window.js';
import { electronDesktop, electronSecrets, electronSettings } from './desktop/electron-services.js';
import { desktopHasTray, LifeboatTray } from './desktop/tray.js';
import { bindIpc, windowEmitter } from './ipc/bind-electron.js';
import { startBackupJob } from './ipc/handlers/backups.js';
import { JobRunner } from './ipc/job-runner.js';
import { createScheduler } from './ipc/schedules.js';
import { nextScheduledRun } from './engine/schedule/slots.js';
import { Mailer } from './engine/notify/mailer.js';
import { smtpPassword } from './ipc/bound-secrets.js';
import { PathGrants } from './ipc/path-grants.js';
import type { Services } from './ipc/services.js';

// Composition root: the engine and the handlers are plain Node; everything Electron is wired here.
if (!app.requestSingleInstanceLock()) app.quit();

const here = dirname(fileURLToPath(import.meta.url));
let window: BrowserWindow | undefined;
let quitting = false;
const assets = app.isPackaged ? join(process.resourcesPath, 'assets') : join(app.getAppPath(), 'assets');
const rendererUrl = process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(join(here, '../renderer/index.html')).href;

async function start(): Promise<void> {
  const engine = await LifeboatEngine.open({ home: app.getPath('userData') });
  const hasTray = desktopHasTray();
  const getWindow = (): BrowserWindow | undefined => window;
  const emitToWindow = windowEmitter(getWindow);
  let tray: LifeboatTray | undefined;
  const settings = electronSettings();
  const secrets = electronSecrets();
  const showWindow = (): void => {
    if (!window || window.isDestroyed()) window = openWindow();
    window.show();
    window.focus();
  };
  const base: Omit<Services, 'schedules'> = {
    engine,
    jobs: new JobRunner((event, payload) => {
      emitToWindow(event, payload);
      if (event === 'job:progress' && 'bytesDone' in payload) tray?.progress(`${payload.phase} ${formatBytes(payload.bytesDone)} of ${formatBytes(payload.bytesTotal)}`);
      if (event === 'job:finished') {
        tray?.progress(null);
        refreshTray();
      }
    }),
    desktop: electronDesktop(getWindow, hasTray, (backupId) => {
      showWindow();
      if (backupId) emitToWindow('backup:focused', { id: backupId });
    }),
    settings,
    secrets,
    grants: new PathGrants(),
    emit: emitToWindow,
    mailer: new Mailer(engine.env, () => settings.get().smtp, () => smtpPassword(secrets, settings.get().smtp)),
  };
  const refreshTray = (): void => {
    const latest = engine.env.catalog.backups.stats().latest;
    const next = nextScheduledRun(engine.profiles.list(), new Date());
    const last = latest ? `Last backup: ${latest.status.toLowerCase()} ${latest.createdAt.slice(0, 16).replace('T', ' ')}` : 'No backup yet';
    tray?.update(settings.get().defaultProfile, next ? `${last} · next ${next.profile} ${next.at.toLocaleString()}` : last);
  };
  const scheduler = createScheduler(base);
  const services: Services = { ...base, schedules: scheduler };
  scheduler.start();
  bindIpc(() => services, [rendererUrl.split('#')[0] ?? rendererUrl]);

  const openWindow = (): BrowserWindow => {
    const firstRun = engine.profiles.list().length === 0;
    // Never start hidden on first run, nor where there is no tray to bring the window back.
    const show = !(settings.get().startMinimized && hasTray && !firstRun);
    const win = createMainWindow({ preload: join(here, '../preload/index.cjs'), url: rendererUrl, show, icon: join(assets, 'icon.png') });
    win.on('close', (event) => {
      if (!quitting && hasTray && settings.get().closeToTray) {
        event.preventDefault();
        win.hide();
      }
    });
    return win;
  };

  if (hasTray) {
    tray = new LifeboatTray(join(assets, 'tray.png'), {
      backupNow: () => {
        const profile = settings.get().defaultProfile;
        if (profile) startBackupJob(services, { profile, description: 'Quick backup from the tray', trigger: 'TRAY' });
      },
      open: showWindow,
      quit: () => {
        quitting = true;
        app.quit();
      },
    });
    refreshTray();
  }
  window = openWindow();
  app.on('second-instance', showWindow);
  app.on('before-quit', () => {
    quitting = true;
  });
  app.on('window-all-closed', () => {
    if (!hasTray || !settings.get().closeToTray) app.quit();
  });
  app.on('will-quit', () => {
    scheduler.stop();
    engine.close();
  });
}

app.whenReady().then(start, (e: unknown) => {
  console.error('Lifeboat failed to start:', e);
  app.exit(1);
});
