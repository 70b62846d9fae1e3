// Electron main process: builds the app's parts (engine process, window, tray, notifier, IPC) from
// Electron's objects and hands them to DesktopApp. Behaviour lives in the modules imported here; this
// file only wires them.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  Notification,
  protocol,
  session,
  shell,
  Tray,
} from 'electron';
import { handleAppProtocol, registerAppScheme } from './app-protocol.js';
import { DesktopApp } from './desktop-app.js';
import { EngineClient } from './engine-client.js';
import { forkUtilityEngine } from './engine-utility.js';
import { createDispatcher } from './ipc-dispatch.js';
import { forwardEvent, registerIpcHandlers } from './ipc-register.js';
import { setLinuxAutostart } from './linux-autostart.js';
import { nativeDialogs } from './native-dialogs.js';
import { Notifier } from './notifier.js';
import { trayIconPath } from './tray/tray-icons.js';
import { TrayService } from './tray/tray-service.js';
import { createMainWindow, hardenContents, hardenSession, MainWindow } from './window.js';
import { sendViewIfLoaded, WindowNavigation } from './window-navigation.js';

const here = dirname(fileURLToPath(import.meta.url));
const paths = {
  preload: join(here, '../preload/preload.cjs'),
  renderer: join(here, '../renderer'),
  engine: join(here, '../core/app/engine-process.js'),
  assets: join(here, '../../assets'),
};

/** Start at login: Electron's login items on macOS and Windows, an XDG autostart entry on Linux. */
function applyStartAtLogin(enabled: boolean): void {
  if (process.platform !== 'linux') return app.setLoginItemSettings({ openAtLogin: enabled });
  const command = app.isPackaged
    ? [process.env.APPIMAGE ?? process.execPath]
    : [process.execPath, app.getAppPath()];
  setLinuxAutostart(enabled, command).catch((err: Error) => {
    process.stderr.write(`puddleproof: could not change start at login: ${err.message}\n`);
  });
}

/** Builds the parts once Electron is ready, and starts the app. */
function start(window: MainWindow): Promise<void> {
  handleAppProtocol(protocol, paths.renderer);
  hardenSession(session.defaultSession);

  const navigation = new WindowNavigation({
    window,
    send: (view) => sendViewIfLoaded(window.current, view),
  });
  const notifier = new Notifier({
    show: ({ kind, title, body }) => {
      if (!Notification.isSupported()) return;
      const notification = new Notification({ title, body });
      notification.on('click', () => desktop.notificationClicked(kind));
      notification.show();
    },
  });
  const trayIcon = new Tray(trayIconPath(paths.assets, 'idle', process.platform));
  if (process.platform === 'win32') trayIcon.on('click', () => window.show());
  const tray = new TrayService({
    tray: trayIcon,
    buildMenu: (template) => Menu.buildFromTemplate(template),
    iconPath: (state) => trayIconPath(paths.assets, state, process.platform),
    onAction: (action) => desktop.trayAction(action),
  });
  const engine = new EngineClient({
    spawn: () => forkUtilityEngine(paths.engine, process.env),
    onEvent: (event, payload) => desktop.engineEvent(event, payload),
    onCrash: (reason) => desktop.engineCrashed(reason),
  });
  const desktop = new DesktopApp({
    engine,
    window,
    navigation,
    tray,
    notifier,
    forwardToWindow: (event, payload) => forwardEvent(window.current, event, payload),
    setStartAtLogin: applyStartAtLogin,
    exit: () => app.quit(),
  });
  const dispatch = createDispatcher({
    engine,
    dialogs: nativeDialogs(dialog, window.current, app.getPath('documents')),
    showItemInFolder: (path) => shell.showItemInFolder(path),
    setStartAtLogin: applyStartAtLogin,
    settingsChanged: (settings) => desktop.settingsChanged(settings),
    kitChecked: () => void desktop.kitDrillChanged(),
    takePendingView: () => navigation.take(),
  });
  registerIpcHandlers(ipcMain, window.current, dispatch);

  app.on('activate', () => window.show());
  app.on('before-quit', (event) => {
    // Quit waits for the engine to stop; DesktopApp quits again once it has.
    if (desktop.hasStopped) return;
    event.preventDefault();
    void desktop.quit();
  });
  return desktop.start();
}

registerAppScheme(protocol);
app.enableSandbox();
if (process.platform === 'win32') app.setAppUserModelId('app.puddleproof.desktop');

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  const window = new MainWindow(() =>
    createMainWindow(BrowserWindow, { preload: paths.preload, icon: join(paths.assets, 'icon.png') }),
  );
  app.on('second-instance', () => window.show());
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
  // Closing the window leaves the app running in the tray.
  app.on('window-all-closed', () => {});
  void app.whenReady().then(() => start(window));
}
