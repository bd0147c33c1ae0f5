import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { toEvent, toPageChannel } from '../../src-shared/ipc/channels.js';
import type { LifeboatApi } from '../../src-shared/ipc/contract.js';

// The only thing the renderer gets: typed invoke/on over the contract's exact page channels, and a
// grant for a dropped file. The page cannot reach ipcRenderer (contextIsolation), so preload-only
// channels such as dialog:grant-dropped are called from here alone, with a path the page did not write.
const api: LifeboatApi = {
  invoke(channel, payload) {
    if (!toPageChannel(channel)) return Promise.reject(new Error(`Unknown channel ${String(channel)}`));
    return ipcRenderer.invoke(channel, payload) as never;
  },
  on(event, listener) {
    if (!toEvent(event)) throw new Error(`Unknown event ${String(event)}`);
    const wrapped = (_e: Electron.IpcRendererEvent, payload: unknown): void => listener(payload as never);
    ipcRenderer.on(event, wrapped);
    return () => ipcRenderer.removeListener(event, wrapped);
  },
  grantDroppedFile(file) {
    // A File the page built itself has no path here ('') and main refuses it.
    return ipcRenderer.invoke('dialog:grant-dropped', { path: webUtils.getPathForFile(file as File) }) as never;
  },
};

contextBridge.exposeInMainWorld('lifeboat', api);
