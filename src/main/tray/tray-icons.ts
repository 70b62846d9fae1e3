// Which file in assets/ shows a tray state (drawn by scripts/make-icons.mjs). Electron loads the @2x
// sibling on high-density screens by itself, and treats "…Template" files as macOS template images.
import { join } from 'node:path';
import type { TrayIconState } from './tray-model.js';

export const TRAY_ICON_STATES: readonly TrayIconState[] = [
  'idle',
  'working',
  'attention',
  'paused',
  'reminder',
];

/** The icon's file name for `state`: a template image on macOS, the coloured one elsewhere. */
export function trayIconFile(state: TrayIconState, platform: NodeJS.Platform): string {
  return `tray-${state}${platform === 'darwin' ? 'Template' : ''}.png`;
}

/** The icon's path in `assetsDir`. */
export function trayIconPath(assetsDir: string, state: TrayIconState, platform: NodeJS.Platform): string {
  return join(assetsDir, trayIconFile(state, platform));
}
