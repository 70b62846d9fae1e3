// STAND-IN for the `electron` module (the Electron binary cannot be downloaded here), used only by the
// wiring test: test/main/electron-stand-in/register.mjs makes `import … from 'electron'` resolve here
// when the built main entry runs in a plain Node child process. It records what main sets up (lock,
// scheme, protocol handler, window and its options, tray, IPC handlers, notifications) and answers
// the test's commands over the Node IPC channel. utilityProcess.fork forks the real engine entry as a
// Node child process, as engine-child-process.ts does for the engine's own tests.
import { type ChildProcess, fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Template = { id?: string; label?: string; type?: string; enabled?: boolean; click?: () => void };
type Handler = (event: unknown, ...args: unknown[]) => unknown;

/** Everything main did to Electron, as the test reads it. */
const record = {
  sandboxEnabled: false,
  lockRequested: false,
  privilegedSchemes: [] as unknown[],
  schemesRegisteredBeforeReady: false,
  handledSchemes: [] as string[],
  ipcChannels: [] as string[],
  windows: [] as WindowRecord[],
  trays: [] as { image: string; tooltip: string; tooltips: string[]; menu: Template[] }[],
  notifications: [] as { title: string; body: string }[],
  loginItems: [] as unknown[],
  forks: [] as { modulePath: string; serviceName?: string; pid?: number; exitCode?: number | null }[],
  session: {
    permissionRequest: false,
    permissionCheck: false,
    devicePermission: false,
    blocked: [] as string[],
  },
  appListeners: [] as string[],
  quitRequests: 0,
};

interface WindowRecord {
  options: unknown;
  url: string;
  shows: number;
  focuses: number;
  sent: string[];
}

let ready = false;
let nextId = 1;
const handlers = new Map<string, Handler>();
const engines: ChildProcess[] = [];
const windows: BrowserWindow[] = [];

class Preventable {
  defaultPrevented = false;
  preventDefault() {
    this.defaultPrevented = true;
  }
}

class AppStandIn extends EventEmitter {
  isPackaged = false;
  override on(event: string, listener: Parameters<EventEmitter['on']>[1]): this {
    record.appListeners.push(event);
    return super.on(event, listener);
  }
  enableSandbox() {
    record.sandboxEnabled = true;
  }
  setAppUserModelId() {}
  requestSingleInstanceLock() {
    record.lockRequested = true;
    return process.env.STAND_IN_LOCK_TAKEN !== '1';
  }
  whenReady() {
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        ready = true;
        this.emit('ready');
        resolve();
      }),
    );
  }
  getPath(name: string) {
    return join(process.env.PUDDLEPROOF_HOME ?? tmpdir(), name);
  }
  getAppPath() {
    return process.cwd();
  }
  setLoginItemSettings(settings: unknown) {
    record.loginItems.push(settings);
  }
  quit() {
    record.quitRequests++;
    const event = new Preventable();
    this.emit('before-quit', event);
    if (event.defaultPrevented) return;
    this.emit('will-quit', new Preventable());
    setImmediate(() => process.exit(0));
  }
}

export const app = new AppStandIn();

class SessionStandIn {
  setPermissionRequestHandler() {
    record.session.permissionRequest = true;
  }
  setPermissionCheckHandler() {
    record.session.permissionCheck = true;
  }
  setDevicePermissionHandler() {
    record.session.devicePermission = true;
  }
  webRequest = {
    onBeforeRequest: (filter: { urls: string[] }) => {
      record.session.blocked = filter.urls;
    },
  };
}

export const session = { defaultSession: new SessionStandIn() };

class ContentsStandIn extends EventEmitter {
  readonly id = nextId++;
  readonly session = session.defaultSession;
  readonly mainFrame = { url: '', parent: null, processId: 1, routingId: this.id };
  constructor(private readonly rec: WindowRecord) {
    super();
  }
  setWindowOpenHandler() {}
  send(channel: string) {
    this.rec.sent.push(channel);
  }
}

export class BrowserWindow extends EventEmitter {
  readonly webContents: ContentsStandIn;
  private readonly rec: WindowRecord;
  private destroyed = false;
  constructor(options: unknown) {
    super();
    this.rec = { options, url: '', shows: 0, focuses: 0, sent: [] };
    record.windows.push(this.rec);
    windows.push(this);
    this.webContents = new ContentsStandIn(this.rec);
    app.emit('web-contents-created', {}, this.webContents);
  }
  async loadURL(url: string) {
    this.rec.url = url;
    this.webContents.mainFrame.url = url;
    setImmediate(() => this.emit('ready-to-show'));
  }
  isDestroyed = () => this.destroyed;
  isMinimized = () => false;
  restore() {}
  show() {
    this.rec.shows++;
  }
  focus() {
    this.rec.focuses++;
  }
  /** Closes like Electron: with no window left, 'window-all-closed' quits unless someone listens. */
  close() {
    this.destroyed = true;
    this.emit('closed');
    if (windows.every((w) => w.isDestroyed())) {
      if (app.listenerCount('window-all-closed') === 0) app.quit();
      else app.emit('window-all-closed');
    }
  }
}

export const protocol = {
  registerSchemesAsPrivileged(schemes: unknown[]) {
    record.privilegedSchemes.push(...schemes);
    record.schemesRegisteredBeforeReady = !ready;
  },
  handle(scheme: string, handler: (request: Request) => Promise<Response>) {
    record.handledSchemes.push(scheme);
    schemeHandlers.set(scheme, handler);
  },
};
const schemeHandlers = new Map<string, (request: Request) => Promise<Response>>();

export const ipcMain = {
  handle(channel: string, handler: Handler) {
    if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    record.ipcChannels.push(channel);
    handlers.set(channel, handler);
  },
};

export class Tray extends EventEmitter {
  private readonly rec: (typeof record.trays)[number];
  constructor(image: string) {
    super();
    this.rec = { image, tooltip: '', tooltips: [], menu: [] };
    record.trays.push(this.rec);
  }
  setImage(image: string) {
    this.rec.image = image;
  }
  setToolTip(tooltip: string) {
    this.rec.tooltip = tooltip;
    this.rec.tooltips.push(tooltip);
  }
  setContextMenu(menu: { items: Template[] } | null) {
    this.rec.menu = menu?.items ?? [];
  }
}

export const Menu = {
  buildFromTemplate: (items: Template[]) => ({ items }),
};

export class Notification extends EventEmitter {
  static isSupported() {
    return true;
  }
  constructor(private readonly options: { title: string; body: string }) {
    super();
  }
  show() {
    record.notifications.push({ title: this.options.title, body: this.options.body });
  }
}

export const dialog = {
  showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
  showSaveDialog: async () => ({ canceled: true }),
};

export const shell = { showItemInFolder() {} };

/** Forks the engine entry as a Node child process, wrapped like Electron's UtilityProcess. */
export const utilityProcess = {
  fork(modulePath: string, args: string[], options: { env?: NodeJS.ProcessEnv; serviceName?: string }) {
    const child = fork(modulePath, args, {
      env: options.env,
      execArgv: [],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    engines.push(child);
    const rec: (typeof record.forks)[number] = {
      modulePath,
      serviceName: options.serviceName,
      pid: child.pid,
    };
    record.forks.push(rec);
    const utility = new EventEmitter() as EventEmitter & {
      postMessage(message: unknown): void;
      kill(): boolean;
      pid: number | undefined;
    };
    utility.pid = child.pid;
    utility.postMessage = (message) => {
      if (child.connected) child.send(message as object);
    };
    utility.kill = () => child.kill();
    child.on('message', (message) => utility.emit('message', message));
    child.on('exit', (code) => {
      rec.exitCode = code;
      utility.emit('exit', code);
    });
    return utility;
  },
};

/** A serialisable copy of the record (menus as labels). */
function report() {
  return {
    ...record,
    trays: record.trays.map((t) => ({
      ...t,
      menu: t.menu.map(({ click: _click, ...item }) => item),
    })),
  };
}

/** Invokes a handler as the newest window's main frame would; with `url`, as if it showed that page. */
async function invoke(channel: string, payload: unknown, url?: string) {
  const handler = handlers.get(channel);
  if (!handler) throw new Error(`no handler for ${channel}`);
  const contents = windows.at(-1)?.webContents;
  const frame = contents && url !== undefined ? { ...contents.mainFrame, url } : contents?.mainFrame;
  return handler({ sender: contents, senderFrame: frame ?? null }, payload);
}

type Command =
  | { id: number; command: 'report' }
  | { id: number; command: 'secondInstance' }
  | { id: number; command: 'invoke'; channel: string; payload?: unknown; url?: string }
  | { id: number; command: 'fetch'; url: string }
  | { id: number; command: 'closeWindow' }
  | { id: number; command: 'killEngine' }
  | { id: number; command: 'trayClick'; action: string }
  | { id: number; command: 'quit' };

async function run(message: Command): Promise<unknown> {
  switch (message.command) {
    case 'report':
      return report();
    case 'secondInstance':
      app.emit('second-instance', new Preventable(), [process.execPath, '.'], process.cwd());
      return report();
    case 'invoke':
      return invoke(message.channel, message.payload, message.url);
    case 'fetch': {
      const handler = schemeHandlers.get(new URL(message.url).protocol.replace(':', ''));
      if (!handler) throw new Error('no handler for that scheme');
      const response = await handler(new Request(message.url));
      return {
        status: response.status,
        csp: response.headers.get('content-security-policy'),
        body: await response.text(),
      };
    }
    case 'closeWindow':
      windows.at(-1)?.close();
      return report();
    case 'killEngine': {
      const engine = engines.at(-1);
      engine?.kill('SIGKILL');
      return engine?.pid;
    }
    case 'trayClick': {
      const item = record.trays.at(-1)?.menu.find((i) => i.id === message.action);
      item?.click?.();
      return Boolean(item);
    }
    case 'quit':
      app.quit();
      return true;
  }
}

// A process that quits on its own (the lock was taken) leaves its record where the test asked.
process.on('exit', () => {
  if (process.env.STAND_IN_REPORT) writeFileSync(process.env.STAND_IN_REPORT, JSON.stringify(report()));
});

process.on('message', (message: Command) => {
  run(message).then(
    (value) => process.send?.({ id: message.id, ok: true, value }),
    (err: unknown) => process.send?.({ id: message.id, ok: false, message: String(err) }),
  );
});
