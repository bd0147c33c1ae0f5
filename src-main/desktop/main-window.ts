import { BrowserWindow, session, shell } from 'electron';
import { CONTENT_SECURITY_POLICY } from './csp.js';

/**
 * Security region: every BrowserWindow setting and web-content guard lives here.
 * - contextIsolation + sandbox, no nodeIntegration: the renderer reaches Node only through the preload's window.lifeboat.
 * - A strict Content-Security-Policy on every response (the packaged file:// page carries the same one in a meta tag).
 * - Navigation away from the app and new windows are refused; http(s) links open in the user's browser.
 */

export interface MainWindowOptions {
  readonly preload: string;
  /** `file://.../index.html` when packaged, the dev server URL in development. */
  readonly url: string;
  readonly show: boolean;
  readonly icon: string;
}

export function createMainWindow(o: MainWindowOptions): BrowserWindow {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 600,
    show: o.show,
    icon: o.icon,
    title: 'Lifeboat',
    backgroundColor: '#0f172a',
    webPreferences: {
      preload: o.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  const appOrigin = new URL(o.url);
  win.webContents.on('will-navigate', (event, target) => {
    if (new URL(target).href.split('#')[0] !== appOrigin.href.split('#')[0]) event.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  void win.loadURL(o.url);
  return win;
}
