// window.puddleproof: the only way the window talks to the app (exposed by the preload).
import type { PuddleproofApi } from '../../src/shared/api.js';

declare global {
  interface Window {
    readonly puddleproof: PuddleproofApi;
  }
}
