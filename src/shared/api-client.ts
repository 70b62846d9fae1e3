// Builds window.puddleproof from two transport functions. The preload passes ipcRenderer-based ones;
// the Chromium tests pass ones backed by the real engine in the test process (no Node or Electron here).
import { type PuddleproofApi, WINDOW_VIEWS, type WindowView } from './api.js';
import type { Channel, EventName, Events, IpcReply, RequestOf, ResponseOf } from './ipc-contract.js';

export interface ApiTransport {
  /** Sends one request; main answers with a reply (a value, or a plain message). */
  invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<IpcReply<ResponseOf<C>>>;
  /** Calls `listener` with each event's payload only; returns the unsubscribe. */
  subscribe<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  versions: PuddleproofApi['versions'];
}

/** The domain API on top of a transport: one method per channel, one `on…` per event. */
export function createApi(transport: ApiTransport): PuddleproofApi {
  // A refused or failed request becomes an Error with main's plain message (never a stack).
  const t = {
    ...transport,
    async invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
      const reply = await transport.invoke(channel, request);
      if (!reply.ok) throw new Error(reply.message);
      return reply.value;
    },
  };
  const call =
    <C extends Channel>(channel: C) =>
    (request: RequestOf<C>) =>
      t.invoke(channel, request);
  const none =
    <C extends Channel>(channel: C) =>
    () =>
      t.invoke(channel, undefined as RequestOf<C>);
  const on =
    <E extends EventName>(event: E) =>
    (listener: (payload: Events[E]) => void) =>
      t.subscribe(event, listener);
  return {
    versions: { ...t.versions },
    setup: {
      state: none('setup:state'),
      createKeys: call('setup:createKeys'),
      saveKit: none('setup:saveKit'),
      confirmKit: (typed) => t.invoke('setup:confirmKit', { typed }),
      joinVault: async (request) => {
        await t.invoke('setup:joinVault', request);
      },
      requestPairing: call('setup:pairRequest'),
      cancelPairing: async () => {
        await t.invoke('setup:pairCancel', undefined);
      },
      onPaired: on('setup:paired'),
    },
    folders: { check: call('folders:check') },
    dialogs: { pickFolder: (purpose) => t.invoke('dialog:pickFolder', { purpose }) },
    status: { get: none('status:get'), onChange: on('status:changed') },
    backup: {
      now: async () => {
        await t.invoke('backup:now', undefined);
      },
    },
    watching: {
      pause: async () => {
        await t.invoke('watching:pause', undefined);
      },
      resume: async () => {
        await t.invoke('watching:resume', undefined);
      },
    },
    history: {
      list: none('history:list'),
      files: (id) => t.invoke('history:files', { id }),
      preview: (id) => t.invoke('history:preview', { id }),
    },
    kit: {
      status: none('kit:status'),
      load: none('kit:load'),
      paste: (text) => t.invoke('kit:paste', { text }),
      forget: none('kit:forget'),
      check: (text) => t.invoke('kit:check', { text }),
      checkFile: none('kit:checkFile'),
      drill: none('kit:drill'),
      renew: none('kit:renew'),
      renewSave: none('kit:renewSave'),
      renewConfirm: (typed) => t.invoke('kit:renewConfirm', { typed }),
      renewCancel: async () => {
        await t.invoke('kit:renewCancel', undefined);
      },
    },
    restore: {
      start: call('restore:start'),
      cancel: async (runId) => {
        await t.invoke('restore:cancel', { runId });
      },
      onProgress: on('restore:progress'),
      onFinished: on('restore:finished'),
      showInFolder: async (destination) => {
        await t.invoke('restore:showInFolder', { destination });
      },
    },
    verify: { all: none('verify:all'), onProgress: on('verify:progress'), onFinished: on('verify:finished') },
    settings: { get: none('settings:get'), update: call('settings:update') },
    recipients: {
      list: none('recipients:list'),
      add: call('recipients:add'),
      remove: (recipient) => t.invoke('recipients:remove', { recipient }),
    },
    devices: {
      list: none('devices:list'),
      remove: (id) => t.invoke('devices:remove', { id }),
      changes: none('devices:changes'),
    },
    navigation: {
      pending: none('window:pendingView'),
      // Only a view the window knows reaches the listener.
      onOpen: (listener) =>
        t.subscribe('window:open', (view) => {
          if ((WINDOW_VIEWS as readonly unknown[]).includes(view)) listener(view as WindowView);
        }),
    },
    pairing: {
      find: (code) => t.invoke('pair:find', { code }),
      approve: (code) => t.invoke('pair:approve', { code }),
    },
  };
}
