// The only bridge between the page and the app: window.puddleproof, a small domain API. The page never
// sees ipcRenderer or an event object; every subscription returns its unsubscribe. Bundled into one
// CommonJS file, as a sandboxed preload must be.
import { contextBridge, type IpcRendererEvent, ipcRenderer } from 'electron';
import { createApi } from '../shared/api-client.js';

const api = createApi({
  invoke: (channel, request) => ipcRenderer.invoke(channel, request),
  subscribe(event, listener) {
    const forward = (_event: IpcRendererEvent, payload: unknown) => listener(payload as never);
    ipcRenderer.on(event, forward);
    return () => {
      ipcRenderer.removeListener(event, forward);
    };
  },
  versions: {
    electron: process.versions.electron ?? '',
    chrome: process.versions.chrome ?? '',
    node: process.versions.node,
  },
});

contextBridge.exposeInMainWorld('puddleproof', api);
