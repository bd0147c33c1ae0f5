import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { toChannel, toEvent } from '../../src-shared/ipc/channels.js';
import type { LifeboatApi } from '../../src-shared/ipc/contract.js';

// The only thing the renderer gets: typed invoke/on over the contract's exact channel names.
const api: LifeboatApi = {
  invoke(channel, payload) {
    if (!toChannel(channel)) return Promise.reject(new Error(`Unknown channel ${String(channel)}`));
    return ipcRenderer.invoke(channel, payload) as never;
  },
  on(event, listener) {
    if (!toEvent(event)) throw new Error(`Unknown event ${String(event)}`);
    const wrapped = (_e: Electron.IpcRendererEvent, payload: unknown): void => listener(payload as never);
    ipcRenderer.on(event, wrapped);
    return () => ipcRenderer.removeListener(event, wrapped);
  },
  pathForFile: (file) => webUtils.getPathForFile(file as File),
};

contextBridge.exposeInMainWorld('lifeboat', api);
