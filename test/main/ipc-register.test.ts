// The registration wrapper: a handler for every contract channel, each refusing foreign senders,
// subframes and bad payloads before anything runs; good requests reach the real dispatcher. ipcMain and
// the window are recording stand-ins (the Electron binary cannot run here).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IpcMainInvokeEvent } from 'electron';
import { APP_ENTRY_URL } from '../../src/main/app-url.js';
import { createDispatcher } from '../../src/main/ipc-dispatch.js';
import {
  type CurrentWindow,
  forwardEvent,
  type OurWindow,
  registerIpcHandlers,
  UNTRUSTED_SENDER,
} from '../../src/main/ipc-register.js';
import type { FrameLike } from '../../src/main/trusted-sender.js';
import { requestSchemas } from '../../src/shared/ipc-contract.js';
import type { EngineStatus } from '../../src/shared/status.js';
import { RecordingEngine } from './helpers/recording-engine.js';

const STATUS: EngineStatus = { state: { kind: 'idle' }, lastBackupBySource: {}, pending: [] };
type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>;

/** A window stand-in: its contents' id, main frame and what was sent to it. */
function fakeWindow(id: number, url = APP_ENTRY_URL) {
  const sent: [string, unknown][] = [];
  let destroyed = false;
  const mainFrame: FrameLike = { url, parent: null, processId: 4, routingId: id };
  const window: OurWindow = {
    isDestroyed: () => destroyed,
    webContents: {
      id,
      mainFrame,
      send: (channel: string, payload: unknown) => sent.push([channel, payload]),
    },
  };
  return { window, sent, destroy: () => (destroyed = true) };
}

function setUp() {
  const engine = new RecordingEngine({ 'status:get': () => STATUS, 'backup:now': () => undefined });
  const handlers = new Map<string, Handler>();
  const registered: string[] = [];
  const ipcMain = {
    handle(channel: string, handler: Handler) {
      registered.push(channel);
      handlers.set(channel, handler);
    },
  };
  const ours = fakeWindow(1);
  let current: OurWindow | null = ours.window;
  const window: CurrentWindow = () => current;
  const dispatch = createDispatcher({
    engine,
    dialogs: {
      pickFolder: async () => null,
      saveKitPath: async () => null,
      openKitFile: async () => null,
      confirmNewKit: async () => false,
    },
    showItemInFolder: () => {},
    setStartAtLogin: () => {},
  });
  registerIpcHandlers(ipcMain as never, window, dispatch);
  /** Invokes `channel` as `frame` of `sender` would. */
  const invoke = (
    channel: string,
    sender: OurWindow['webContents'],
    frame: FrameLike | null,
    ...args: unknown[]
  ) => {
    const handler = handlers.get(channel);
    assert.ok(handler, `no handler for ${channel}`);
    return handler({ sender, senderFrame: frame } as unknown as IpcMainInvokeEvent, ...args);
  };
  return { engine, registered, ours, invoke, close: () => (current = null) };
}

describe('registerIpcHandlers', () => {
  test('registers exactly the contract channels, once each', () => {
    const { registered } = setUp();
    assert.deepEqual([...registered].sort(), Object.keys(requestSchemas).sort());
  });

  test("a request from our window's main frame reaches the dispatcher and the engine", async () => {
    const { invoke, ours, engine } = setUp();
    const contents = ours.window.webContents;
    assert.deepEqual(await invoke('status:get', contents, contents.mainFrame, undefined), {
      ok: true,
      value: STATUS,
    });
    assert.deepEqual(await invoke('backup:now', contents, contents.mainFrame), {
      ok: true,
      value: undefined,
    });
    assert.deepEqual(engine.methods(), ['status:get', 'backup:now']);
  });

  test('foreign pages, look-alike origins, subframes, other windows and missing frames are refused', async () => {
    const { invoke, ours, engine } = setUp();
    const contents = ours.window.webContents;
    const main = contents.mainFrame;
    const other = fakeWindow(2).window.webContents;
    const senders: [string, OurWindow['webContents'], FrameLike | null][] = [
      ['foreign page', contents, { ...main, url: 'https://evil.example/' }],
      ['look-alike host', contents, { ...main, url: 'app://puddleproof.evil/index.html' }],
      ['user-info trick', contents, { ...main, url: 'app://puddleproof@evil/index.html' }],
      ['file page', contents, { ...main, url: 'file:///work/main/dist/renderer/index.html' }],
      ['subframe', contents, { url: APP_ENTRY_URL, parent: main, processId: 4, routingId: 9 }],
      ['another window', other, other.mainFrame],
      ['no frame', contents, null],
    ];
    for (const [what, sender, frame] of senders) {
      assert.deepEqual(
        await invoke('status:get', sender, frame, undefined),
        { ok: false, message: UNTRUSTED_SENDER },
        what,
      );
    }
    assert.deepEqual(engine.calls, []);
  });

  test('while our window is closed or destroyed, nothing is answered', async () => {
    const { invoke, ours, close, engine } = setUp();
    const contents = ours.window.webContents;
    ours.destroy();
    assert.deepEqual(await invoke('status:get', contents, contents.mainFrame), {
      ok: false,
      message: UNTRUSTED_SENDER,
    });
    close();
    assert.deepEqual(await invoke('status:get', contents, contents.mainFrame), {
      ok: false,
      message: UNTRUSTED_SENDER,
    });
    assert.deepEqual(engine.calls, []);
  });

  test('bad payloads and extra arguments from our own window are refused before the engine', async () => {
    const { invoke, ours, engine } = setUp();
    const contents = ours.window.webContents;
    const bad = await invoke('history:files', contents, contents.mainFrame, { id: '../../etc/passwd' });
    assert.deepEqual(bad, {
      ok: false,
      message: 'Invalid request for history:files: id: is not a backup id.',
    });
    const extra = await invoke('status:get', contents, contents.mainFrame, undefined, 'more');
    assert.deepEqual(extra, { ok: false, message: 'Invalid request for status:get: too many arguments.' });
    const months = await invoke('settings:update', contents, contents.mainFrame, { kitCheckMonths: 2 });
    assert.equal((months as { ok: boolean }).ok, false);
    assert.match((months as { message: string }).message, /settings:update: kitCheckMonths/);
    assert.deepEqual(engine.calls, []);
  });
});

describe('forwardEvent', () => {
  test('sends contract events to our window only, and nothing while it is closed', () => {
    const ours = fakeWindow(1);
    let current: OurWindow | null = ours.window;
    forwardEvent(() => current, 'status:changed', STATUS);
    forwardEvent(() => current, 'shell:openExternal' as never, 'https://evil.example/');
    ours.destroy();
    forwardEvent(() => current, 'status:changed', STATUS);
    current = null;
    forwardEvent(() => current, 'status:changed', STATUS);
    assert.deepEqual(ours.sent, [['status:changed', STATUS]]);
  });
});
