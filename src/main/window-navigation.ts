// Opening the window at a view (the drill reminder's tray line and notification open Settings → Recovery
// kit). An open, loaded window is told at once with the 'window:open' event; a window that is closed or
// still loading asks for the view when it starts (window:pendingView), so it is neither lost nor used twice.
import type { WindowView } from '../shared/api.js';
import type { EventName } from '../shared/ipc-contract.js';

/** What is needed of our window to tell it a view: Electron's BrowserWindow fits. */
export interface NavigableWindow {
  isDestroyed(): boolean;
  readonly webContents: { isLoading(): boolean; send(channel: EventName, ...args: unknown[]): void };
}

/** Sends 'window:open' to our window if it is open and done loading; false (nothing sent) otherwise. */
export function sendViewIfLoaded(window: () => NavigableWindow | null, view: WindowView): boolean {
  const current = window();
  if (!current || current.isDestroyed() || current.webContents.isLoading()) return false;
  current.webContents.send('window:open', view);
  return true;
}

export interface WindowNavigationParts {
  window: { show(): void };
  /** Tells the open, loaded window to show a view; false if it could not be told. */
  send: (view: WindowView) => boolean;
}

/** Shows the window at a view, and keeps the view for a window that could not be told yet. */
export class WindowNavigation {
  private pending: WindowView | null = null;

  constructor(private readonly parts: WindowNavigationParts) {}

  open(view: WindowView): void {
    this.pending = this.parts.send(view) ? null : view;
    this.parts.window.show();
  }

  /** The view asked for while the window could not be told, once (then null). */
  take(): WindowView | null {
    const view = this.pending;
    this.pending = null;
    return view;
  }
}
