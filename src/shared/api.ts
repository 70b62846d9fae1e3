// What the preload exposes to the renderer as window.puddleproof (no Node or Electron imports here).

/** The renderer's whole view of the app. */
export interface PuddleproofApi {
  /** Runtime versions, shown in the window's footer. */
  versions: { electron: string; chrome: string; node: string };
}
