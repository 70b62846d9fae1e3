// The window's secure options, the hardening of its contents and session, and the open/close holder.
// Web contents, sessions and windows are recording stand-ins (the Electron binary cannot run here).
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import type { BrowserWindow, Session, WebContents } from 'electron';
import { APP_ENTRY_URL } from '../../src/main/app-url.js';
import {
  createMainWindow,
  hardenContents,
  hardenSession,
  MainWindow,
  windowOptions,
} from '../../src/main/window.js';

/** Emits `name` with a preventable event, as Electron does; returns whether it was prevented. */
function emitPreventable(contents: EventEmitter, name: string): boolean {
  let prevented = false;
  contents.emit(name, { preventDefault: () => (prevented = true) }, 'https://evil.example/');
  return prevented;
}

class ContentsStandIn extends EventEmitter {
  openHandler: ((details: unknown) => { action: string }) | undefined;
  readonly session = new SessionStandIn();
  setWindowOpenHandler(handler: (details: unknown) => { action: string }) {
    this.openHandler = handler;
  }
}

class SessionStandIn {
  request?: (
    contents: unknown,
    permission: string,
    callback: (granted: boolean) => void,
    details: unknown,
  ) => void;
  check?: (...args: unknown[]) => boolean;
  device?: (...args: unknown[]) => boolean;
  blocked?: {
    urls: string[];
    listener: (details: unknown, callback: (r: { cancel: boolean }) => void) => void;
  };
  setPermissionRequestHandler(handler: SessionStandIn['request']) {
    this.request = handler;
  }
  setPermissionCheckHandler(handler: SessionStandIn['check']) {
    this.check = handler;
  }
  setDevicePermissionHandler(handler: SessionStandIn['device']) {
    this.device = handler;
  }
  webRequest = {
    onBeforeRequest: (
      filter: { urls: string[] },
      listener: NonNullable<SessionStandIn['blocked']>['listener'],
    ) => {
      this.blocked = { urls: filter.urls, listener };
    },
  };
}

describe('windowOptions', () => {
  test('isolated, sandboxed, no Node, web security on, no webviews, at least 800×600', () => {
    const options = windowOptions('/app/dist/preload/preload.cjs', '/app/assets/icon.png');
    const web = options.webPreferences ?? {};
    assert.equal(web.preload, '/app/dist/preload/preload.cjs');
    assert.equal(web.contextIsolation, true);
    assert.equal(web.sandbox, true);
    assert.equal(web.nodeIntegration, false);
    assert.equal(web.nodeIntegrationInWorker, false);
    assert.equal(web.nodeIntegrationInSubFrames, false);
    assert.equal(web.webSecurity, true);
    assert.equal(web.allowRunningInsecureContent, false);
    assert.equal(web.webviewTag, false);
    assert.equal(web.experimentalFeatures, false);
    assert.equal(web.enableBlinkFeatures, undefined);
    assert.equal(web.disableBlinkFeatures, 'Auxclick');
    assert.equal(web.navigateOnDragDrop, false);
    assert.equal(options.minWidth, 800);
    assert.equal(options.minHeight, 600);
    assert.ok((options.width ?? 0) >= 800 && (options.height ?? 0) >= 600);
    assert.equal(options.show, false, 'shown once ready, without a blank flash');
    assert.equal(options.icon, '/app/assets/icon.png');
    assert.equal('icon' in windowOptions('/p.cjs'), false);
  });
});

describe('hardenContents', () => {
  test('navigation, frame navigation, redirects and webviews are prevented; window.open is denied', () => {
    const contents = new ContentsStandIn();
    hardenContents(contents as unknown as WebContents);
    for (const name of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
      assert.equal(emitPreventable(contents, name), true, name);
    }
    assert.deepEqual(contents.openHandler?.({ url: 'https://evil.example/' }), { action: 'deny' });
  });

  test('without hardening nothing is prevented (the check above can fail)', () => {
    assert.equal(emitPreventable(new ContentsStandIn(), 'will-navigate'), false);
  });
});

describe('hardenSession', () => {
  test('every permission request and check but the camera for our page is denied; network and file requests are cancelled', () => {
    const session = new SessionStandIn();
    hardenSession(session as unknown as Session);
    const fromOurPage = { isMainFrame: true, requestingUrl: APP_ENTRY_URL };
    const answers: boolean[] = [];
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read']) {
      session.request?.({}, permission, (granted) => answers.push(granted), fromOurPage);
    }
    session.request?.({}, 'media', (granted) => answers.push(granted), {
      ...fromOurPage,
      mediaTypes: ['audio'],
    });
    session.request?.({}, 'media', (granted) => answers.push(granted), {
      ...fromOurPage,
      mediaTypes: ['video'],
    });
    session.request?.({}, 'media', (granted) => answers.push(granted), {
      isMainFrame: true,
      requestingUrl: 'https://evil.example/',
      mediaTypes: ['video'],
    });
    assert.deepEqual(answers, [false, false, false, false, false, false, true, false]);
    assert.equal(session.check?.({}, 'media', APP_ENTRY_URL, { isMainFrame: true }), false);
    assert.equal(
      session.check?.({}, 'media', 'app://puddleproof', { isMainFrame: true, mediaType: 'audio' }),
      false,
    );
    assert.equal(
      session.check?.({}, 'media', 'app://puddleproof', { isMainFrame: true, mediaType: 'video' }),
      true,
    );
    // The check's requesting origin decides, whatever URL the details name.
    const evilCheck = { isMainFrame: true, mediaType: 'video', requestingUrl: APP_ENTRY_URL };
    assert.equal(session.check?.({}, 'media', 'https://evil.example', evilCheck), false);
    assert.equal(session.check?.({}, 'geolocation', 'app://puddleproof', { isMainFrame: true }), false);
    assert.equal(session.device?.({ deviceType: 'usb', origin: APP_ENTRY_URL }), false);
    assert.ok(session.blocked);
    for (const scheme of ['http', 'https', 'ws', 'wss', 'file']) {
      assert.ok(session.blocked.urls.includes(`${scheme}://*/*`), scheme);
    }
    assert.ok(!session.blocked.urls.some((u) => u.startsWith('app:')), 'our own scheme is not blocked');
    let reply: { cancel: boolean } | undefined;
    session.blocked.listener({ url: 'https://tracker.example/pixel.gif' }, (r) => (reply = r));
    assert.deepEqual(reply, { cancel: true });
  });
});

/** A BrowserWindow stand-in recording what is done to it. */
class WindowStandIn extends EventEmitter {
  static made: WindowStandIn[] = [];
  readonly calls: string[] = [];
  readonly webContents = new ContentsStandIn();
  destroyed = false;
  minimized = false;
  constructor(readonly options: unknown) {
    super();
    WindowStandIn.made.push(this);
  }
  loadURL(url: string) {
    this.calls.push(`loadURL ${url}`);
    return Promise.resolve();
  }
  isDestroyed = () => this.destroyed;
  isMinimized = () => this.minimized;
  restore = () => this.calls.push('restore');
  show = () => this.calls.push('show');
  focus = () => this.calls.push('focus');
  close() {
    this.destroyed = true;
    this.emit('closed');
  }
}

describe('createMainWindow and MainWindow', () => {
  const open = () =>
    createMainWindow(WindowStandIn as unknown as typeof BrowserWindow, {
      preload: '/p.cjs',
    }) as unknown as BrowserWindow;

  test('creates a hardened window with our options, loading our app:// page', () => {
    WindowStandIn.made = [];
    open();
    const [made] = WindowStandIn.made;
    assert.ok(made);
    assert.deepEqual(made.options, windowOptions('/p.cjs'));
    assert.deepEqual(made.calls, [`loadURL ${APP_ENTRY_URL}`]);
    assert.equal(emitPreventable(made.webContents, 'will-navigate'), true);
    assert.ok(made.webContents.session.request, 'its session denies permissions');
  });

  test('show opens one window, shows it when ready, focuses it later, and reopens it after close', () => {
    WindowStandIn.made = [];
    const holder = new MainWindow(open);
    assert.equal(holder.current(), null);
    holder.show();
    const [first] = WindowStandIn.made;
    assert.ok(first);
    assert.equal(holder.current(), first as unknown as BrowserWindow);
    first.emit('ready-to-show');
    assert.deepEqual(first.calls.slice(1), ['show']);
    first.minimized = true;
    holder.show();
    assert.deepEqual(first.calls.slice(1), ['show', 'restore', 'show', 'focus']);
    assert.equal(WindowStandIn.made.length, 1);
    first.close();
    assert.equal(holder.current(), null);
    holder.show();
    assert.equal(WindowStandIn.made.length, 2);
  });
});
