// The only bridge between the page and the app: a small read-only API on window.puddleproof.
import { contextBridge } from 'electron';
import type { PuddleproofApi } from '../shared/api.js';

const api: PuddleproofApi = {
  versions: {
    electron: process.versions.electron ?? '',
    chrome: process.versions.chrome ?? '',
    node: process.versions.node,
  },
};

contextBridge.exposeInMainWorld('puddleproof', api);
