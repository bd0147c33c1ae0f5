import { ipcMain, type BrowserWindow } from 'electron';
import { CHANNELS, PRELOAD_CHANNELS, type Events } from '../../src-shared/ipc/contract.js';
import { dispatch } from './dispatch.js';
import type { Services } from './services.js';

/**
 * The only file that touches ipcMain and webContents.send: each contract channel is bound to
 * dispatch() with the sender's frame, and events go to the window.
 */
export function bindIpc(getServices: () => Services, trusted: readonly string[]): void {
  for (const channel of [...CHANNELS, ...PRELOAD_CHANNELS]) {
    ipcMain.handle(channel, (event, payload: unknown) => {
      const frame = event.senderFrame;
      return dispatch(getServices(), trusted, channel, payload, { url: frame?.url ?? '', isMainFrame: frame !== null && frame === event.sender.mainFrame });
    });
  }
}

/** An `emit` that sends events to the window, if it is there. */
export function windowEmitter(getWindow: () => BrowserWindow | undefined): <E extends keyof Events>(event: E, payload: Events[E]) => void {
  return (event, payload) => {
    const win = getWindow();
    if (win && !win.isDestroyed()) win.webContents.send(event, payload);
  };
}
