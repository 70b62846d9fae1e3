// The app's one window: its secure options, the hardening every web contents gets (no navigation, no
// new windows, no webviews, no permission but the camera for our own page, no remote requests), and the
// holder that opens it on demand and lets it close while the tray app keeps running.
import type { BrowserWindow, BrowserWindowConstructorOptions, Session, WebContents } from 'electron';
import { APP_ENTRY_URL } from './app-url.js';
import { allowsPermission } from './permissions.js';

/** The window's options: isolated, sandboxed, no Node, web security on, no webview tag. */
export function windowOptions(preloadPath: string, iconPath?: string): BrowserWindowConstructorOptions {
  return {
    width: 960,
    height: 720,
    minWidth: 800,
    minHeight: 600,
    title: 'Puddleproof',
    show: false,
    autoHideMenuBar: true,
    ...(iconPath ? { icon: iconPath } : {}),
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      // Middle-click (auxclick) would try to open links in new windows; the page has no use for it.
      disableBlinkFeatures: 'Auxclick',
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    },
  };
}

const prevent = (event: { preventDefault(): void }) => event.preventDefault();

/** Denies navigation, redirects, new windows and webviews in `contents`. */
export function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', prevent);
  contents.on('will-frame-navigate', prevent);
  contents.on('will-redirect', prevent);
  contents.on('will-attach-webview', prevent);
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Schemes the app never loads anything from (the page has no business on the network or disk). */
const BLOCKED_REQUESTS = ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'ftp://*/*', 'file://*/*'];

/**
 * Denies every permission request and check but the camera for our own page (allowsPermission), every
 * device permission, and every network or file request, in `session`.
 */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(allowsPermission(permission, details)),
  );
  // A check names the asking frame by its origin.
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    allowsPermission(permission, { ...details, requestingUrl: requestingOrigin }),
  );
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onBeforeRequest({ urls: BLOCKED_REQUESTS }, (_details, callback) =>
    callback({ cancel: true }),
  );
}

/** Hardens a window's web contents and its session. */
export function hardenWindow(window: BrowserWindow): void {
  hardenContents(window.webContents);
  hardenSession(window.webContents.session);
}

/** Creates the window with our options and hardening, and loads our page over app://. */
export function createMainWindow(
  Window: typeof BrowserWindow,
  paths: { preload: string; icon?: string },
): BrowserWindow {
  const window = new Window(windowOptions(paths.preload, paths.icon));
  hardenWindow(window);
  void window.loadURL(APP_ENTRY_URL);
  return window;
}

/** Holds the window while it is open; `show` opens it when closed, or brings it to the front. */
export class MainWindow {
  private window: BrowserWindow | null = null;

  constructor(private readonly open: () => BrowserWindow) {}

  /** The open window, or null. */
  readonly current = (): BrowserWindow | null =>
    this.window && !this.window.isDestroyed() ? this.window : null;

  show(): void {
    const existing = this.current();
    if (existing) {
      if (existing.isMinimized()) existing.restore();
      existing.show();
      existing.focus();
      return;
    }
    const window = this.open();
    this.window = window;
    window.once('ready-to-show', () => window.show());
    window.on('closed', () => {
      if (this.window === window) this.window = null;
    });
  }
}
